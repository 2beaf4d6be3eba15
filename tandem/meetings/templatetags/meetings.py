"""Template filters of the meeting pages: minutes as escaped "markdown-lite"."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def minutes_html(text: str) -> SafeString:
    """Plain text made readable, and never markup: every character is escaped; blank lines
    separate paragraphs, lines starting with "- " or "* " become a bulleted list, other line
    breaks stay."""
    blocks: list[str] = []
    for block in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{escape(line.lstrip()[2:].strip())}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - built from escaped text only


@register.filter
def record_name(names: dict[tuple[str, int], str], item: object) -> str:
    key = (getattr(item, "record_type", ""), getattr(item, "record_id", None))
    return names.get(key, "")  # type: ignore[arg-type]
