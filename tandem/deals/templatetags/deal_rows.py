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
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tandem.core.cells import NONE, day, label, local_time, moment, once_a_language
from tandem.core.links import url_of
from tandem.core.listing import Column
from tandem.core.templatetags.tandem import money
from tandem.customers.templatetags.customer_rows import row_words, select_cell

register = template.Library()


@once_a_language
def _marker_badges() -> tuple[str, str]:
    """The "Overdue" and "Stale" badges in the active language, written once a language."""
    return (
        format_html(
            '<span class="badge bg-red-lt deal-marker" title="{}"><i class="bi bi-alarm" '
            'aria-hidden="true"></i> {}</span>',
            _("The expected close date has passed and the deal is still open."),
            _("Overdue"),
        ),
        format_html(
            '<span class="badge bg-yellow-lt deal-marker" title="{}"><i class="bi bi-hourglass-split" '
            'aria-hidden="true"></i> {}</span>',
            _("No follow-up for 14 days."),
            _("Stale"),
        ),
    )


@register.simple_tag
def deal_markers(deal: Any) -> SafeString:
    """The "Overdue" and "Stale" badges (deals/partials/_markers.html, the list's name cell)."""
    overdue, stale = _marker_badges()
    return mark_safe(  # noqa: S308 - constant markup
        (overdue if getattr(deal, "is_overdue", False) else "")
        + (stale if getattr(deal, "is_stale", False) else "")
    )


# The cells below write what ``format_html`` would, with ``e`` (conditional_escape) on every
# value: fifty rows of nine cells through ``format_html`` were a third of the list's time.
e = conditional_escape


def _name(deal: Any, column: Column) -> str:
    markers = (
        f'<div class="d-flex gap-1 mt-1">{deal_markers(deal)}</div>'
        if getattr(deal, "is_overdue", False) or getattr(deal, "is_stale", False)
        else ""
    )
    return (
        f'<td class="deal-name-cell cell-title"><a href="{url_of("deals:deal-detail", deal.pk)}" '
        f'class="fw-medium">{e(deal.name)}</a>{markers}</td>'
    )


def _account(deal: Any, column: Column) -> str:
    if deal.account_id is None:
        return f'<td class="deal-account-cell cell-fact">{NONE}</td>'
    return (
        f'<td class="deal-account-cell cell-fact"><a href="{url_of("customers:account-detail", deal.account_id)}" '
        f'class="text-reset">{e(deal.account.name)}</a></td>'
    )


def _stage(deal: Any, column: Column) -> str:
    return f'<td class="text-nowrap cell-fact">{e(deal.stage.display_name)}</td>'


def _amount(deal: Any, column: Column) -> str:
    return f'<td class="num cell-fact">{e(money(deal.amount, deal.currency))}</td>'


def _close(deal: Any, column: Column) -> str:
    close = deal.expected_close_date
    inner = f'<time datetime="{close.isoformat()}">{day(close)}</time>' if close else NONE
    tone = " text-danger" if getattr(deal, "is_overdue", False) else ""
    return f'<td class="text-nowrap cell-fact{tone}" data-label="{e(str(column.label))}">{inner}</td>'


def _owner(deal: Any, column: Column) -> str:
    owner = deal.owner
    return (
        f'<td class="text-nowrap"><span class="avatar avatar-xs me-1" aria-hidden="true">'
        f"{e(owner.initials) if owner else ''}</span>{e(owner) if owner else ''}</td>"
    )


STATUS_BADGES = {
    "won": ("bg-green-lt", "bi-trophy"),
    "lost": ("bg-secondary-lt", "bi-x-circle"),
}


@register.simple_tag
def deal_status(deal: Any) -> SafeString:
    """The status badge (deals/partials/_status.html, the list's status cell)."""
    badge, icon = STATUS_BADGES.get(deal.status, ("bg-blue-lt", "bi-circle"))
    return mark_safe(  # noqa: S308 - constant classes, the status label escaped
        f'<span class="badge {badge}"><i class="bi {icon}" aria-hidden="true"></i> {e(label(deal, "status"))}</span>'
    )


def _status(deal: Any, column: Column) -> str:
    return f"<td>{deal_status(deal)}</td>"


def _probability(deal: Any, column: Column) -> str:
    return f'<td class="num">{e(deal.effective_probability)}%</td>'


def _forecast(deal: Any, column: Column) -> str:
    return f"<td>{e(deal.get_forecast_group_display())}</td>"


def _last_follow_up(deal: Any, column: Column) -> str:
    at = deal.last_follow_up_at
    if not at:
        return f'<td class="text-nowrap"><span class="text-secondary">{e(_("never"))}</span></td>'
    at = local_time(at)
    return (
        f'<td class="text-nowrap"><time datetime="{e(at.isoformat())}" '
        f'title="{moment(at)}">{day(at.date())}</time></td>'
    )


def _team(deal: Any, column: Column) -> str:
    return f"<td>{e((deal.team.display_name if deal.team else '') or '—')}</td>"


def _created(deal: Any, column: Column) -> str:
    return f'<td class="text-nowrap">{day(local_time(deal.created_at).date())}</td>'


CELLS: dict[str, Callable[[Any, Column], str]] = {
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
def deal_cells(deal: Any, columns: Sequence[Column], select: bool = False) -> SafeString:
    """The ``<td>`` of each shown column of one deals-list row, after the bulk-selection
    checkbox's when ``select``."""
    cells = "".join(CELLS[c.key](deal, c) for c in columns if c.key in CELLS)
    if select:
        cells = select_cell(deal, row_words()) + cells
    return mark_safe(cells)  # noqa: S308 - see e


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


@register.simple_tag(takes_context=True)
def board_card(context: template.Context, deal: Any) -> SafeString:
    """One board card (deals/partials/_board_card.html): about eighty a board, written here
    rather than through an include of twenty tags each; the words of a card are translated
    once a request, the people's and customers' text escaped."""
    request = context.get("request")
    words = _card_words(context, request)
    name = escape(deal.name)
    move_url = url_of("deals:deal-move", deal.pk)
    menu = ""
    if words["can_edit"]:
        menu = (
            '<div class="dropdown board-card-menu ms-auto">'
            '<button class="btn btn-sm btn-ghost-secondary px-1 py-0" type="button" data-bs-toggle="dropdown" '
            f'aria-expanded="false" aria-label="{escape(words["move_name"] % {"name": deal.name})}">'
            '<i class="bi bi-three-dots" aria-hidden="true"></i></button>'
            f'<form class="dropdown-menu dropdown-menu-end" method="post" action="{move_url}" data-board-move>'
            f'{words["csrf"]}<input type="hidden" name="version" value="{int(deal.version)}">'
            f'<input type="hidden" name="next" value="{words["next"]}">'
            f'<h3 class="dropdown-header">{words["move_to"]}</h3>'
            f"{board_move_buttons(context, context.get('stages') or [], deal.stage_id)}</form></div>"
        )
    close_on = deal.expected_close_date
    if close_on:
        tone = "text-danger" if getattr(deal, "is_overdue", False) else "text-secondary"
        close = (
            f'<span class="ms-auto text-nowrap {tone}" title="{words["close_title"]}">'
            '<i class="bi bi-calendar-event" aria-hidden="true"></i> '
            f'<time datetime="{close_on.isoformat()}">{day(close_on, "SHORT_DATE_FORMAT")}</time></span>'
        )
    else:
        close = '<span class="ms-auto"></span>'
    owner = deal.owner
    owner_name = escape(str(owner))
    markers = (
        f'<div class="d-flex flex-wrap gap-1 mt-1">{deal_markers(deal)}</div>'
        if getattr(deal, "is_overdue", False) or getattr(deal, "is_stale", False)
        else ""
    )
    account = (
        f'<div class="small text-secondary text-truncate">{escape(deal.account.name)}</div>'
        if deal.account_id
        else ""
    )
    return mark_safe(  # noqa: S308 - every text of the deal, its account and owner is escaped
        f'<article class="board-card card card-sm" data-deal="{int(deal.pk)}" data-version="{int(deal.version)}" '
        f'data-move-url="{move_url}" data-name="{name}" aria-label="{name}"><div class="card-body p-2">'
        '<div class="d-flex align-items-start gap-1">'
        f'<a href="{url_of("deals:deal-detail", deal.pk)}" class="fw-medium text-reset board-card-title min-w-0">'
        f"{name}</a>{menu}</div>{account}"
        '<div class="d-flex align-items-center gap-2 mt-1 small">'
        f'<span class="fw-medium num">{escape(money(deal.amount, deal.currency))}</span>{close}'
        f'<span class="avatar avatar-xs" title="{owner_name}"><span class="visually-hidden">{words["owner"]}: '
        f'{owner_name}</span><span aria-hidden="true">{escape(owner.initials)}</span></span></div>'
        f"{markers}</div></article>"
    )


def _card_words(context: template.Context, request: Any) -> dict[str, Any]:
    """What every card of a request shares: its words, escaped, the CSRF field, the return path."""
    words: dict[str, Any] | None = getattr(request, "_board_card_words", None)
    if words is None:
        token = context.get("csrf_token")
        words = {
            "can_edit": bool(context.get("can_edit")),
            "move_name": _("Move %(name)s to…"),
            "move_to": escape(_("Move to…")),
            "close_title": escape(_("Expected close date")),
            "owner": escape(_("Owner")),
            "csrf": format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token and token != "NOTPROVIDED"
            else "",
            "next": escape(request.get_full_path()) if request is not None else "",
        }
        if request is not None:
            request._board_card_words = words
    return words
