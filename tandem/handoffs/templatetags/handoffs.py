from __future__ import annotations

from typing import Any

from django import template

from tandem.core.naming import localized

from ..models import MEMBER_ROLES

register = template.Library()


@register.filter
def role_label(code: str, roles: dict[str, str] | None = None) -> str:
    """A record-team role's name in the active language, from ``roles`` (the view's
    ``role_choices()`` as a dict, read once per page)."""
    if roles and code in roles:
        return roles[code]
    label: Any = MEMBER_ROLES.get(code, code)
    return str(label)


@register.filter
def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def item_label(item: dict[str, Any]) -> str:
    """A checklist item's label in the active language."""
    return localized(item.get("label", ""), item.get("labels") or {})
