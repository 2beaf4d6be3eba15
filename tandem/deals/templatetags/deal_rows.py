"""The deals list's cells and the board cards' "Move to…" buttons, written in Python.

Fifty rows of up to twelve columns went through a twelve-way ``{% if column.key == … %}``
chain and two includes a row: about 7,000 variable look-ups, most of the page's time (issue 12,
bench/README.md). ``deal_cells`` writes the same markup with ``format_html``; the list template
keeps the row, its checkbox and everything around the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import template
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tandem.core.listing import Column
from tandem.core.templatetags.tandem import money

register = template.Library()

NONE = mark_safe('<span class="text-secondary">—</span>')


def _local(value: Any) -> Any:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.simple_tag
def deal_markers(deal: Any) -> SafeString:
    """The "Overdue" and "Stale" badges (deals/partials/_markers.html, the list's name cell)."""
    parts = []
    if deal.is_overdue:
        parts.append(
            format_html(
                '<span class="badge bg-red-lt deal-marker" title="{}"><i class="bi bi-alarm" '
                'aria-hidden="true"></i> {}</span>',
                _("The expected close date has passed and the deal is still open."),
                _("Overdue"),
            )
        )
    if deal.is_stale:
        parts.append(
            format_html(
                '<span class="badge bg-yellow-lt deal-marker" title="{}"><i class="bi bi-hourglass-split" '
                'aria-hidden="true"></i> {}</span>',
                _("No follow-up for 14 days."),
                _("Stale"),
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))


def _name(deal: Any, column: Column) -> SafeString:
    markers = (
        format_html('<div class="d-flex gap-1 mt-1">{}</div>', deal_markers(deal))
        if getattr(deal, "is_overdue", False) or getattr(deal, "is_stale", False)
        else ""
    )
    return format_html(
        '<td class="deal-name-cell cell-title"><a href="{}" class="fw-medium">{}</a>{}</td>',
        deal.get_absolute_url(),
        deal.name,
        markers,
    )


def _account(deal: Any, column: Column) -> SafeString:
    if deal.account_id is None:
        return format_html('<td class="deal-account-cell cell-fact">{}</td>', NONE)
    return format_html(
        '<td class="deal-account-cell cell-fact"><a href="{}" class="text-reset">{}</a></td>',
        reverse("customers:account-detail", args=[deal.account_id]),
        deal.account.name,
    )


def _stage(deal: Any, column: Column) -> SafeString:
    return format_html('<td class="text-nowrap cell-fact">{}</td>', deal.stage.display_name)


def _amount(deal: Any, column: Column) -> SafeString:
    return format_html('<td class="num cell-fact">{}</td>', money(deal.amount, deal.currency))


def _close(deal: Any, column: Column) -> SafeString:
    day = deal.expected_close_date
    inner = (
        format_html('<time datetime="{}">{}</time>', day.isoformat(), format_date(day, "DATE_FORMAT"))
        if day
        else NONE
    )
    return format_html(
        '<td class="text-nowrap cell-fact{}" data-label="{}">{}</td>',
        " text-danger" if getattr(deal, "is_overdue", False) else "",
        column.label,
        inner,
    )


def _owner(deal: Any, column: Column) -> SafeString:
    owner = deal.owner
    return format_html(
        '<td class="text-nowrap"><span class="avatar avatar-xs me-1" aria-hidden="true">{}</span>{}</td>',
        owner.initials if owner else "",
        owner if owner else "",
    )


STATUS_BADGES = {
    "won": ("bg-green-lt", "bi-trophy"),
    "lost": ("bg-secondary-lt", "bi-x-circle"),
}


@register.simple_tag
def deal_status(deal: Any) -> SafeString:
    """The status badge (deals/partials/_status.html, the list's status cell)."""
    badge, icon = STATUS_BADGES.get(deal.status, ("bg-blue-lt", "bi-circle"))
    return format_html(
        '<span class="badge {}"><i class="bi {}" aria-hidden="true"></i> {}</span>',
        badge,
        icon,
        deal.get_status_display(),
    )


def _status(deal: Any, column: Column) -> SafeString:
    return format_html("<td>{}</td>", deal_status(deal))


def _probability(deal: Any, column: Column) -> SafeString:
    return format_html('<td class="num">{}%</td>', deal.effective_probability)


def _forecast(deal: Any, column: Column) -> SafeString:
    return format_html("<td>{}</td>", deal.get_forecast_group_display())


def _last_follow_up(deal: Any, column: Column) -> SafeString:
    at = deal.last_follow_up_at
    if not at:
        return format_html('<td class="text-nowrap"><span class="text-secondary">{}</span></td>', _("never"))
    at = _local(at)
    return format_html(
        '<td class="text-nowrap"><time datetime="{}" title="{}">{}</time></td>',
        format_date(at, "c"),
        format_date(at, "DATETIME_FORMAT"),
        format_date(at, "DATE_FORMAT"),
    )


def _team(deal: Any, column: Column) -> SafeString:
    return format_html("<td>{}</td>", (deal.team.display_name if deal.team else "") or "—")


def _created(deal: Any, column: Column) -> SafeString:
    return format_html('<td class="text-nowrap">{}</td>', format_date(_local(deal.created_at), "DATE_FORMAT"))


CELLS: dict[str, Callable[[Any, Column], SafeString]] = {
    "name": _name,
    "account": _account,
    "stage": _stage,
    "amount": _amount,
    "expected_close_date": _close,
    "owner": _owner,
    "status": _status,
    "probability": _probability,
    "forecast_category": _forecast,
    "last_follow_up_at": _last_follow_up,
    "team": _team,
    "created_at": _created,
}


@register.simple_tag
def deal_cells(deal: Any, columns: Sequence[Column]) -> SafeString:
    """The ``<td>`` of each shown column of one deals-list row."""
    return format_html_join("", "{}", ((CELLS[c.key](deal, c),) for c in columns if c.key in CELLS))


MOVE_ICONS = {
    "won": "bi-trophy me-2 text-green",
    "lost": "bi-x-circle me-2 text-secondary",
}


@register.simple_tag(takes_context=True)
def board_move_buttons(context: template.Context, stages: Sequence[Any], current_stage_id: int) -> SafeString:
    """A board card's "Move to…" buttons: every stage but the card's own. They are the same for
    every card of a column (about eighty cards of eight buttons on a board), so each is written
    once a request and stage."""
    request = context.get("request")
    written: dict[int, SafeString] = getattr(request, "_board_move_buttons", None) or {}
    if request is not None:
        request._board_move_buttons = written
    if current_stage_id not in written:
        written[current_stage_id] = format_html_join(
            "",
            '<button class="dropdown-item" type="submit" name="stage" value="{}" data-kind="{}">'
            '<i class="bi {}" aria-hidden="true"></i>{}</button>',
            (
                (
                    stage.pk,
                    stage.kind,
                    MOVE_ICONS.get(stage.kind, "bi-arrow-right me-2 text-secondary"),
                    stage.display_name,
                )
                for stage in stages
                if stage.pk != current_stage_id
            ),
        )
    return written[current_stage_id]
