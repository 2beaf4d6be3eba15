"""Converting a lead into an existing account links a contact (and a deal) to it: that needs the right
to change the account, not only to see it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.leads import services
from tandem.leads.models import Lead, LeadStatus
from tandem.leads.tests.factories import LeadFactory


@pytest.fixture
def in_pool(world: World) -> Account:
    pool = PoolFactory(members=[world.owner])
    return AccountFactory(owner=None, pool=pool, name="Harbour Glass")


def test_a_pool_member_cannot_convert_a_lead_into_a_pool_customer(world: World, in_pool: Account) -> None:
    lead = LeadFactory(owner=world.owner)
    with pytest.raises(ValidationError) as raised:
        services.lead_convert(actor=world.actor(world.owner), lead=lead, account=in_pool)
    assert "but not change it" in raised.value.message_dict["account"][0]
    client = APIClient()
    client.force_login(world.owner)
    response = client.post(f"/api/v1/leads/{lead.pk}/convert/", {"account": in_pool.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["account"]
    assert Lead.objects.get(pk=lead.pk).status != LeadStatus.CONVERTED
    assert not Contact.objects.exists()


def test_the_owner_converts_a_lead_into_their_customer(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    lead = LeadFactory(owner=world.owner)
    result = services.lead_convert(actor=world.actor(world.owner), lead=lead, account=mine)
    assert result["contact"].account == mine
