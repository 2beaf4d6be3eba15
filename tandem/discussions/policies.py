"""Announcements in the access policy (resource ``announcement``, registered in ``apps.py``).

Seeing one: addressed to the whole company, or to one of the reader's teams or a team above them
(an announcement to a region reaches its sales teams), or written by them; a manager (scope
subtree) also sees those addressed to the teams below theirs. Writing one: the ``create`` grant's
scope says to whom — ``all`` the whole company or any team (directors, administrators),
``subtree`` the manager's teams and those below, ``team`` their own teams.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from tandem.core.access import ALL, SUBTREE, TEAM, Actor


def announcement_scope_q(actor: Actor, scope: str) -> Q:
    from .models import AnnouncementTeam

    team_ids = set(actor.lineage_team_ids)
    if scope == SUBTREE:
        team_ids |= actor.subtree_team_ids
    addressed = AnnouncementTeam.objects.filter(announcement=OuterRef("pk"), team_id__in=sorted(team_ids))
    return Q(everyone=True) | Q(author_id=actor.id) | Q(Exists(addressed))


def may_address(actor: Actor, *, everyone: bool, team_ids: Iterable[int]) -> bool:
    """May the actor publish an announcement to these teams (or to everyone)?"""
    scope = actor.scope_for("announcement", "create")
    if scope == ALL:
        return True
    if scope is None or everyone:
        return False
    reach = actor.subtree_team_ids if scope == SUBTREE else actor.team_ids if scope == TEAM else frozenset()
    wanted = set(team_ids)
    return bool(wanted) and wanted <= reach
