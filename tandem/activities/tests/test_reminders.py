"""Follow-up reminders: exactly once per record and due day, however many runs overlap, and every
due record, however many there are."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tandem.activities import services
from tandem.activities.models import FollowUpReminder
from tandem.conftest import World
from tandem.core.models import Notification
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory

DAY = datetime.timedelta(days=1)


def _due_records(world: World, today: datetime.date, accounts: int, leads: int, deals: int) -> set[str]:
    people = [world.owner, world.teammate, world.manager]
    urls = set()
    for i in range(accounts):
        urls.add(AccountFactory(owner=people[i % 3], next_follow_up_on=today).get_absolute_url())
    for i in range(leads):
        urls.add(LeadFactory(owner=people[i % 3], next_follow_up_on=today).get_absolute_url())
    for i in range(deals):
        urls.add(DealFactory(owner=people[i % 3], next_follow_up_on=today).get_absolute_url())
    return urls


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="overlapping runs in parallel need PostgreSQL; SQLite lets one writer in at a time",
)
def test_four_overlapping_runs_remind_each_record_exactly_once(world: World) -> None:
    today = timezone.localdate()
    urls = _due_records(world, today, accounts=40, leads=25, deals=20)
    barrier = threading.Barrier(4)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(services.remind_due_follow_ups(today=today))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    notes = Notification.objects.filter(kind="follow_up_due")
    assert notes.count() == 85
    assert set(notes.values_list("url", flat=True)) == urls
    assert sum(counts) == 85  # each run counts only what it sent


@pytest.mark.django_db
def test_it_reminds_every_due_record_beyond_five_thousand(world: World) -> None:
    today = timezone.localdate()
    Account.objects.bulk_create(
        Account(
            name=f"Due {i}",
            name_key=f"due {i}",
            owner=world.owner,
            team=world.east_sales,
            next_follow_up_on=today,
        )
        for i in range(5_150)
    )

    assert services.remind_due_follow_ups(today=today) == 5_150
    assert Notification.objects.filter(recipient=world.owner, kind="follow_up_due").count() == 5_150
    assert services.remind_due_follow_ups(today=today) == 0


@pytest.mark.django_db
def test_it_reminds_a_record_again_on_its_next_due_day_only(world: World) -> None:
    today = timezone.localdate()
    account = AccountFactory(owner=world.owner, next_follow_up_on=today)
    assert services.remind_due_follow_ups(today=today) == 1
    assert services.remind_due_follow_ups(today=today) == 0
    Account.objects.filter(pk=account.pk).update(next_follow_up_on=today + DAY)
    assert services.remind_due_follow_ups(today=today + DAY) == 1
    assert services.remind_due_follow_ups(today=today + DAY) == 0
    assert Notification.objects.filter(kind="follow_up_due", url=account.get_absolute_url()).count() == 2


@pytest.mark.django_db
def test_the_reminder_log_keeps_a_week(world: World) -> None:
    today = timezone.localdate()
    AccountFactory(owner=world.owner, next_follow_up_on=today - 8 * DAY)
    old = AccountFactory(owner=world.owner, next_follow_up_on=today - 8 * DAY)
    services.remind_due_follow_ups(today=today - 8 * DAY)
    recent = AccountFactory(owner=world.owner, next_follow_up_on=today - 2 * DAY)
    services.remind_due_follow_ups(today=today - 2 * DAY)
    assert FollowUpReminder.objects.count() == 3

    services.remind_due_follow_ups(today=today)

    assert list(FollowUpReminder.objects.values_list("record_id", flat=True)) == [recent.pk]
    assert not FollowUpReminder.objects.filter(record_id=old.pk).exists()
