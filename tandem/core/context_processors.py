from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import access, nav
from .links import address

# The phone's bottom bar (decision 0026): the four places a rep works in between visits, each
# shown when the sidebar offers it; every other area is one tap away under "Menu". The path
# prefix marks an item active on its area's pages (the board is "Deals", the pool "Customers").
BOTTOM_NAV: tuple[tuple[str, Any, str, str], ...] = (
    ("customers:account-list", pgettext_lazy("phone bar", "Customers"), "bi-building", "/customers/"),
    ("deals:deal-list", _("Deals"), "bi-briefcase", "/deals/"),
    ("activities:activity-list", _("Follow-ups"), "bi-chat-left-text", "/follow-ups/"),
)


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs on every page: the actor, the sidebar and the phone's bottom bar."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_sections": [], "bottom_nav": [], "LANGUAGES": settings.LANGUAGES}
    actor = access.get_actor(request)
    sections: list[dict[str, Any]] = []
    by_section: dict[str, dict[str, Any]] = {}
    urls: dict[str, str] = {}
    current = request.path
    for item in nav.items_for(actor):
        try:
            url = address(item.url_name)
        except NoReverseMatch:
            continue
        urls[item.url_name] = url
        key = str(item.section)
        if key not in by_section:
            by_section[key] = {"label": item.section, "items": []}
            sections.append(by_section[key])
        active = current == url or (url != "/" and current.startswith(url))
        by_section[key]["items"].append(
            {"label": item.label, "url": url, "icon": item.icon, "active": active}
        )
    bottom = [{"label": _("Home"), "url": address("core:home"), "icon": "bi-house", "active": current == "/"}]
    bottom += [
        {"label": label, "url": urls[name], "icon": icon, "active": current.startswith(prefix)}
        for name, label, icon, prefix in BOTTOM_NAV
        if name in urls
    ]
    return {"actor": actor, "nav_sections": sections, "bottom_nav": bottom, "LANGUAGES": settings.LANGUAGES}
