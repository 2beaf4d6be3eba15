"""Template helpers of follow-ups, for the quick follow-up form other apps' pages include."""

from __future__ import annotations

from django import template

from tandem.activities.models import ActivityKind

register = template.Library()

KIND_ICONS = {
    ActivityKind.CALL: "bi-telephone",
    ActivityKind.VISIT: "bi-geo-alt",
    ActivityKind.EMAIL: "bi-envelope",
    ActivityKind.MEETING: "bi-people",
    ActivityKind.MESSAGE: "bi-chat-dots",
    ActivityKind.NOTE: "bi-journal-text",
}


@register.simple_tag
def followup_kinds() -> list[tuple[str, str]]:
    """The kinds of follow-up as (value, label), in the person's language."""
    return [(str(value), str(label)) for value, label in ActivityKind.choices]


@register.filter
def kind_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, "bi-chat-left-text")  # type: ignore[call-overload]
