"""Reads of the organisation. Each starts from the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from tandem.core import access
from tandem.core.access import Actor

from .models import Membership, Position, Role, Team, User


def person_home_context(*, actor: Actor) -> dict[str, Any]:
    """The home page: the person's teams (with a few faces), position, manager and reports."""
    user = actor.user
    assert user is not None
    person = User.objects.select_related("position", "manager").get(pk=user.pk)
    memberships = list(
        Membership.objects.filter(user=user, team__deleted_at__isnull=True)
        .select_related("team", "team__leader")
        .order_by("-is_primary", "team__name")
    )
    team_ids = [m.team_id for m in memberships]
    faces: dict[int, list[User]] = {tid: [] for tid in team_ids}
    counts: dict[int, int] = dict.fromkeys(team_ids, 0)
    for m in (
        Membership.objects.filter(team_id__in=team_ids, user__is_active=True)
        .select_related("user")
        .order_by("team_id", "user__display_name")
    ):
        counts[m.team_id] += 1
        if len(faces[m.team_id]) < 6:
            faces[m.team_id].append(m.user)
    teams = [
        {
            "team": m.team,
            "is_primary": m.is_primary,
            "members": faces[m.team_id],
            "more": max(0, counts.get(m.team_id, 0) - len(faces[m.team_id])),
        }
        for m in memberships
    ]
    direct_reports = list(
        User.objects.filter(manager=user, is_active=True).select_related("position").order_by("display_name")
    )
    return {
        "person": person,
        "teams": teams,
        "roles": held_roles(actor),
        "direct_reports": direct_reports,
    }


def held_roles(actor: Actor) -> list[Role]:
    """The roles the person holds, by name; read once a request."""
    user = actor.user
    if user is None:
        return []
    return list(actor.memo("org.roles", lambda: list(user.roles.order_by("name"))))


def team_list(*, actor: Actor) -> QuerySet[Team]:
    return access.visible(actor, "team", Team.objects.select_related("leader", "parent")).annotate(
        head_count=Count("memberships", filter=Q(memberships__user__is_active=True))
    )


def person_list(
    *, actor: Actor, q: str = "", team: Team | None = None, include_inactive: bool = False
) -> QuerySet[User]:
    qs = access.visible(actor, "user", User.objects.select_related("position", "manager"))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(
            Q(display_name__icontains=q)
            | Q(username__icontains=q)
            | Q(email__icontains=q)
            | Q(phone__icontains=q)
        )
    if team is not None:
        qs = qs.filter(memberships__team=team)
    return qs.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("team").filter(team__deleted_at__isnull=True),
        )
    )


def position_list(*, actor: Actor) -> QuerySet[Position]:
    return access.visible(actor, "position", Position.objects.select_related("reports_to")).annotate(
        holder_count=Count("holders", filter=Q(holders__is_active=True))
    )


def role_list(*, actor: Actor) -> QuerySet[Role]:
    return access.visible(actor, "role", Role.objects.prefetch_related("grants"))
