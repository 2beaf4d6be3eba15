from __future__ import annotations

from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.customers.models import DuplicateKey
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.models import DealStatus
from tandem.deals.tests.factories import DealFactory, ProductFactory, stage_named
from tandem.leads.tests.factories import LeadFactory


def test_it_builds_records_owned_by_a_person_in_their_primary_team(world: World) -> None:
    account = AccountFactory(owner=world.owner, phone="+8613800138000")
    contact = ContactFactory(account=account)
    deal = DealFactory(owner=world.owner, account=account)
    won = DealFactory(owner=world.owner, stage=stage_named("Won"))
    lead = LeadFactory(owner=world.teammate)
    activity = ActivityFactory(author=world.owner, account=account)
    pool = PoolFactory(members=[world.owner], admins=[world.manager])
    ProductFactory()

    assert account.team == world.east_sales and account.owned_since is not None
    assert contact.owner == world.owner and contact.team == world.east_sales
    assert deal.team == world.east_sales and deal.status == DealStatus.OPEN
    assert won.status == DealStatus.WON and won.closed_on is not None
    assert lead.team == world.east_sales
    assert activity.team == world.east_sales
    assert pool.memberships.count() == 2
    assert DuplicateKey.objects.filter(record_type="account", record_id=account.pk, kind="phone").exists()
    assert DuplicateKey.objects.filter(record_type="lead", record_id=lead.pk, kind="name").exists()
