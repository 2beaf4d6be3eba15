"""The iCalendar feed: parsed back by the icalendar library, stable UIDs, growing SEQUENCE,
cancellations and exceptions as RECURRENCE-ID, tasks as VTODO; revoked or unknown answers 404."""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from tandem.conftest import World

from .. import services
from ..models import CalendarFeed
from .helpers import as_, make

pytestmark = pytest.mark.django_db


def soon(days: int, hour: int = 9) -> datetime.datetime:
    base = timezone.now().astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    return base.replace(hour=hour) + datetime.timedelta(days=days)


def fetch(token: str) -> icalendar.Calendar:
    answer = Client().get(f"/calendar/feed/{token}.ics")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(answer.content)


def vevents(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def test_the_feed_parses_with_stable_uids_and_a_growing_sequence(world: World) -> None:
    event = make(world, starts_at=soon(2), ends_at=soon(2, 10), attendees=[world.teammate], place="HQ")
    feed = services.feed_regenerate(actor=world.actor(world.owner))
    first = vevents(fetch(feed.token))
    assert len(first) == 1
    uid = str(first[0]["UID"])
    assert uid.startswith(str(event.uid)) and "@" in uid
    assert int(first[0]["SEQUENCE"]) == 0 and str(first[0]["STATUS"]) == "CONFIRMED"
    assert first[0]["DTSTART"].dt == soon(2) and str(first[0]["LOCATION"]) == "HQ"
    services.event_update(actor=world.actor(world.owner), event=event, data={"title": "Moved sync"})
    services.event_cancel(actor=world.actor(world.owner), event=event)
    again = vevents(fetch(feed.token))
    assert str(again[0]["UID"]) == uid
    assert int(again[0]["SEQUENCE"]) == 2 and str(again[0]["STATUS"]) == "CANCELLED"
    assert str(again[0]["SUMMARY"]) == "Moved sync"


def test_an_invited_person_sees_the_event_and_a_declined_one_drops_out(world: World) -> None:
    event = make(world, starts_at=soon(1), ends_at=soon(1, 10), attendees=[world.teammate])
    feed = services.feed_regenerate(actor=world.actor(world.teammate))
    assert len(vevents(fetch(feed.token))) == 1
    services.event_respond(actor=world.actor(world.teammate), event=event, response="declined")
    assert vevents(fetch(feed.token)) == []


def test_a_series_carries_its_rule_in_its_zone_and_exceptions_their_recurrence_id(world: World) -> None:
    start = soon(3).astimezone(datetime.UTC)
    event = make(
        world,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="America/New_York",
        recurrence="FREQ=WEEKLY;COUNT=4",
    )
    second = start + datetime.timedelta(days=7)
    services.event_cancel(actor=world.actor(world.owner), event=event, occurrence=second)
    feed = services.feed_regenerate(actor=world.actor(world.owner))
    cal = fetch(feed.token)
    items = vevents(cal)
    assert len(items) == 2
    master, exception = items
    rule: Any = master["RRULE"]
    assert str(master["UID"]) == str(exception["UID"])
    assert rule["FREQ"] == ["WEEKLY"] and rule["COUNT"] == [4]
    assert master["DTSTART"].params["TZID"] == "America/New_York"
    assert exception["RECURRENCE-ID"].dt == second and str(exception["STATUS"]) == "CANCELLED"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["America/New_York"]


def test_open_tasks_due_are_todos(world: World) -> None:
    from tandem.tasks.models import Task

    Task.objects.create(title="Send the quote", assignee=world.owner, created_by=world.owner, due_at=soon(1))
    Task.objects.create(
        title="Done already", assignee=world.owner, created_by=world.owner, due_at=soon(1), status="done"
    )
    feed = services.feed_regenerate(actor=world.actor(world.owner))
    todos = list(fetch(feed.token).walk("VTODO"))
    assert [str(t["SUMMARY"]) for t in todos] == ["Send the quote"]


def test_a_regenerated_or_revoked_or_unknown_token_answers_a_bare_404(world: World) -> None:
    make(world, starts_at=soon(1), ends_at=soon(1, 10))
    old = services.feed_regenerate(actor=world.actor(world.owner))
    new = services.feed_regenerate(actor=world.actor(world.owner))
    assert Client().get(f"/calendar/feed/{old.token}.ics").status_code == 404
    assert Client().get(f"/calendar/feed/{new.token}.ics").status_code == 200
    services.feed_revoke(actor=world.actor(world.owner))
    gone = Client().get(f"/calendar/feed/{new.token}.ics")
    assert gone.status_code == 404 and world.owner.username.encode() not in gone.content
    assert Client().get("/calendar/feed/not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.filter(user=world.owner, revoked_at__isnull=True).count() == 0


def test_me_gives_the_live_feed_url_or_null(world: World) -> None:
    assert as_(world.owner).get("/api/v1/me/").json()["calendar_feed_url"] is None
    feed = services.feed_regenerate(actor=world.actor(world.owner))
    url = as_(world.owner).get("/api/v1/me/").json()["calendar_feed_url"]
    assert url.endswith(f"/calendar/feed/{feed.token}.ics") and url.startswith("http")
    services.feed_revoke(actor=world.actor(world.owner))
    assert as_(world.owner).get("/api/v1/me/").json()["calendar_feed_url"] is None
