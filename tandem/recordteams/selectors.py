"""Reads of record teams. Callers have found the record visible (``access.get_visible_or_404``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from .models import DefaultTeamMember, MemberRole, RecordMember, active_q

if TYPE_CHECKING:
    from tandem.core.access import Actor

OWNER_ROLE = "owner"


def members_of(record: models.Model) -> models.QuerySet[RecordMember]:
    """The record's team, active and expired (``is_active`` tells), with role and person,
    by role order then name."""
    return (
        RecordMember.objects.of(record)
        .select_related("user", "role", "added_by")
        .order_by("role__order", "user__display_name", "id")
    )


def membership(user: Any, record: models.Model) -> RecordMember | None:
    """The person's active place on the record's team, or None."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    return (
        RecordMember.objects.of(record)
        .filter(user_id=user.pk)
        .filter(active_q())
        .select_related("role")
        .first()
    )


def member_of_user(record: models.Model, user_id: Any) -> RecordMember | None:
    """The record's member ``user_id`` (active or expired), or None."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return members_of(record).filter(user_id=pk).first()


def roles() -> models.QuerySet[MemberRole]:
    return MemberRole.objects.all()


def offered_first(roles: list[MemberRole]) -> str | None:
    """The role the add forms choose before the person does: the first one that is not "owner"
    (the record's owner is not one of its members; the role is there for handoffs)."""
    return next((role.code for role in roles if role.code != OWNER_ROLE), roles[0].code if roles else None)


def roles_for(actor: Actor) -> list[MemberRole]:
    """The member roles in their order, read once a request: a record page shows them in the
    record team card, its add form and the handoffs card."""
    rows: list[MemberRole] = actor.memo("recordteams.roles", lambda: list(roles()))
    return rows


def default_team_of(user: Any) -> models.QuerySet[DefaultTeamMember]:
    return (
        DefaultTeamMember.objects.filter(owner_id=user.pk)
        .select_related("user", "role")
        .order_by("role__order", "user__display_name", "id")
    )
