"""The top bar's live bits: the unread notification count (one indexed COUNT, once per request)."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from tandem.core import access
from tandem.core.notify import UNREAD_MEMO_KEY, unread_count

register = template.Library()

BADGE_CAP = 99


@register.simple_tag
def unread_notifications(request: HttpRequest | None) -> int:
    """Unread notifications of the signed-in person, computed once per request and cached on it."""
    if request is None:
        return 0
    cached: Any = getattr(request, "_tandem_unread", None)
    if cached is None:
        user = getattr(request, "user", None)
        if (
            user is not None
            and getattr(user, "is_authenticated", False)
            and request.method in ("GET", "HEAD")
        ):
            # Read with the person's roles when the request began (``actor_facts``): nothing a
            # GET does marks notifications read. After a POST, count afresh.
            cached = access.get_actor(request).memo(UNREAD_MEMO_KEY, lambda: unread_count(user))
        else:
            cached = unread_count(user)
        request._tandem_unread = cached  # type: ignore[attr-defined]
    return int(cached)


@register.simple_tag(takes_context=True)
def quick_add_items(context: Any) -> list[dict[str, str]]:
    """The "+" menu: create forms the person may use (a page not mounted yet is left out)."""
    from django.urls import NoReverseMatch
    from django.utils.translation import gettext as _

    from tandem.core.links import address

    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return []
    actor = access.get_actor(request)
    items = []
    for label, url_name, icon, resource, key in (
        (_("Account"), "customers:account-create", "bi-building-add", "account", "a"),
        (_("Deal"), "deals:deal-create", "bi-briefcase", "deal", "d"),
        (_("Lead"), "leads:lead-create", "bi-funnel", "lead", "l"),
    ):
        if not actor.has(resource, "create"):
            continue
        try:
            url = address(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "icon": icon, "key": key})
    return items


@register.simple_tag(takes_context=True)
def can_log_follow_up(context: Any) -> bool:
    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return False
    return access.get_actor(request).has("activity", "create")
