"""Submission rules: reminders before the due time and the manager's notice after, each once;
the manager's missing-reports view and its remind button; statistics."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from tandem.conftest import World
from tandem.core.models import Notification

from .. import selectors, services
from ..models import Report, ReportKind, ReportReminder, ReportStatus
from .helpers import ANSWERS, WEDNESDAY, at, daily_rule

pytestmark = pytest.mark.django_db


def zones(world: World) -> None:
    for person, zone in ((world.owner, "Asia/Shanghai"), (world.teammate, "Europe/Berlin")):
        person.time_zone = zone
        person.save(update_fields=["time_zone"])


def test_a_reminder_before_the_due_time_goes_once_in_each_persons_zone(world: World) -> None:
    zones(world)
    daily_rule(world.east_sales)
    # 09:30 UTC is 17:30 in Shanghai (the hour before 18:00) and 10:30 in Berlin (not yet).
    now = at(WEDNESDAY, 9, 30)
    assert services.send_due_reminders(now) >= 1
    assert services.send_due_reminders(now) == 0  # run twice: sent once
    reminded = set(Notification.objects.filter(kind="report.reminder").values_list("recipient_id", flat=True))
    assert world.owner.pk in reminded and world.teammate.pk not in reminded
    assert Notification.objects.filter(kind="report.reminder", recipient=world.owner).count() == 1


def test_the_manager_hears_of_a_missing_report_once_and_not_of_a_sent_one(world: World) -> None:
    zones(world)
    daily_rule(world.east_sales)
    services.report_create(
        actor=world.actor(world.teammate), kind=ReportKind.DAILY, day=WEDNESDAY, answers=ANSWERS, submit=True
    )
    now = at(WEDNESDAY, 10, 30)  # 18:30 in Shanghai: the owner's report is late
    services.send_due_reminders(now)
    services.send_due_reminders(now)
    notices = Notification.objects.filter(kind="report.missing", recipient=world.manager)
    assert notices.count() >= 1
    assert ReportReminder.objects.filter(person=world.owner, purpose="missing").count() == 1
    assert not ReportReminder.objects.filter(person=world.teammate).exists()


def test_no_daily_report_is_wanted_on_a_weekend(world: World) -> None:
    daily_rule(world.east_sales)
    saturday = WEDNESDAY + datetime.timedelta(days=3)
    assert services.send_due_reminders(at(saturday, 9, 30)) == 0
    assert services.send_due_reminders(at(saturday, 12, 0)) == 0


def test_the_missing_view_lists_the_managers_people_and_the_remind_button_sends_once(world: World) -> None:
    zones(world)
    daily_rule(world.east_sales)
    services.report_create(
        actor=world.actor(world.teammate), kind=ReportKind.DAILY, day=WEDNESDAY, answers=ANSWERS, submit=True
    )
    manager = world.actor(world.manager)
    rows = {r.person.pk: r for r in selectors.missing(manager, ReportKind.DAILY, WEDNESDAY)}
    assert world.outsider.pk not in rows and world.gone.pk not in rows
    assert rows[world.owner.pk].state == "missing" and rows[world.owner.pk].report is None
    assert rows[world.teammate.pk].state in ("on_time", "late")
    assert services.remind(actor=manager, person=world.owner, kind=ReportKind.DAILY, start=WEDNESDAY) is True
    assert services.remind(actor=manager, person=world.owner, kind=ReportKind.DAILY, start=WEDNESDAY) is False
    assert Notification.objects.filter(kind="report.reminder", recipient=world.owner).count() == 1
    with pytest.raises(PermissionDenied):
        services.remind(
            actor=world.actor(world.sibling_manager), person=world.owner, kind="daily", start=WEDNESDAY
        )
    # A rep sees only themselves.
    assert [r.person.pk for r in selectors.missing(world.actor(world.owner), "daily", WEDNESDAY)] == [
        world.owner.pk
    ]


def test_statistics_over_periods(world: World) -> None:
    daily_rule(world.east_sales)
    actor = world.actor(world.owner)
    tuesday = WEDNESDAY - datetime.timedelta(days=1)
    services.report_create(actor=actor, kind=ReportKind.DAILY, day=tuesday, answers=ANSWERS, submit=True)
    stats = selectors.statistics(world.actor(world.manager), ReportKind.DAILY, WEDNESDAY, n=2)
    assert stats["labels"] == [tuesday.isoformat(), WEDNESDAY.isoformat()]
    owner_row = next(r for r in stats["people"] if r["person"].pk == world.owner.pk)
    assert owner_row["expected"] == 2 and owner_row["submitted"] == 1
    assert stats["rate"][1] == 0
    assert Report.objects.filter(status=ReportStatus.SUBMITTED).count() == 1
