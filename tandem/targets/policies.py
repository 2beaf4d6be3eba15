"""Who may see and set which targets (the ``target`` resource of the access policy).

- Seeing: a role's data scope for ``target`` — own (a rep: their own targets), team / subtree
  (the targets of the people in those teams and of the teams themselves), all (directors,
  administrators: every target, the company's too).
- Setting: the ``edit`` grant, for subjects *under* the actor: people in their teams (or
  subtree) but not themselves, teams strictly below their own; with scope ``all`` everyone, the
  company included. Nobody sets their own target, and a leader does not set their own team's:
  the level above does.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import Actor
from tandem.org.models import Membership, Team, User

from .models import SubjectKind


def target_scope_q(actor: Actor, scope: str) -> Q:
    own = Q(subject_kind=SubjectKind.PERSON, user_id=actor.id or 0)
    if scope == access.OWN:
        return own
    team_ids = sorted(actor.team_ids if scope == access.TEAM else actor.subtree_team_ids)
    members = Membership.objects.filter(user_id=OuterRef("user_id"), team_id__in=team_ids)
    return (
        own
        | Q(subject_kind=SubjectKind.TEAM, team_id__in=team_ids)
        | Q(Q(subject_kind=SubjectKind.PERSON) & Q(Exists(members)))
    )


def _team_ids(actor: Actor, action: str) -> frozenset[int] | None:
    """The teams whose targets the actor may ``action`` (None: all of them)."""
    scope = actor.scope_for("target", action)
    if scope is None or scope == access.OWN:
        return frozenset()
    if scope == access.ALL:
        return None
    return actor.team_ids if scope == access.TEAM else actor.subtree_team_ids


def can_view_team(actor: Actor, team: Team) -> bool:
    ids = _team_ids(actor, "view")
    return ids is None or team.pk in ids


def can_view_company(actor: Actor) -> bool:
    return actor.scope_for("target", "view") == access.ALL


def can_view_person(actor: Actor, user: User) -> bool:
    if actor.user is None:
        return False
    if user.pk == actor.id and actor.has("target", "view"):
        return True
    ids = _team_ids(actor, "view")
    if ids is None:
        return True
    return bool(ids) and Membership.objects.filter(user=user, team_id__in=sorted(ids)).exists()


def visible_person_ids(actor: Actor, user_ids: Iterable[int]) -> set[int]:
    """Of these people, those whose targets the actor may see: ``can_view_person`` for many
    people in at most one query."""
    wanted = set(user_ids)
    if actor.user is None or not wanted:
        return set()
    seen: set[int] = {actor.user.pk} & wanted if actor.has("target", "view") else set()
    ids = _team_ids(actor, "view")
    if ids is None:
        return wanted
    if not ids:
        return seen
    members = Membership.objects.filter(user_id__in=sorted(wanted - seen), team_id__in=sorted(ids))
    return seen | set(members.values_list("user_id", flat=True))


def can_set_team(actor: Actor, team: Team) -> bool:
    ids = _team_ids(actor, "edit")
    if ids is None:
        return True
    # Strictly below: a leader's own team's target is set from above.
    return team.pk in ids and team.pk not in actor.team_ids


def can_set_company(actor: Actor) -> bool:
    return actor.scope_for("target", "edit") == access.ALL


def can_set_person(actor: Actor, user: User, *, member_of: frozenset[int] | None = None) -> bool:
    """``member_of``: the person's team ids when the caller knows them (saves a query)."""
    if actor.user is None:
        return False
    ids = _team_ids(actor, "edit")
    if ids is None:
        return True
    if user.pk == actor.id or not ids:
        return False
    if member_of is None:
        member_of = frozenset(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    return bool(member_of & ids)


def can_set(actor: Actor, kind: str, subject: User | Team | None) -> bool:
    if kind == SubjectKind.COMPANY:
        return can_set_company(actor)
    if kind == SubjectKind.TEAM:
        assert isinstance(subject, Team)
        return can_set_team(actor, subject)
    assert isinstance(subject, User)
    return can_set_person(actor, subject)


def can_view(actor: Actor, kind: str, subject: User | Team | None) -> bool:
    if kind == SubjectKind.COMPANY:
        return can_view_company(actor)
    if kind == SubjectKind.TEAM:
        assert isinstance(subject, Team)
        return can_view_team(actor, subject)
    assert isinstance(subject, User)
    return can_view_person(actor, subject)
