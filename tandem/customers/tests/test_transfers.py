"""On-the-job and departure transfers (在职/离职继承) move every CRM record a person owns."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core.history import entries_for
from tandem.core.models import HistoryAction
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import PersonTransfer
from tandem.org.services import person_transfer, user_deactivate

# Notifications carry detail URLs; these tests do not depend on the web layer being wired.
pytestmark = pytest.mark.urls("tandem.customers.tests.urls")


@pytest.fixture
def owned(world: World) -> dict[str, Any]:
    account = AccountFactory(owner=world.owner)
    return {
        "account": account,
        "contact": ContactFactory(account=account),
        "lead": LeadFactory(owner=world.owner),
        "deal": DealFactory(owner=world.owner, account=account),
        "deleted_deal": DealFactory(owner=world.owner),
        "activity": ActivityFactory(author=world.owner, account=account),
        "teammates_account": AccountFactory(owner=world.teammate),
    }


def test_it_moves_accounts_contacts_leads_and_deals_with_their_team(
    world: World, owned: dict[str, Any]
) -> None:
    Deal.objects.filter(pk=owned["deleted_deal"].pk).update(deleted_at=owned["account"].created_at)

    record = person_transfer(
        actor=world.actor(world.admin), source=world.owner, target=world.outsider, reason="Moved to West"
    )

    expected = (world.outsider.pk, world.west_sales.pk)
    for model in (Account, Contact, Lead, Deal):
        rows = set(model.all_objects.exclude(owner=world.teammate).values_list("owner", "team"))
        assert rows == {expected}, model
    assert Deal.all_objects.filter(owner=world.outsider).count() == 2  # the one in the recycle bin too
    assert record.counts["customers.Account.owner"] == 1
    assert record.counts["deals.Deal.owner"] == 2
    assert record.kind == PersonTransfer.Kind.ACTIVE
    entry = entries_for(owned["account"]).get(action=HistoryAction.TRANSFER)
    assert entry.changes["owner"] == [str(world.owner), str(world.outsider)]
    assert entry.message == "Moved to West"


def test_it_keeps_the_authorship_of_follow_ups(world: World, owned: dict[str, Any]) -> None:
    person_transfer(actor=world.actor(world.admin), source=world.owner, target=world.outsider)
    activity = Activity.objects.get(pk=owned["activity"].pk)
    assert (activity.author, activity.team) == (world.owner, world.east_sales)


def test_it_leaves_other_peoples_records_alone(world: World, owned: dict[str, Any]) -> None:
    person_transfer(actor=world.actor(world.admin), source=world.owner, target=world.outsider)
    account = Account.objects.get(pk=owned["teammates_account"].pk)
    assert (account.owner, account.team) == (world.teammate, world.east_sales)


def test_it_moves_everything_to_the_successor_on_deactivation(world: World, owned: dict[str, Any]) -> None:
    record = user_deactivate(
        actor=world.actor(world.admin), user=world.owner, successor=world.teammate, reason="Left"
    )
    assert record.kind == PersonTransfer.Kind.DEPARTURE
    for model in (Account, Contact, Lead, Deal):
        assert not model.all_objects.filter(owner=world.owner).exists()
    deal = Deal.objects.get(pk=owned["deal"].pk)
    assert (deal.owner, deal.team) == (world.teammate, world.east_sales)
    world.owner.refresh_from_db()
    assert world.owner.is_active is False


def test_it_refuses_a_transfer_by_a_rep_and_moves_nothing(world: World, owned: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        person_transfer(actor=world.actor(world.teammate), source=world.owner, target=world.teammate)
    assert Account.objects.filter(owner=world.owner).count() == 1
    assert Deal.all_objects.filter(owner=world.owner).count() == 2
