"""Follow-up records (跟进记录): writing one updates the linked records; reminders when due."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.activities import services
from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.core.models import Notification
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory

# Notifications carry detail URLs; these tests do not depend on the web layer being wired.
pytestmark = pytest.mark.urls("tandem.customers.tests.urls")

HOUR = datetime.timedelta(hours=1)


def _log(world: World, who: str = "owner", **data: Any) -> Activity:
    return services.activity_create(
        actor=world.actor(getattr(world, who)), data={"subject": "Call", "content": "Talked", **data}
    )


def test_it_logs_a_follow_up_and_updates_the_linked_records(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    contact = ContactFactory(account=account)
    when = timezone.now() - 2 * HOUR
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    activity = _log(world, account=account, contact=contact, occurred_at=when, next_follow_up_on=tomorrow)

    assert (activity.author, activity.team) == (world.owner, world.east_sales)
    for record in (account, contact):
        record.refresh_from_db()
        assert (record.last_follow_up_at, record.next_follow_up_on) == (when, tomorrow)


def test_it_never_moves_the_last_follow_up_backwards(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    recent = timezone.now() - HOUR
    _log(world, account=account, occurred_at=recent)
    _log(world, account=account, occurred_at=recent - 48 * HOUR)
    account.refresh_from_db()
    assert account.last_follow_up_at == recent


def test_it_fills_the_account_from_the_deal(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    deal = DealFactory(owner=world.owner, account=account)
    activity = _log(world, deal=deal)
    assert activity.account == account
    account.refresh_from_db()
    deal.refresh_from_db()
    assert account.last_follow_up_at == deal.last_follow_up_at == activity.occurred_at


def test_it_fills_the_account_from_the_contact(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    activity = _log(world, contact=ContactFactory(account=account))
    assert activity.account == account


def test_it_updates_a_lead_it_is_logged_on(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    activity = _log(world, lead=lead)
    lead.refresh_from_db()
    assert lead.last_follow_up_at == activity.occurred_at


def test_it_refuses_a_follow_up_in_the_future(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        _log(world, account=account, occurred_at=timezone.now() + 2 * HOUR)
    assert "occurred_at" in exc.value.message_dict
    account.refresh_from_db()
    assert account.last_follow_up_at is None and not Activity.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "", "content": "  "}, "content"),
        ({"kind": "telepathy"}, "kind"),
        ({"next_follow_up_on": datetime.date(2000, 1, 1)}, "next_follow_up_on"),
    ],
)
def test_it_refuses_bad_input_with_field_errors(world: World, data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _log(world, account=AccountFactory(owner=world.owner), **data)
    assert field in exc.value.message_dict
    assert not Activity.objects.exists()


def test_it_refuses_a_follow_up_linked_to_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        _log(world)
    assert "account" in exc.value.message_dict


@pytest.mark.parametrize("link", ["account", "contact", "lead", "deal"])
def test_it_refuses_linking_to_a_record_the_actor_cannot_see(world: World, link: str) -> None:
    hidden: Any = {
        "account": lambda: AccountFactory(owner=world.outsider),
        "contact": lambda: ContactFactory(owner=world.outsider),
        "lead": lambda: LeadFactory(owner=world.outsider),
        "deal": lambda: DealFactory(owner=world.outsider),
    }[link]()
    with pytest.raises(ValidationError) as exc:
        _log(world, **{link: hidden})
    assert link in exc.value.message_dict
    hidden.refresh_from_db()
    assert hidden.last_follow_up_at is None and not Activity.objects.exists()


def test_it_lets_a_manager_log_on_a_reps_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    activity = _log(world, "manager", account=account)
    assert activity.author == world.manager


def test_it_refuses_follow_ups_to_someone_without_the_grant(world: World) -> None:
    from tandem.org.models import RoleGrant

    RoleGrant.objects.filter(role__code="sales-rep", resource="activity").delete()
    with pytest.raises(PermissionDenied):
        _log(world, account=AccountFactory(owner=world.owner))


def test_it_recomputes_the_last_follow_up_when_one_is_deleted(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    older = timezone.now() - 48 * HOUR
    _log(world, account=account, occurred_at=older)
    latest = _log(world, account=account, occurred_at=timezone.now() - HOUR)

    services.activity_delete(actor=world.actor(world.manager), activity=latest)

    account.refresh_from_db()
    assert account.last_follow_up_at == older
    assert Activity.all_objects.get(pk=latest.pk).deleted_at is not None


def test_it_clears_the_last_follow_up_when_the_only_one_is_deleted(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    only = _log(world, account=account)
    services.activity_delete(actor=world.actor(world.manager), activity=only)
    account.refresh_from_db()
    assert account.last_follow_up_at is None


def test_it_refuses_a_teammate_deleting_a_follow_up(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    activity = _log(world, account=account)
    with pytest.raises(PermissionDenied):
        services.activity_delete(actor=world.actor(world.teammate), activity=activity)
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_it_edits_a_follow_up_by_its_author_only(world: World) -> None:
    activity = _log(world, account=AccountFactory(owner=world.owner))
    services.activity_update(actor=world.actor(world.owner), activity=activity, data={"content": "Better"})
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=world.actor(world.teammate), activity=activity, data={"content": "x"})
    with pytest.raises(ValidationError):
        services.activity_update(
            actor=world.actor(world.owner), activity=activity, data={"subject": "", "content": ""}
        )
    activity.refresh_from_db()
    assert activity.content == "Better"


# --- Reminders ------------------------------------------------------------------------------


def test_it_reminds_owners_once_per_record_and_day(world: World) -> None:
    today = timezone.localdate()
    account = AccountFactory(owner=world.owner, next_follow_up_on=today)
    lead = LeadFactory(owner=world.teammate, next_follow_up_on=today)
    deal = DealFactory(owner=world.owner, next_follow_up_on=today)
    AccountFactory(owner=world.owner, next_follow_up_on=today + datetime.timedelta(days=1))
    AccountFactory(owner=None, next_follow_up_on=today)

    assert services.remind_due_follow_ups() == 3
    assert services.remind_due_follow_ups() == 0

    notes = Notification.objects.filter(kind="follow_up_due")
    assert sorted(notes.values_list("recipient__username", "url")) == sorted(
        [
            ("owner", account.get_absolute_url()),
            ("owner", deal.get_absolute_url()),
            ("teammate", lead.get_absolute_url()),
        ]
    )
    assert notes.get(url=account.get_absolute_url()).title == f"Follow up with {account.name} today"


def test_it_does_not_remind_deactivated_owners(world: World) -> None:
    AccountFactory(owner=world.gone, next_follow_up_on=timezone.localdate())
    services.remind_due_follow_ups()
    assert not Notification.objects.exists()
