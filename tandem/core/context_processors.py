from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from . import access, nav


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs on every page: the actor and the sidebar they may use."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_sections": [], "LANGUAGES": settings.LANGUAGES}
    actor = access.get_actor(request)
    sections: list[dict[str, Any]] = []
    by_section: dict[str, dict[str, Any]] = {}
    current = request.path
    for item in nav.items_for(actor):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        key = str(item.section)
        if key not in by_section:
            by_section[key] = {"label": item.section, "items": []}
            sections.append(by_section[key])
        active = current == url or (url != "/" and current.startswith(url))
        by_section[key]["items"].append(
            {"label": item.label, "url": url, "icon": item.icon, "active": active}
        )
    return {"actor": actor, "nav_sections": sections, "LANGUAGES": settings.LANGUAGES}
