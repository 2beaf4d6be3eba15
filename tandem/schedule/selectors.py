"""Reads of the calendar: every visible event occurrence in a range (series expanded, exceptions
applied) plus the open tasks due in it, for the calendar pages, the team view, the API, the
workload figures and the feed.

A range read is a fixed number of indexed queries however many events it finds: single events
overlapping the range (``event_range``), series still running (``event_series``), the
exceptions of those series, their attendees (one prefetch), and tasks due in the range.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tandem.core import access
from tandem.core.access import Actor

from . import recurrence
from .models import Attendee, Event, EventStatus, Response

MAX_EVENTS = 2000
MAX_TASKS = 1000
MAX_RANGE = datetime.timedelta(days=400)


@dataclass
class Item:
    """One thing on a calendar: an occurrence of an event, or an open task due then."""

    key: str
    title: str
    start: datetime.datetime
    end: datetime.datetime
    all_day: bool
    url: str
    kind: str  # an EventKind, or "task"
    status: str = EventStatus.CONFIRMED
    place: str = ""
    event: Event | None = None
    occurrence: datetime.datetime | None = None  # the original start of a series' occurrence
    task: Any = None
    person_ids: set[int] = field(default_factory=set)
    declined_ids: set[int] = field(default_factory=set)

    @property
    def is_task(self) -> bool:
        return self.task is not None

    @property
    def hours(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds() / 3600)


def event_queryset(actor: Actor) -> QuerySet[Event]:
    return access.visible(actor, "event", Event.objects.select_related("organizer", "team"))


def _with_attendees(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.prefetch_related(
        Prefetch("attendees", queryset=Attendee.objects.select_related("user", "contact").order_by("id"))
    )


def _people_q(people: Sequence[int]) -> Q:
    invited = Attendee.objects.filter(event_id=OuterRef("pk"), user_id__in=list(people))
    return Q(organizer_id__in=list(people)) | Q(Exists(invited))


def _people(event: Event) -> tuple[set[int], set[int]]:
    going = {event.organizer_id}
    declined: set[int] = set()
    for attendee in event.attendees.all():
        if attendee.user_id is None:
            continue
        if attendee.response == Response.DECLINED:
            declined.add(attendee.user_id)
        else:
            going.add(attendee.user_id)
    return going - declined, declined


def _item(event: Event, start: datetime.datetime, occurrence: datetime.datetime | None) -> Item:
    going, declined = _people(event)
    url = event.get_absolute_url()
    if occurrence is not None:
        url += f"?occurrence={occurrence.isoformat()}"
    series_key = event.series_id or event.pk
    return Item(
        key=f"e{series_key}-{(occurrence or event.original_start or event.starts_at).isoformat()}",
        title=event.title,
        start=start,
        end=start + (event.ends_at - event.starts_at),
        all_day=event.all_day,
        url=url,
        kind=event.kind,
        status=event.status,
        place=event.place,
        event=event,
        occurrence=occurrence or event.original_start,
        person_ids=going,
        declined_ids=declined,
    )


def occurrences(
    actor: Actor,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    people: Iterable[int] | None = None,
    team: Any = None,
    kinds: Iterable[str] | None = None,
    include_tasks: bool = True,
    include_cancelled: bool = True,
) -> list[Item]:
    """Every visible occurrence overlapping ``[start, end)``, and the open tasks due in it.

    ``people`` keeps what those people organise, attend or are assigned; ``team`` the events of
    that team and of its members; ``kinds`` the kinds of event (and "task" for tasks).
    """
    if end <= start:
        return []
    end = min(end, start + MAX_RANGE)
    kinds = [k for k in (kinds or []) if k]
    people_ids = sorted(set(people)) if people is not None else None
    if team is not None:
        from tandem.org.models import Membership

        members = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
        people_ids = sorted(members & set(people_ids)) if people_ids is not None else sorted(members)
    base = event_queryset(actor)
    if not include_cancelled:
        base = base.exclude(status=EventStatus.CANCELLED)
    event_kinds = [k for k in kinds if k != "task"]
    if kinds:
        base = base.filter(kind__in=event_kinds) if event_kinds else base.none()
    if people_ids is not None:
        q = _people_q(people_ids)
        if team is not None:
            q |= Q(team=team)
        base = base.filter(q)
    items = expand(base, start, end, event_kinds=event_kinds, include_cancelled=include_cancelled)
    if include_tasks and (not kinds or "task" in kinds):
        items.extend(task_items(actor, start, end, people_ids))
    items.sort(key=lambda i: (i.start, i.title, i.key))
    return items


def expand(
    base: QuerySet[Event],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    event_kinds: Sequence[str] = (),
    include_cancelled: bool = True,
) -> list[Item]:
    """The occurrences of ``base``'s events overlapping ``[start, end)``: single events, series
    expanded in their zone minus their exceptions, and the exceptions themselves."""
    singles = _with_attendees(
        base.filter(series__isnull=True, recurrence="", starts_at__lt=end, ends_at__gt=start)
    )[:MAX_EVENTS]
    series = list(
        _with_attendees(
            base.filter(series__isnull=True, starts_at__lt=end)
            .exclude(recurrence="")
            .filter(Q(recurrence_ends_at__isnull=True) | Q(recurrence_ends_at__gt=start))
        )[:MAX_EVENTS]
    )
    items: list[Item] = [_item(e, e.starts_at, None) for e in singles]
    if series:
        margin = datetime.timedelta(days=32)
        exceptions = list(
            _with_attendees(
                Event.objects.select_related("organizer", "team").filter(
                    Q(series__in=[s.pk for s in series]),
                    Q(original_start__gte=start - margin, original_start__lt=end + margin)
                    | Q(starts_at__lt=end, ends_at__gt=start),
                )
            )
        )
        moved: dict[int, set[datetime.datetime]] = {}
        for exc in exceptions:
            assert exc.original_start is not None
            moved.setdefault(exc.series_id or 0, set()).add(exc.original_start)
            if exc.starts_at < end and exc.ends_at > start:
                if (not include_cancelled and exc.status == EventStatus.CANCELLED) or (
                    event_kinds and exc.kind not in event_kinds
                ):
                    continue
                items.append(_item(exc, exc.starts_at, None))
        for event in series:
            skip = moved.get(event.pk, set())
            for when in recurrence.occurrences(
                event.recurrence, event.starts_at, event.ends_at, event.time_zone, start, end
            ):
                if when not in skip:
                    items.append(_item(event, when, when))
    return items


def task_items(
    actor: Actor, start: datetime.datetime, end: datetime.datetime, people: Sequence[int] | None = None
) -> list[Item]:
    """Open tasks due in the range, as calendar items linking to the task's page."""
    from tandem.tasks.models import OPEN_STATUSES, Task

    qs = Task.objects.filter(status__in=OPEN_STATUSES, due_at__gte=start, due_at__lt=end)
    if people is not None:
        qs = qs.filter(assignee_id__in=list(people))
    tasks = access.visible(actor, "task", qs).order_by("due_at", "id")[:MAX_TASKS]
    items = []
    for task in tasks:
        due = task.due_at
        assert due is not None
        items.append(
            Item(
                key=f"t{task.pk}",
                title=task.title,
                start=due if not task.all_day else due - datetime.timedelta(seconds=1),
                end=due,
                all_day=task.all_day,
                url=f"/tasks/{task.pk}/",
                kind="task",
                status=task.status,
                task=task,
                person_ids={task.assignee_id},
            )
        )
    return items


def event_for(actor: Actor, pk: int) -> Event:
    return access.get_visible_or_404(actor, "event", _with_attendees(event_queryset(actor)), pk=pk)


def upcoming_for_record(actor: Actor, record_type: str, record_id: int, *, limit: int = 5) -> list[Item]:
    """The next occurrences of the visible events linked to one record (the record's card)."""
    from django.utils import timezone

    now = timezone.now()
    qs = event_queryset(actor).filter(record_type=record_type, record_id=record_id)
    singles = list(
        _with_attendees(
            qs.filter(series__isnull=True, recurrence="", ends_at__gt=now)
            .exclude(status=EventStatus.CANCELLED)
            .order_by("starts_at")
        )[:limit]
    )
    items = [_item(e, e.starts_at, None) for e in singles]
    for event in _with_attendees(
        qs.filter(series__isnull=True)
        .exclude(recurrence="")
        .exclude(status=EventStatus.CANCELLED)
        .filter(Q(recurrence_ends_at__isnull=True) | Q(recurrence_ends_at__gt=now))
    )[:limit]:
        for when in recurrence.occurrences(
            event.recurrence,
            event.starts_at,
            event.ends_at,
            event.time_zone,
            now,
            now + datetime.timedelta(days=90),
        )[:limit]:
            items.append(_item(event, when, when))
    items.sort(key=lambda i: i.start)
    return items[:limit]
