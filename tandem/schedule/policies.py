"""Who sees which events: the organizer and invited people always; others by their role's scope
on "event" over the event's team (a manager sees the team's calendar)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import Actor


def event_scope(actor: Actor, scope: str) -> Q:
    if actor.id is None:
        return Q(pk__in=[])
    from .models import Attendee

    invited = Attendee.objects.filter(event_id=OuterRef("pk"), user_id=actor.id)
    q = Q(organizer_id=actor.id) | Q(Exists(invited))
    if scope in (access.TEAM, access.SUBTREE):
        team_ids = actor.team_ids if scope == access.TEAM else actor.subtree_team_ids
        q |= Q(team_id__in=sorted(team_ids))
    return q


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource("event", _("calendar events"), owner_field=None, team_field=None, scope_q=event_scope)
    )
