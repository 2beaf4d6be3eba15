"""How the discussions app joins the rest: navigation, events and the feed, the home card."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.access import Actor


def _feed_url(item: Any) -> str:
    return f"{reverse('discussions:feed')}#feed-{item.pk}"


def home_card(actor: Actor, board: dict[str, Any]) -> dict[str, Any] | None:
    """Unread announcements (pinned first) and the latest of the team feed, on the home page."""
    from . import selectors

    if actor.user is None:
        return None
    unread, first = selectors.unread_announcements(actor=actor)
    page = selectors.feed_page(actor=actor, limit=5)
    return {"unread": unread, "announcements": first, "feed": page.entries}


def register() -> None:
    from tandem.core import events, nav, notify
    from tandem.insights import dashboards

    from . import feed, registry, selectors
    from .models import FeedItem

    events.register(feed.ANNOUNCEMENT, _("Announcement published"), resource="announcement")
    events.listen(feed.on_event)
    notify.register_topic("comment.reply", _("Replies where you commented"))
    registry.register("feeditem", FeedItem, _feed_url, visible=selectors.feed_item_visible)
    team = _("Team")
    nav.register(nav.NavItem(team, _("Team feed"), "discussions:feed", "bi-people", order=190))
    nav.register(
        nav.NavItem(
            team,
            _("Announcements"),
            "discussions:announcement-list",
            "bi-megaphone",
            order=191,
            resource="announcement",
        )
    )
    for role in (dashboards.REP, dashboards.MANAGER, dashboards.DIRECTOR):
        dashboards.register_card(
            role, dashboards.Card("discussions/partials/_home_card.html", home_card, 1, live=True)
        )
