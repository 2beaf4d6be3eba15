"""Reads on field visits, always through the access policy."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.org.models import Team

from .models import CheckIn

DAY_LIMIT = 500


def checkin_queryset(actor: Actor) -> QuerySet[CheckIn]:
    return access.visible(actor, "checkin", CheckIn.objects.all()).select_related(
        "user", "team", "account", "contact", "deal", "event", "activity"
    )


def day_bounds(day: datetime.date, zone: Any = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants a calendar day starts and ends in ``zone`` (the active zone by default)."""
    zone = zone or timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def checkin_list(
    actor: Actor,
    *,
    day: datetime.date | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
    team: Team | None = None,
    user_id: int | None = None,
) -> QuerySet[CheckIn]:
    """Visible check-ins, newest first; of one day (in ``zone``), one team's (and the teams below
    it) or one person's."""
    qs = checkin_queryset(actor)
    if day is not None:
        start, end = day_bounds(day, zone)
        qs = qs.filter(checked_in_at__gte=start, checked_in_at__lt=end)
    if team is not None:
        qs = qs.filter(team_id__in=team_ids_below(actor, team))
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs.order_by("-checked_in_at", "-id")


def team_ids_below(actor: Actor, team: Team) -> list[int]:
    """The team and every team below it (from the actor's loaded subtree when it holds it)."""
    known = actor.known_subtree(team.pk)
    if known is not None:
        return known
    return list(Team.objects.filter(path__startswith=team.path).values_list("pk", flat=True))


def open_checkin(actor: Actor) -> CheckIn | None:
    if actor.user is None:
        return None
    return (
        CheckIn.objects.filter(user_id=actor.id or 0, checked_out_at__isnull=True)
        .select_related("account", "contact", "deal", "event")
        .first()
    )
