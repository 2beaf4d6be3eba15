"""``{% record_team_card record "deal" %}``: the Record team card on a record's page."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.core import access

register = template.Library()


@register.inclusion_tag("recordteams/partials/_team_card.html", takes_context=True)
def record_team_card(context: Any, record: Any, kind: str) -> dict[str, Any]:
    from ..views import card_context

    request = context["request"]
    actor = access.get_actor(request)
    return {"request": request, "csrf_token": context.get("csrf_token"), **card_context(actor, record, kind)}


@register.inclusion_tag("recordteams/partials/_default_team_link.html")
def default_team_link() -> dict[str, Any]:
    """A link to the person's default team, for their settings page."""
    return {}
