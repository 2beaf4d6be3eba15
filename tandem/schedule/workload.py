"""Workload (负荷): per person per week, visits, meetings and open tasks due against capacity.

``load_for(users, week_start)`` is the one computation (the page, the API and the pipeline's
assignment rules read it): a fixed number of queries for any number of people. Hours come from
event durations (all-day events count a working day, 8 h, per day) and task estimates; a person
is overloaded when their hours exceed their weekly hours or their visits exceed their weekly
visits (``WorkCapacity``, else settings ``TANDEM_WORK_HOURS_PER_WEEK`` / ``TANDEM_VISITS_PER_WEEK``).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from tandem.core import access, dates
from tandem.core.access import Actor

from .models import Attendee, Event, EventKind, EventStatus, Response, WorkCapacity

ALL_DAY_HOURS = 8.0


def default_hours() -> int:
    return int(getattr(settings, "TANDEM_WORK_HOURS_PER_WEEK", 40))


def default_visits() -> int:
    return int(getattr(settings, "TANDEM_VISITS_PER_WEEK", 10))


@dataclass
class Load:
    user_id: int
    visits: int = 0
    visit_hours: float = 0.0
    meetings: int = 0
    meeting_hours: float = 0.0
    other_events: int = 0
    other_hours: float = 0.0
    tasks: int = 0
    task_hours: float = 0.0
    capacity_hours: int = 40
    capacity_visits: int = 10
    days: dict[str, float] = field(default_factory=dict)

    @property
    def total_hours(self) -> float:
        return round(self.visit_hours + self.meeting_hours + self.other_hours + self.task_hours, 1)

    @property
    def overloaded(self) -> bool:
        return self.total_hours > self.capacity_hours or self.visits > self.capacity_visits

    @property
    def percent(self) -> int:
        if self.capacity_hours <= 0:
            return 100 if self.total_hours else 0
        return round(100 * self.total_hours / self.capacity_hours)


def parse_week(value: str | None, time_zone: str = "UTC") -> datetime.date:
    """A week's Monday from ``2026-W49`` or any date in it (today's week when empty)."""
    from django.utils import timezone

    text = (value or "").strip()
    if not text:
        try:
            tz = zoneinfo.ZoneInfo(time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        day = timezone.now().astimezone(tz).date()
    else:
        try:
            if "W" in text.upper():
                year, week = text.upper().split("-W")
                day = datetime.date.fromisocalendar(int(year), int(week), 1)
            else:
                day = datetime.date.fromisoformat(text)
        except (ValueError, TypeError):
            raise ValidationError({"week": [_("Give a week as 2026-W49 or a date.")]}) from None
        if not dates.date_in_range(day):  # the week after 9999-12-31 does not exist
            raise ValidationError({"week": [_("Give a week as 2026-W49 or a date.")]})
    return day - datetime.timedelta(days=day.weekday())


def week_bounds(week_start: datetime.date, time_zone: str) -> tuple[datetime.datetime, datetime.datetime]:
    tz = zoneinfo.ZoneInfo(time_zone)
    start = datetime.datetime.combine(week_start, datetime.time(0), tzinfo=tz)
    end = datetime.datetime.combine(week_start + datetime.timedelta(days=7), datetime.time(0), tzinfo=tz)
    return start, end


def _hours(start: datetime.datetime, end: datetime.datetime, all_day: bool) -> float:
    if all_day:
        return ALL_DAY_HOURS * max(1, round((end - start).total_seconds() / 86400))
    return max(0.0, (end - start).total_seconds() / 3600)


def load_for(
    users: Iterable[Any], week_start: datetime.date, *, time_zone: str | None = None
) -> dict[int, Load]:
    """Each person's load in the week starting ``week_start`` (a Monday), in ``time_zone`` (each
    person's own zone when None). Not scoped: callers decide whose figures a person may see."""
    from tandem.org.models import User
    from tandem.tasks.models import OPEN_STATUSES, Task

    from . import recurrence

    people = list(users)
    ids = [getattr(u, "pk", u) for u in people]
    if not ids:
        return {}
    zones: dict[int, str] = {}
    for person in people:
        if isinstance(person, User):
            zones[person.pk] = person.time_zone or "UTC"
    missing = [i for i in ids if i not in zones]
    if missing:
        zones.update(dict(User.objects.filter(pk__in=missing).values_list("pk", "time_zone")))
    caps = {c.user_id: c for c in WorkCapacity.objects.filter(user_id__in=ids)}
    loads: dict[int, Load] = {}
    for pk in ids:
        cap = caps.get(pk)
        loads[pk] = Load(
            user_id=pk,
            capacity_hours=cap.hours_per_week if cap else default_hours(),
            capacity_visits=cap.visits_per_week if cap else default_visits(),
        )
    # The widest window over everyone's zones; each occurrence is then kept per person's own week.
    bounds = {pk: week_bounds(week_start, time_zone or zones.get(pk) or "UTC") for pk in ids}
    lo = min(b[0] for b in bounds.values())
    hi = max(b[1] for b in bounds.values())
    invited = Attendee.objects.filter(user_id__in=ids).exclude(response=Response.DECLINED)
    q = Q(organizer_id__in=ids) | Q(pk__in=invited.values("event_id"))
    base = Event.objects.exclude(status=EventStatus.CANCELLED).filter(q)
    singles = list(base.filter(series__isnull=True, recurrence="", starts_at__lt=hi, ends_at__gt=lo))
    series = list(
        base.filter(series__isnull=True, starts_at__lt=hi)
        .exclude(recurrence="")
        .filter(Q(recurrence_ends_at__isnull=True) | Q(recurrence_ends_at__gt=lo))
    )
    occurrences: list[tuple[Event, datetime.datetime]] = [(e, e.starts_at) for e in singles]
    if series:
        exceptions = list(
            Event.objects.filter(series__in=[s.pk for s in series], original_start__isnull=False).filter(
                Q(
                    original_start__gte=lo - datetime.timedelta(days=32),
                    original_start__lt=hi + datetime.timedelta(days=32),
                )
                | Q(starts_at__lt=hi, ends_at__gt=lo)
            )
        )
        moved: dict[int, set[datetime.datetime]] = {}
        for exc in exceptions:
            assert exc.original_start is not None
            moved.setdefault(exc.series_id or 0, set()).add(exc.original_start)
            if exc.status != EventStatus.CANCELLED and exc.starts_at < hi and exc.ends_at > lo:
                occurrences.append((exc, exc.starts_at))
        for event in series:
            for when in recurrence.occurrences(
                event.recurrence, event.starts_at, event.ends_at, event.time_zone, lo, hi
            ):
                if when not in moved.get(event.pk, set()):
                    occurrences.append((event, when))
    event_ids = {e.series_id or e.pk for e, _w in occurrences} | {e.pk for e, _w in occurrences}
    attending: dict[int, set[int]] = {}
    declined: dict[int, set[int]] = {}
    for event_id, user_id, response in Attendee.objects.filter(
        event_id__in=sorted(event_ids), user_id__in=ids
    ).values_list("event_id", "user_id", "response"):
        target = declined if response == Response.DECLINED else attending
        target.setdefault(event_id, set()).add(user_id)
    for event, when in occurrences:
        who = ({event.organizer_id} | attending.get(event.pk, set())) - declined.get(event.pk, set())
        end = when + (event.ends_at - event.starts_at)
        hours = _hours(when, end, event.all_day)
        for pk in who:
            if pk not in loads:
                continue
            start_b, end_b = bounds[pk]
            if not (when < end_b and end > start_b):
                continue
            load = loads[pk]
            if event.kind == EventKind.VISIT:
                load.visits += 1
                load.visit_hours += hours
            elif event.kind == EventKind.MEETING:
                load.meetings += 1
                load.meeting_hours += hours
            else:
                load.other_events += 1
                load.other_hours += hours
    tasks = Task.objects.filter(
        assignee_id__in=ids, status__in=OPEN_STATUSES, due_at__gte=lo, due_at__lt=hi
    ).values_list("assignee_id", "due_at", "estimate_minutes")
    for assignee_id, due_at, minutes in tasks:
        start_b, end_b = bounds[assignee_id]
        if start_b <= due_at < end_b:
            load = loads[assignee_id]
            load.tasks += 1
            load.task_hours += (minutes or 0) / 60
    for load in loads.values():
        for name in ("visit_hours", "meeting_hours", "other_hours", "task_hours"):
            setattr(load, name, round(getattr(load, name), 1))
    return loads


def overloaded_ids(users: Iterable[Any], day: datetime.date | None = None) -> set[int]:
    """The people overloaded this week (for assignment rules that skip them)."""
    week = parse_week(day.isoformat() if day else None)
    return {pk for pk, load in load_for(users, week).items() if load.overloaded}


def people_for(actor: Actor, team: Any) -> list[Any]:
    """Whose rows the actor sees: a team's active members when the actor's event scope reaches the
    team, else only the actor (a rep sees their own row)."""
    from tandem.org.models import User

    if actor.user is None:
        return []
    scope = actor.scope_for("event", "view")
    if team is not None and (
        scope == access.ALL
        or (scope == access.SUBTREE and team.pk in actor.subtree_team_ids)
        or (scope == access.TEAM and team.pk in actor.team_ids)
    ):
        return list(
            User.objects.filter(memberships__team=team, is_active=True)
            .distinct()
            .order_by("display_name", "id")
        )
    return [actor.user]


def teams_for(actor: Actor) -> list[Any]:
    """The teams whose workload the actor may see."""
    from tandem.org.models import Team

    scope = actor.scope_for("event", "view")
    qs = Team.objects.filter(deleted_at__isnull=True)
    if scope == access.ALL:
        return list(qs.order_by("path"))
    if scope == access.SUBTREE:
        return list(qs.filter(pk__in=sorted(actor.subtree_team_ids)).order_by("path"))
    if scope == access.TEAM:
        return list(qs.filter(pk__in=sorted(actor.team_ids)).order_by("path"))
    return []
