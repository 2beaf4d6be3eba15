"""The leads list's rows, written in Python as the account, contact and deal lists' are: fifty
rows of up to eleven columns went through an ``{% if column.key == … %}`` chain (issue 12).
``tests/test_row_tags.py`` compares the tag with the template it replaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import template
from django.utils.html import conditional_escape as e
from django.utils.safestring import SafeString, mark_safe

from tandem.core.cells import label, short_date
from tandem.core.links import url_of
from tandem.core.listing import Column
from tandem.core.phones import format_phone
from tandem.customers.templatetags.customer_rows import (
    CALL_ICON,
    call_label,
    row_words,
    select_cell,
)

register = template.Library()

STATUS_BADGES = {
    "new": "bg-blue-lt",
    "contacted": "bg-azure-lt",
    "qualified": "bg-green-lt",
    "unqualified": "bg-secondary-lt",
}


def _name(lead: Any, column: Column, words: dict[str, str]) -> str:
    title = f'<div class="small text-secondary">{e(lead.title)}</div>' if lead.title else ""
    return (
        f'<td class="cell-title"><a href="{url_of("leads:lead-detail", lead.pk)}" class="fw-medium">'
        f"{e(lead.name)}</a>{title}</td>"
    )


def _status(lead: Any, column: Column, words: dict[str, str]) -> str:
    badge = STATUS_BADGES.get(lead.status, "bg-purple-lt")
    return f'<td class="cell-fact"><span class="badge {badge}">{e(label(lead, "status"))}</span></td>'


def _mobile(lead: Any, column: Column, words: dict[str, str]) -> str:
    number = lead.mobile or lead.phone
    if not number:
        return '<td class="text-nowrap">—</td>'
    return (
        f'<td class="text-nowrap cell-action"><a class="text-reset d-none d-md-inline" href="tel:{e(number)}">'
        f'{e(format_phone(number))}</a><a class="btn btn-outline-primary d-md-none" href="tel:{e(number)}" '
        f'aria-label="{call_label(lead, words)}">{CALL_ICON}{words["call"]}</a></td>'
    )


def _owner(lead: Any, column: Column, words: dict[str, str]) -> str:
    # An owner without a display name is shown by username, as everywhere else (User.__str__).
    return f"<td>{e(str(lead.owner)) if lead.owner else words['unassigned']}</td>"


CELLS: dict[str, Callable[[Any, Column, dict[str, str]], str]] = {
    "name": _name,
    "company": lambda lead, c, w: f'<td class="cell-fact">{e(lead.company or "—")}</td>',
    "status": _status,
    "mobile": _mobile,
    "source": lambda lead, c, w: f"<td>{e(label(lead, 'source') or '—')}</td>",
    "owner": _owner,
    "last_follow_up_at": lambda lead, c, w: (
        f'<td class="text-nowrap">{short_date(lead.last_follow_up_at) or "—"}</td>'
    ),
    "next_follow_up_on": lambda lead, c, w: (
        f'<td class="text-nowrap cell-fact" data-label="{e(str(c.label))}">'
        f"{short_date(lead.next_follow_up_on) or '—'}</td>"
    ),
    "email": lambda lead, c, w: f"<td>{e(lead.email or '—')}</td>",
    "city": lambda lead, c, w: f"<td>{e(lead.city or '—')}</td>",
    "created_at": lambda lead, c, w: f'<td class="text-nowrap">{short_date(lead.created_at)}</td>',
}


@register.simple_tag
def lead_row(lead: Any, columns: Sequence[Column], can_edit: Any = False) -> SafeString:
    """The ``<td>`` of one leads-list row: its checkbox (for those who may edit) and each shown column."""
    words = row_words()
    check = select_cell(lead, words) if can_edit else ""
    cells = "".join(CELLS[c.key](lead, c, words) for c in columns if c.key in CELLS)
    return mark_safe(check + cells)  # noqa: S308 - every value escaped with e
