"""The iCalendar subscription feed (RFC 5545), built with the ``icalendar`` library.

One VEVENT per event with its stable ``UID`` (``<event uid>@<host>``), ``DTSTAMP``, ``SEQUENCE``,
``STATUS``; times in UTC (``...Z``) except all-day events (``VALUE=DATE``) and series, whose
``DTSTART;TZID=`` keeps the wall-clock time across DST with a VTIMEZONE for the zone. A series
carries its ``RRULE``; each changed or cancelled occurrence is a VEVENT with the series' UID and
a ``RECURRENCE-ID``. Open tasks due in the window are VTODOs (``DUE``), so clients list them as
to-dos rather than blocking time. Window: the past 60 days to a year ahead, at most 2000 events.
"""

from __future__ import annotations

import contextlib
import datetime
import zoneinfo
from typing import Any
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tandem.core.access import Actor

from .models import Attendee, Event, EventStatus, Response

PAST = datetime.timedelta(days=60)
FUTURE = datetime.timedelta(days=366)
MAX_EVENTS = 2000
PRODID = "-//Tandem CRM//Calendar//EN"


def host() -> str:
    return urlparse(str(getattr(settings, "TANDEM_BASE_URL", "http://127.0.0.1:8000"))).hostname or "tandem"


def feed_url(feed: Any) -> str:
    base = str(getattr(settings, "TANDEM_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("schedule:feed", args=[feed.token])


def _uid(event: Event) -> str:
    return f"{event.uid}@{host()}"


def _status(event: Event) -> str:
    return "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED"


PARTSTAT = {
    Response.NEEDS_ACTION: "NEEDS-ACTION",
    Response.ACCEPTED: "ACCEPTED",
    Response.DECLINED: "DECLINED",
    Response.TENTATIVE: "TENTATIVE",
}


def _vevent(event: Event, *, uid: str, stamp: datetime.datetime, base: str) -> icalendar.Event:
    tz = zoneinfo.ZoneInfo(event.time_zone)
    item = icalendar.Event()
    item.add("uid", uid)
    item.add("dtstamp", stamp)
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    item.add("status", _status(event))
    if event.all_day:
        item.add("dtstart", event.starts_at.astimezone(tz).date())
        item.add("dtend", event.ends_at.astimezone(tz).date())
    elif event.recurrence or event.series_id:
        item.add("dtstart", event.starts_at.astimezone(tz))
        item.add("dtend", event.ends_at.astimezone(tz))
    else:
        item.add("dtstart", event.starts_at.astimezone(datetime.UTC))
        item.add("dtend", event.ends_at.astimezone(datetime.UTC))
    if event.place:
        item.add("location", event.place)
    if event.description:
        item.add("description", event.description)
    item.add("categories", [event.kind.upper()])
    item.add("url", base + event.get_absolute_url())
    item.add("last-modified", event.updated_at.astimezone(datetime.UTC))
    if event.recurrence:
        item.add("rrule", icalendar.vRecur.from_ical(event.recurrence))
    if event.series_id and event.original_start is not None:
        if event.all_day:
            item.add("recurrence-id", event.original_start.astimezone(tz).date())
        else:
            item.add("recurrence-id", event.original_start.astimezone(tz))
    organizer = icalendar.vCalAddress(
        f"mailto:{event.organizer.email or event.organizer.username + '@' + host()}"
    )
    organizer.params["cn"] = icalendar.vText(str(event.organizer))
    item.add("organizer", organizer)
    for attendee in event.attendees.all():
        person: Any = attendee.user or attendee.contact
        email = (
            getattr(person, "email", "")
            or f"{'user' if attendee.user_id else 'contact'}-{person.pk}@{host()}"
        )
        address = icalendar.vCalAddress(f"mailto:{email}")
        address.params["cn"] = icalendar.vText(str(person))
        address.params["partstat"] = icalendar.vText(
            PARTSTAT.get(Response(attendee.response), "NEEDS-ACTION")
        )
        item.add("attendee", address, encode=False)
    return item


def build(user: Any) -> bytes:
    """The person's calendar as an RFC 5545 document: what they organise or are invited to (not
    declined), and their open tasks due, in the window."""
    from tandem.tasks.models import OPEN_STATUSES, Task

    now = timezone.now()
    start, end = now - PAST, now + FUTURE
    base = str(getattr(settings, "TANDEM_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    invited = Attendee.objects.filter(user=user).exclude(response=Response.DECLINED).values("event_id")
    mine = Q(organizer=user) | Q(pk__in=invited)
    qs = Event.objects.select_related("organizer").prefetch_related("attendees__user", "attendees__contact")
    roots = list(
        qs.filter(mine, series__isnull=True)
        .filter(
            (Q(recurrence="") & Q(starts_at__lt=end, ends_at__gt=start))
            | (
                ~Q(recurrence="")
                & Q(starts_at__lt=end)
                & (Q(recurrence_ends_at__isnull=True) | Q(recurrence_ends_at__gt=start))
            )
        )
        .order_by("starts_at", "id")[:MAX_EVENTS]
    )
    series = {e.pk: e for e in roots if e.recurrence}
    exceptions = (
        list(qs.filter(series_id__in=sorted(series)).order_by("original_start", "id")) if series else []
    )
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Tandem · {user}")
    cal.add("x-wr-timezone", user.time_zone or "UTC")
    zones = {e.time_zone for e in [*series.values(), *exceptions]}
    for name in sorted(zones):
        # A zone the library cannot describe is left out: clients still know the IANA TZIDs.
        with contextlib.suppress(ValueError, KeyError, zoneinfo.ZoneInfoNotFoundError):
            cal.add_component(
                icalendar.Timezone.from_tzinfo(
                    zoneinfo.ZoneInfo(name), first_date=start.date(), last_date=end.date()
                )
            )
    for event in roots:
        cal.add_component(_vevent(event, uid=_uid(event), stamp=now, base=base))
    for exc in exceptions:
        cal.add_component(_vevent(exc, uid=_uid(series[exc.series_id or 0]), stamp=now, base=base))
    tasks = Task.objects.filter(
        assignee=user, status__in=OPEN_STATUSES, due_at__gte=start, due_at__lt=end
    ).order_by("due_at", "id")[:MAX_EVENTS]
    for task in tasks:
        todo = icalendar.Todo()
        todo.add("uid", f"task-{task.pk}@{host()}")
        todo.add("dtstamp", now)
        todo.add("summary", task.title)
        assert task.due_at is not None
        if task.all_day:
            tz = zoneinfo.ZoneInfo(user.time_zone or "UTC")
            todo.add("due", (task.due_at - datetime.timedelta(seconds=1)).astimezone(tz).date())
        else:
            todo.add("due", task.due_at.astimezone(datetime.UTC))
        todo.add("status", "IN-PROCESS" if task.status == "in_progress" else "NEEDS-ACTION")
        todo.add("url", f"{base}/tasks/{task.pk}/")
        todo.add("last-modified", task.updated_at.astimezone(datetime.UTC))
        cal.add_component(todo)
    return bytes(cal.to_ical())


def for_actor(actor: Actor) -> bytes:
    assert actor.user is not None
    return build(actor.user)
