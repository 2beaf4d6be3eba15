"""Template helpers of follow-ups, for the quick follow-up form other apps' pages include."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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


# The top bar's quick follow-up form (base.html, ``variant="modal"``, no record) is the same on
# every page of every person but for two values: the CSRF token and the page to return to. It is
# rendered once a process, language and URL prefix with a marker in their place, then filled in
# per request: about 2 ms of every page's template work (issue 12).
_CSRF_MARK = "tandemquickcsrfmark"
_NEXT_MARK = "tandemquicknextmark"
_MODAL_FORMS: dict[tuple[str | None, str], str] = {}
MODAL_FORM_CONTEXT: dict[str, Any] = {
    "variant": "modal",
    "form_id": "quick-followup-modal-form",
    "timeline_target": "#quick-followup-result",
    "account": None,
    "contact": None,
    "lead": None,
    "deal": None,
    "quick_form": None,
}


@register.simple_tag(takes_context=True)
def quick_followup_modal_form(context: template.Context) -> SafeString:
    """The quick follow-up form of the top bar's dialog, as
    ``{% include "activities/partials/_quick_followup.html" with variant="modal" … %}`` writes it."""
    request = context.get("request")
    key = (get_language(), get_script_prefix())
    if key not in _MODAL_FORMS or settings.DEBUG:
        marked = SimpleNamespace(get_full_path=lambda: _NEXT_MARK)
        _MODAL_FORMS[key] = render_to_string(
            "activities/partials/_quick_followup.html",
            {**MODAL_FORM_CONTEXT, "csrf_token": _CSRF_MARK, "request": marked},
        )
    token = str(context.get("csrf_token") or "")
    path = request.get_full_path() if request is not None else ""
    written = _MODAL_FORMS[key]
    if token and token != "NOTPROVIDED":
        written = written.replace(_CSRF_MARK, escape(token))
    else:  # as {% csrf_token %} writes it without a token: nothing
        written = written.replace(
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{_CSRF_MARK}">', ""
        )
    # The path last: whatever it holds is written as it is, never taken for a marker.
    written = written.replace(_NEXT_MARK, escape(path))
    return mark_safe(written)  # noqa: S308 - the template's output; the two values escaped
