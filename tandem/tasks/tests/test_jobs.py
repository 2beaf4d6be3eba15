"""Recurring tasks (the next occurrence once, in the assignee's zone across DST and far from UTC)
and due reminders (sent once however often the job runs)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.conftest import World
from tandem.core.models import Notification
from tandem.org.models import User

from .. import recurrence, services
from ..models import Task
from ..tasks import advance_recurrences, send_reminders
from .factories import make_task

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def in_zone(user: User, name: str) -> User:
    user.time_zone = name
    user.save(update_fields=["time_zone"])
    return user


def test_the_rule_subset_is_validated_and_built_from_the_picker() -> None:
    assert recurrence.clean("freq=weekly;byday=MO,WE") == "FREQ=WEEKLY;BYDAY=MO,WE"
    for bad in (
        "FREQ=SECONDLY",
        "FREQ=DAILY;COUNT=3",
        "nonsense",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=DAILY;INTERVAL=0",
    ):
        with pytest.raises(ValidationError):
            recurrence.clean(bad)
    picked = recurrence.Picked("weekly", 2, ("FR", "MO"))
    assert recurrence.build(picked) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"
    assert recurrence.pick(recurrence.build(picked)) == recurrence.Picked("weekly", 2, ("MO", "FR"))
    assert recurrence.build(recurrence.Picked("weekdays")) == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR"
    assert recurrence.describe("FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15") == "Every month on day 15"


def test_a_weekly_task_keeps_its_wall_clock_time_across_the_change_to_summer_time(world: World) -> None:
    in_zone(world.owner, "Europe/Berlin")
    # Friday 27 March 2026 09:00 in Berlin (UTC+1); the clocks go forward on Sunday 29 March.
    due = datetime.datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN)
    task = make_task(world.owner, due_at=due, recurrence="FREQ=WEEKLY;BYDAY=FR")
    nxt = services.task_complete(actor=world.actor(world.owner), task=task)
    fresh = Task.objects.get(series_id=nxt.pk)
    assert fresh.due_at.astimezone(BERLIN) == datetime.datetime(2026, 4, 3, 9, 0, tzinfo=BERLIN)
    assert fresh.due_at - due == datetime.timedelta(days=7, hours=-1)  # an hour less of UTC time


def test_a_daily_task_far_from_utc_recurs_on_the_assignees_days(world: World) -> None:
    in_zone(world.owner, "Pacific/Auckland")
    # Monday 08:00 in Auckland is Sunday evening in UTC: "weekdays" must mean Auckland's weekdays.
    due = datetime.datetime(2026, 6, 5, 8, 0, tzinfo=AUCKLAND)  # a Friday in Auckland
    task = make_task(world.owner, due_at=due, recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    services.task_complete(actor=world.actor(world.owner), task=task)
    fresh = Task.objects.get(series_id=task.pk)
    assert fresh.due_at.astimezone(AUCKLAND) == datetime.datetime(2026, 6, 8, 8, 0, tzinfo=AUCKLAND)
    assert fresh.due_at.astimezone(datetime.UTC).weekday() == 6  # Sunday in UTC


def test_the_next_occurrence_copies_the_task_with_its_checklist_unticked_once(world: World) -> None:
    due = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    task = make_task(
        world.owner,
        due_at=due,
        recurrence="FREQ=DAILY;INTERVAL=1",
        labels=["Weekly"],
        collaborators=[world.teammate.pk],
        checklist=("prepare", "send"),
        remind_minutes_before=30,
    )
    actor = world.actor(world.owner)
    services.checklist_update(actor=actor, item=task.checklist.first(), done=True)
    services.task_complete(actor=actor, task=task)
    services.task_reopen(actor=actor, task=task)
    services.task_set_status(actor=actor, task=task, status="cancelled")
    occurrences = Task.objects.filter(series_id=task.pk)
    assert occurrences.count() == 1
    fresh = occurrences.get()
    assert fresh.due_at == due + datetime.timedelta(days=1) and fresh.occurrence_due_at == fresh.due_at
    assert [lb.name for lb in fresh.labels.all()] == ["Weekly"]
    assert [u.pk for u in fresh.collaborators.all()] == [world.teammate.pk]
    assert list(fresh.checklist.values_list("text", "done")) == [("prepare", False), ("send", False)]
    assert fresh.remind_minutes_before == 30 and fresh.reminded_at is None and fresh.status == "todo"
    # The occurrence's own completion continues the same series.
    services.task_complete(actor=actor, task=fresh)
    assert Task.objects.filter(series_id=task.pk).count() == 2


def test_the_job_continues_a_series_whose_due_time_passed_undone_once(world: World) -> None:
    due = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    task = make_task(world.owner, due_at=due, recurrence="FREQ=WEEKLY;INTERVAL=1")
    assert advance_recurrences() == 1
    assert advance_recurrences() == 0
    fresh = Task.objects.get(series_id=task.pk)
    assert fresh.due_at == due + datetime.timedelta(days=7)
    # Done late: the occurrence already exists, nothing more is made.
    services.task_complete(actor=world.actor(world.owner), task=task)
    assert Task.objects.filter(series_id=task.pk).count() == 1


def test_a_series_past_its_end_stops(world: World) -> None:
    due = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    task = make_task(world.owner, due_at=due, recurrence="FREQ=DAILY;UNTIL=20260105T235900")
    services.task_complete(actor=world.actor(world.owner), task=task)
    assert not Task.objects.filter(series_id=task.pk).exists()


def test_a_reminder_is_sent_once_however_often_the_job_runs(world: World) -> None:
    now = timezone.now()
    soon = make_task(
        world.owner,
        assignee=world.teammate.pk,
        due_at=now + datetime.timedelta(minutes=20),
        remind_minutes_before=30,
    )
    later = make_task(world.owner, due_at=now + datetime.timedelta(hours=5), remind_minutes_before=30)
    done = make_task(world.owner, due_at=now + datetime.timedelta(minutes=5), remind_minutes_before=30)
    services.task_complete(actor=world.actor(world.owner), task=done)
    Notification.objects.all().delete()
    assert send_reminders() == 1
    assert send_reminders() == 0
    reminders = Notification.objects.filter(kind="task.reminder")
    assert [(n.recipient_id, n.url) for n in reminders] == [(world.teammate.pk, soon.get_absolute_url())]
    assert Task.objects.get(pk=later.pk).reminded_at is None
    # A new due time rings again, once.
    services.task_update(
        actor=world.actor(world.owner), task=soon, data={"due_at": now + datetime.timedelta(minutes=10)}
    )
    assert send_reminders() == 1 and send_reminders() == 0


def test_a_reminder_long_past_its_due_time_is_claimed_silently(world: World) -> None:
    make_task(world.owner, due_at=timezone.now() - datetime.timedelta(days=2), remind_minutes_before=0)
    assert send_reminders() == 0
    assert Task.objects.get().reminded_at is not None
    assert not Notification.objects.filter(kind="task.reminder").exists()
