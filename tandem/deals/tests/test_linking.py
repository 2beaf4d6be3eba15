"""Linking a deal to an account needs the right to change the account, not only to see it.

A pool member sees (only sees) the pool's customers: they may not put a deal on one before claiming it.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals import services
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User

DEALS = "/api/v1/deals/"


@pytest.fixture
def in_pool(world: World) -> Account:
    pool = PoolFactory(members=[world.owner])
    return AccountFactory(owner=None, pool=pool, name="Harbour Glass")


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_pool_member_cannot_create_a_deal_on_a_pool_customer(world: World, in_pool: Account) -> None:
    with pytest.raises(ValidationError) as raised:
        services.deal_create(actor=world.actor(world.owner), data={"name": "Glass", "account": in_pool})
    assert "but not change it" in raised.value.message_dict["account"][0]
    response = api(world.owner).post(DEALS, {"name": "Glass", "account": in_pool.pk}, format="json")
    assert response.status_code == 400
    assert "Harbour Glass" in response.json()["account"][0]
    assert not Deal.objects.exists()


def test_a_pool_member_cannot_move_their_deal_onto_a_pool_customer(world: World, in_pool: Account) -> None:
    mine = AccountFactory(owner=world.owner)
    deal = DealFactory(owner=world.owner, account=mine)
    response = api(world.owner).patch(
        f"{DEALS}{deal.pk}/", {"account": in_pool.pk, "version": deal.version}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["account"]
    deal.refresh_from_db()
    assert (deal.account_id, deal.version) == (mine.pk, 1)


def test_the_owner_creates_and_edits_deals_on_their_customer(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    response = api(world.owner).post(DEALS, {"name": "Glass", "account": mine.pk}, format="json")
    assert response.status_code == 201, response.json()
    deal = Deal.objects.get()
    assert deal.account == mine
    other = AccountFactory(owner=world.owner)
    edited = api(world.owner).patch(
        f"{DEALS}{deal.pk}/", {"account": other.pk, "version": deal.version}, format="json"
    )
    assert edited.status_code == 200, edited.json()


def test_an_administrator_may_put_a_deal_on_a_pool_customer(world: World, in_pool: Account) -> None:
    deal = services.deal_create(actor=world.actor(world.admin), data={"name": "Glass", "account": in_pool})
    assert deal.account == in_pool


def test_editing_a_deal_whose_account_i_may_only_view_keeps_working(world: World, in_pool: Account) -> None:
    """The check is on linking: my deal on a customer now in the pool stays editable."""
    deal = DealFactory(owner=world.owner, account=in_pool)
    updated = services.deal_update(
        actor=world.actor(world.owner), deal=deal, data={"name": "Renamed", "account": in_pool}, version=1
    )
    assert (updated.name, updated.account) == ("Renamed", in_pool)
