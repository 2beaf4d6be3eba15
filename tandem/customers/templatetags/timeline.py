"""The account page's timeline entries, written in Python.

Twenty entries through ``_timeline_items.html`` cost the page about as much as any of its cards
(dates formatted through the ``date`` filter twice an entry, issue 12). ``timeline_entries``
writes the same markup; ``tests/test_timeline_tag.py`` compares it with the template it replaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.template.defaultfilters import capfirst, linebreaksbr, truncatechars
from django.utils.html import conditional_escape as e
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tandem.core.cells import local_time, moment, once_a_language

register = template.Library()


@once_a_language
def _words() -> dict[str, str]:
    """The words every entry repeats, translated and escaped once a language."""
    return {
        "follow_up": str(e(_("Follow-up"))),
        "stage_change": str(e(_("Deal stage"))),
        "change": str(e(_("Change"))),
        "system": str(e(_("System"))),
        "changed_to": str(e(_("changed to"))),
    }


def _icon(kind: str, words: Mapping[str, str]) -> str:
    if kind == "follow_up":
        colour, icon, word = "bg-blue-lt", "bi-chat-left-text", words["follow_up"]
    elif kind == "stage_change":
        colour, icon, word = "bg-green-lt", "bi-flag", words["stage_change"]
    else:
        colour, icon, word = "bg-secondary-lt", "bi-pencil-square", words["change"]
    return (
        f'<span class="avatar avatar-sm {colour} flex-shrink-0"><i class="bi {icon}" aria-hidden="true"></i>'
        f'<span class="visually-hidden">{word}</span></span>'
    )


def _changes(rows: Iterable[Mapping[str, Any]], words: Mapping[str, str]) -> str:
    parts = []
    for row in rows:
        old = row["old"]
        was = (
            f'<del>{e(truncatechars(old, 120))}</del> <i class="bi bi-arrow-right" '
            f'aria-label="{words["changed_to"]}"></i> '
            if old != "—"
            else ""
        )
        parts.append(
            # A space between the inline label and value, as the template's line break was.
            f'<div><dt class="d-inline fw-normal text-secondary">{e(capfirst(row["field"]))}:</dt> '
            f'<dd class="d-inline ms-1">{was}<ins>{e(truncatechars(row["new"], 120))}</ins></dd></div>'
        )
    return f'<dl class="history-changes mb-0 mt-1">{"".join(parts)}</dl>'


def _entry(item: Mapping[str, Any], words: Mapping[str, str]) -> str:
    at = local_time(item["at"])
    when = (
        f'<time datetime="{e(at.isoformat()) if at else ""}">'
        f"{moment(at, 'SHORT_DATETIME_FORMAT') if at else ''}</time>"
    )
    text = item.get("text")
    body = f'<div class="text-break">{linebreaksbr(text, autoescape=True)}</div>' if text else ""
    rows = item.get("rows")
    actor = item.get("actor_name")
    return (
        '<li class="timeline-item d-flex gap-2 py-2 border-bottom">'
        f"{_icon(item['kind'], words)}"
        '<div class="flex-fill min-w-0"><div class="d-flex flex-wrap gap-2 align-items-baseline">'
        f"<strong>{e(item['title'])}</strong>"
        f'<span class="text-secondary small">{e(actor) if actor else words["system"]} · {when}</span></div>'
        f"{body}"
        f"{_changes(rows, words) if rows else ''}"
        "</div></li>"
    )


@register.simple_tag
def timeline_entries(timeline: Iterable[Mapping[str, Any]]) -> SafeString:
    """The timeline's ``<li>`` entries (follow-ups, deal stages, changes), newest first."""
    words = _words()
    return mark_safe("".join(_entry(item, words) for item in timeline))  # noqa: S308 - all escaped
