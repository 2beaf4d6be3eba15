from __future__ import annotations

from typing import Any

from django import template

from ..models import MEMBER_ROLES

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    """A record-team role's name in the active language."""
    label: Any = MEMBER_ROLES.get(code, code)
    return str(label)


@register.filter
def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def item_label(item: dict[str, Any]) -> str:
    """A checklist item's label in the active language."""
    from tandem.core.naming import localized

    return localized(item.get("label", ""), item.get("labels") or {})
