"""The team feed (团队动态): which events it shows and how each reads.

``on_event`` (listening to ``core.events``) writes one ``FeedItem`` per team an event concerns —
the record's owning team, or an announcement's teams (the top teams for one to everyone) —
inside the emitting service's transaction. Events of other types are ignored; types emitted by
apps not merged yet simply never arrive.

Reading (``selectors.feed_page``) shows the items of the reader's teams, the teams below them
and the teams above them, and then keeps only those whose record the reader may see now — a
stored team alone would show a rep the deals of teammates they cannot open.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from tandem.core import events
from tandem.org.models import Team

from .models import FeedItem

ANNOUNCEMENT = "announcement.published"

# Event type -> how an item of it reads: params are ``actor`` and ``name`` (the record's name then).
SUMMARIES: dict[str, Any] = {
    "deal.won": _("%(actor)s won the deal “%(name)s”"),
    "account.created": _("%(actor)s added the account “%(name)s”"),
    "handoff.accepted": _("%(actor)s accepted the handoff of “%(name)s”"),
    ANNOUNCEMENT: _("%(actor)s announced “%(name)s”"),
}
ICONS = {
    "deal.won": "bi-trophy",
    "account.created": "bi-building-add",
    "handoff.accepted": "bi-arrow-left-right",
    ANNOUNCEMENT: "bi-megaphone",
}


def register(code: str, summary: Any, icon: str = "bi-lightning") -> None:
    """Show events of ``code`` in the feed, reading as ``summary`` (``%(actor)s``, ``%(name)s``)."""
    SUMMARIES[code] = summary
    ICONS[code] = icon


def summary(item: FeedItem) -> str:
    """The item in the active language."""
    template = SUMMARIES.get(item.type)
    params = {"actor": item.params.get("actor", ""), "name": item.params.get("name", "")}
    if template is None:
        event_type = events.TYPES.get(item.type)
        return f"{event_type.label if event_type else item.type}: {params['name']}"
    return str(template) % params


def _teams_of(event: events.Event) -> list[int]:
    if event.type == ANNOUNCEMENT:
        if event.data.get("everyone"):
            return list(Team.objects.filter(parent__isnull=True).values_list("pk", flat=True))
        return [int(pk) for pk in event.data.get("teams", [])]
    team_id = getattr(event.record, "team_id", None)
    return [team_id] if team_id else []


def on_event(event: events.Event) -> None:
    if event.type not in SUMMARIES or event.record is None or event.record.pk is None:
        return
    event_type = events.TYPES.get(event.type)
    resource = event_type.resource if event_type and event_type.resource else ""
    if not resource:
        return  # an item whose record nobody can check could not be shown safely
    content_type = ContentType.objects.get_for_model(event.record)
    params = {"name": str(event.record)[:200], "actor": str(event.actor) if event.actor is not None else ""}
    FeedItem.objects.bulk_create(
        [
            FeedItem(
                team_id=team_id,
                type=event.type,
                content_type=content_type,
                object_id=event.record.pk,
                resource=resource,
                actor=event.actor if getattr(event.actor, "pk", None) else None,
                params=params,
                created_at=event.at,
            )
            for team_id in _teams_of(event)
        ]
    )
