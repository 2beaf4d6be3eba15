"""Who sees which meetings: the organizer, the attendees and the members of the meeting's team
always (a team meeting concerns the whole team); others by their role's scope on "meeting" over
the meeting's team (a manager sees the meetings of the teams below them).

Changing a meeting (minutes, decisions, action items, reschedule, mark held) is for its organizer
and for people whose role gives edit on meetings beyond their own (``may_manage``); anyone who
sees a planned meeting may add to its agenda.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import ALL, SUBTREE, TEAM, Actor


def meeting_scope(actor: Actor, scope: str) -> Q:
    if actor.id is None:
        return Q(pk__in=[])
    from .models import Meeting

    attending = Meeting.attendees.through.objects.filter(meeting_id=OuterRef("pk"), user_id=actor.id)
    team_ids = actor.subtree_team_ids if scope == SUBTREE else actor.team_ids
    q = Q(organizer_id=actor.id) | Q(Exists(attending))
    if team_ids:
        q |= Q(team_id__in=sorted(team_ids))
    return q


def may_manage(actor: Actor, meeting: Any) -> bool:
    """May the actor change the meeting itself (not only its agenda)?"""
    if actor.id is None:
        return False
    if meeting.organizer_id == actor.id:
        return access.can(actor, "view", "meeting", meeting)
    if actor.scope_for("meeting", "edit") not in (TEAM, SUBTREE, ALL):
        return False
    return access.can(actor, "edit", "meeting", meeting)


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource("meeting", _("meetings"), owner_field=None, team_field=None, scope_q=meeting_scope)
    )


def visible_series(actor: Actor) -> Any:
    """The series the actor sees: theirs, their teams', and the teams their scope on meetings reaches."""
    from .models import MeetingSeries

    scope = actor.scope_for("meeting", "view")
    if scope is None or actor.id is None:
        return MeetingSeries.objects.none()
    if scope == ALL:
        return MeetingSeries.objects.all()
    team_ids = actor.subtree_team_ids if scope == SUBTREE else actor.team_ids
    return MeetingSeries.objects.filter(Q(organizer_id=actor.id) | Q(team_id__in=sorted(team_ids)))
