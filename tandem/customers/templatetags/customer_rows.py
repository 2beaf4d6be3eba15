"""The account and contact lists' rows, written in Python.

Fifty rows of up to eleven columns went through an ``{% if column.key == … %}`` chain: about
40 % of the contact list's CPU (issue 12). These tags write the same markup, as the deals list's
``deal_cells`` does; ``tests/test_row_tags.py`` compares them with the template they replace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import template
from django.utils.html import conditional_escape as e
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tandem.core.cells import NONE, label, local_time, moment, once_a_language, short_date
from tandem.core.links import url_of
from tandem.core.listing import Column
from tandem.core.phones import format_phone

register = template.Library()


def _tags(record: Any, empty: str) -> str:
    badges = "".join(
        f'<span class="badge bg-secondary-lt me-1">{e(tag.name)}</span>' for tag in record.tags.all()
    )
    return f"<td>{badges or empty}</td>"


CALL_ICON = '<i class="bi bi-telephone me-1" aria-hidden="true"></i>'


def call_label(record: Any, words: dict[str, str]) -> str:
    """The phone's "Call" button's label: "Call <name>"."""
    return words["call_name"] % {"name": e(record.name)}


def select_cell(record: Any, words: dict[str, str]) -> str:
    """A row's bulk-selection checkbox cell."""
    return (
        '<td><input class="form-check-input m-0" type="checkbox" name="ids" '
        f'value="{int(record.pk)}" data-bulk-row aria-label="{words["select_name"] % {"name": e(record.name)}}"></td>'
    )


def _translate_words() -> dict[str, str]:
    return {
        "call": str(e(_("Call"))),
        "call_name": _("Call %(name)s"),
        "select_name": _("Select %(name)s"),
        "stale_title": str(e(_("No follow-up in the last 30 days"))),
        "stale": str(e(_("stale"))),
        "in_pool": str(e(_("in pool"))),
        "never": str(e(_("never"))),
        "unassigned": str(e(_("Unassigned"))),
    }


row_words = once_a_language(_translate_words)
"""The words every row repeats, translated once a process and language."""


# --- Accounts -------------------------------------------------------------------------------


def _account_name(account: Any, column: Column, words: dict[str, str]) -> str:
    stale = (
        f'<span class="badge bg-orange-lt ms-1 text-nowrap" title="{words["stale_title"]}">'
        f'<i class="bi bi-hourglass-bottom" aria-hidden="true"></i> {words["stale"]}</span>'
        if getattr(account, "is_stale", False)
        else ""
    )
    pool = (
        '<span class="badge bg-cyan-lt ms-1 text-nowrap"><i class="bi bi-water" aria-hidden="true"></i> '
        f"{words['in_pool']}</span>"
        if not account.owner_id
        else ""
    )
    return (
        f'<td class="account-name-cell cell-title"><a href="{url_of("customers:account-detail", account.pk)}" '
        f'class="fw-medium">{e(account.name)}</a>{stale}{pool}</td>'
    )


def _account_owner(account: Any, column: Column, words: dict[str, str]) -> str:
    owner = account.owner
    if not owner:
        return f'<td class="text-nowrap">{NONE}</td>'
    return (
        f'<td class="text-nowrap cell-fact"><span class="avatar avatar-xs me-1" aria-hidden="true">'
        f"{e(owner.initials)}</span>{e(owner)}</td>"
    )


def _account_level(account: Any, column: Column, words: dict[str, str]) -> str:
    level = account.level
    return (
        f'<td><span class="badge bg-blue-lt">{e(level.display_name)}</span></td>'
        if level
        else f"<td>{NONE}</td>"
    )


def _account_last_follow_up(account: Any, column: Column, words: dict[str, str]) -> str:
    at = account.last_follow_up_at
    if at:
        at = local_time(at)
        inner = f'<time datetime="{e(at.isoformat())}" title="{moment(at)}">{short_date(at)}</time>'
    else:
        inner = f'<span class="text-secondary">{words["never"]}</span>'
    return f'<td class="num cell-fact" data-label="{e(str(column.label))}">{inner}</td>'


def _account_team(account: Any, column: Column, words: dict[str, str]) -> str:
    name = account.team.display_name if account.team else ""
    return f'<td class="text-nowrap">{e(name or "—")}</td>'


ACCOUNT_CELLS: dict[str, Callable[[Any, Column, dict[str, str]], str]] = {
    "name": _account_name,
    "owner": _account_owner,
    "level": _account_level,
    "lifecycle": lambda a, c, w: f'<td class="text-nowrap">{e(label(a, "lifecycle"))}</td>',
    "industry": lambda a, c, w: f"<td>{e(a.industry or '—')}</td>",
    "city": lambda a, c, w: f'<td class="text-nowrap">{e(a.city or "—")}</td>',
    "last_follow_up": _account_last_follow_up,
    "next_follow_up": lambda a, c, w: f'<td class="num">{short_date(a.next_follow_up_on) or NONE}</td>',
    "tags": lambda a, c, w: _tags(a, NONE),
    "team": _account_team,
    "created": lambda a, c, w: f'<td class="num">{short_date(a.created_at)}</td>',
}


@register.simple_tag
def account_row(account: Any, columns: Sequence[Column], bulk: bool = False) -> SafeString:
    """The ``<td>`` of one accounts-list row: its checkbox (with bulk actions), each shown column,
    and the phone's call button."""
    words = row_words()
    check = select_cell(account, words) if bulk else ""
    cells = "".join(ACCOUNT_CELLS[c.key](account, c, words) for c in columns if c.key in ACCOUNT_CELLS)
    call = (
        f'<td class="cell-action d-md-none"><a class="btn btn-outline-primary" href="tel:{e(account.phone)}" '
        f'aria-label="{call_label(account, words)}">{CALL_ICON}{words["call"]}</a></td>'
        if account.owner_id and account.phone
        else ""
    )
    return mark_safe(check + cells + call)  # noqa: S308 - every value escaped with e


# --- Contacts -------------------------------------------------------------------------------


def _contact_account(contact: Any, column: Column, words: dict[str, str]) -> str:
    if not contact.account:
        return f'<td class="cell-fact">{NONE}</td>'
    return (
        f'<td class="cell-fact"><a href="{url_of("customers:account-detail", contact.account_id)}" '
        f'class="text-reset">{e(contact.account.name)}</a></td>'
    )


def _contact_mobile(contact: Any, column: Column, words: dict[str, str]) -> str:
    mobile = contact.mobile
    if not mobile:
        return f'<td class="text-nowrap">{NONE}</td>'
    return (
        f'<td class="text-nowrap cell-action"><a href="tel:{e(mobile)}" class="text-reset d-none d-md-inline">'
        f'{e(format_phone(mobile))}</a><a href="tel:{e(mobile)}" class="btn btn-outline-primary d-md-none" '
        f'aria-label="{call_label(contact, words)}">{CALL_ICON}{words["call"]}</a></td>'
    )


CONTACT_CELLS: dict[str, Callable[[Any, Column, dict[str, str]], str]] = {
    "name": lambda c, col, w: (
        f'<td class="cell-title"><a href="{url_of("customers:contact-detail", c.pk)}" '
        f'class="fw-medium">{e(c.name)}</a></td>'
    ),
    "account": _contact_account,
    "title": lambda c, col, w: f'<td class="cell-fact">{e(c.title or "—")}</td>',
    "mobile": _contact_mobile,
    "email": lambda c, col, w: f'<td class="text-break">{e(c.email or "—")}</td>',
    "owner": lambda c, col, w: f'<td class="text-nowrap">{e(c.owner or "—")}</td>',
    "last_follow_up": lambda c, col, w: f'<td class="num">{short_date(c.last_follow_up_at) or "—"}</td>',
    "tags": lambda c, col, w: _tags(c, "—"),
    "created": lambda c, col, w: f'<td class="num">{short_date(c.created_at)}</td>',
}


@register.simple_tag
def contact_cells(contact: Any, columns: Sequence[Column]) -> SafeString:
    """The ``<td>`` of each shown column of one contacts-list row."""
    words = row_words()
    cells = "".join(CONTACT_CELLS[c.key](contact, c, words) for c in columns if c.key in CONTACT_CELLS)
    return mark_safe(cells)  # noqa: S308 - every value escaped with e
