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


@register.inclusion_tag("handoffs/partials/_record_card.html", takes_context=True)
def handoff_card(context: dict[str, Any], record: Any, resource: str) -> dict[str, Any]:
    """A record page's handoffs card: "Hand off to …" for the templates offered now, and the
    record's handoff history (the page has found the record visible)."""
    from django.utils import timezone

    from tandem.core import access
    from tandem.recordteams.selectors import roles_for

    from ..selectors import record_handoffs
    from ..services import offered_templates

    request = context.get("request")
    actor = access.get_actor(request) if request is not None else access.Actor.anonymous()
    if not actor.has("handoff", "view"):
        return {"shown": False}
    return {
        "shown": True,
        "record": record,
        "resource": resource,
        "offered": offered_templates(actor, record, resource),
        "handoffs": record_handoffs(record, resource),
        "roles": {role.code: role.display_name for role in roles_for(actor)},
        "now": timezone.now(),
    }
