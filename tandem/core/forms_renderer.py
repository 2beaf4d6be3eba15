"""The form renderer (``FORM_RENDERER``): Django's own, with ``<select>`` and ``<input>`` written
in Python.

Django draws a select from ``django/forms/widgets/select.html`` with one template include per
option, and a list page has a handful of filter selects (stages, teams, pipelines, tags): a few
milliseconds a page in template look-ups alone. An input is three templates (``text.html``
includes ``input.html``, which includes ``attrs.html`` and loops over the attributes): a list's
eight filter inputs and the quick follow-up form on every page cost 3–4 ms more. ``render_select``
and ``render_input`` write the very same markup (``test_forms_renderer`` compares them with the
templates' for every kind of select and input), and any other widget, or a select whose options
use another template, is drawn by the templates as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# Django's widget templates that are exactly ``{% include "django/forms/widgets/input.html" %}``
# and a line break, which the renderer strips (Django 5.2; test_forms_renderer checks each).
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: `` name="value"``, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: dict[str, Any]) -> SafeString | None:
    """The markup of ``django/forms/widgets/select.html`` for a widget context, or None when an
    option is drawn by another template."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            out.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"  # the option template's last line break
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


def render_input(widget: dict[str, Any]) -> SafeString:
    """The markup of ``django/forms/widgets/input.html`` (and of the templates that are only it)."""
    value = widget.get("value")
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


class Renderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in INPUTS:
            return render_input(context["widget"])
        if template_name == SELECT:
            written = render_select(context["widget"])
            if written is not None:
                return written
        return super().render(template_name, context, request)
