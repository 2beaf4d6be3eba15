"""Event reminders: the organizer and the people who accepted, 15 minutes before each
occurrence, once (a second run, or the same minute twice, sends nothing more)."""

from __future__ import annotations

import datetime

import pytest

from tandem.conftest import World
from tandem.core.models import Notification

from .. import services
from ..reminders import send_due
from ..tasks import remind_events
from .helpers import at, make

pytestmark = pytest.mark.django_db


def test_a_run_twice_reminds_once_per_occurrence_and_person(world: World) -> None:
    event = make(world, attendees=[world.teammate, world.manager], recurrence="FREQ=DAILY;COUNT=3")
    services.event_respond(actor=world.actor(world.teammate), event=event, response="accepted")
    now = at("2026-12-08", "08:50")
    assert send_due(now) == 2  # the organizer and the teammate who accepted; not the manager
    assert send_due(now) == 0
    assert send_due(now + datetime.timedelta(minutes=5)) == 0
    reminded = sorted(
        Notification.objects.filter(kind="event.reminder").values_list("recipient__username", flat=True)
    )
    assert reminded == ["owner", "teammate"]
    assert "09:00" in Notification.objects.filter(kind="event.reminder").first().title
    # The next day's occurrence is its own reminder.
    assert send_due(at("2026-12-09", "08:46")) == 2


def test_cancelled_and_far_occurrences_are_not_reminded(world: World) -> None:
    event = make(world)
    assert send_due(at("2026-12-07", "08:30")) == 0  # 30 minutes ahead: not yet
    services.event_cancel(actor=world.actor(world.owner), event=event)
    assert send_due(at("2026-12-07", "08:50")) == 0


def test_the_celery_task_runs_the_same_job() -> None:
    assert remind_events.name == "tandem.schedule.tasks.remind_events"
    assert remind_events.run() == 0
