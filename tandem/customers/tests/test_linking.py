"""Linking a contact to an account needs the right to change the account, not only to see it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers import services
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.org.models import User

CONTACTS = "/api/v1/contacts/"


@pytest.fixture
def in_pool(world: World) -> Account:
    pool = PoolFactory(members=[world.owner])
    return AccountFactory(owner=None, pool=pool, name="Harbour Glass")


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_pool_member_cannot_add_a_contact_to_a_pool_customer(world: World, in_pool: Account) -> None:
    with pytest.raises(ValidationError) as raised:
        services.contact_create(actor=world.actor(world.owner), data={"name": "Li Lei", "account": in_pool})
    assert "but not change it" in raised.value.message_dict["account"][0]
    response = api(world.owner).post(CONTACTS, {"name": "Li Lei", "account": in_pool.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["account"]
    assert not Contact.objects.exists()


def test_a_pool_member_cannot_move_a_contact_to_a_pool_customer(world: World, in_pool: Account) -> None:
    mine = AccountFactory(owner=world.owner)
    contact = ContactFactory(account=mine)
    response = api(world.owner).patch(
        f"{CONTACTS}{contact.pk}/", {"account": in_pool.pk, "version": contact.version}, format="json"
    )
    assert response.status_code == 400
    contact.refresh_from_db()
    assert (contact.account_id, contact.version) == (mine.pk, 1)


def test_the_owner_adds_a_contact_to_their_customer(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    response = api(world.owner).post(CONTACTS, {"name": "Li Lei", "account": mine.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert Contact.objects.get().account == mine


def test_editing_a_contact_on_an_account_i_may_only_view_keeps_working(
    world: World, in_pool: Account
) -> None:
    """Only a change of account is a new link: my contact of a customer now in the pool stays editable."""
    contact = ContactFactory(account=in_pool, owner=world.owner)
    updated = services.contact_update(
        actor=world.actor(world.owner), contact=contact, data={"title": "CTO", "account": in_pool}
    )
    assert (updated.title, updated.account) == ("CTO", in_pool)


@pytest.mark.urls("config.urls")
def test_the_account_page_offers_a_follow_up_only_to_people_who_may_change_the_account(world: World) -> None:
    from django.test import Client

    account = AccountFactory(owner=world.teammate, team=world.support_team, name="Harbour Glass")
    client = Client()
    client.force_login(world.support)
    page = client.get(f"/customers/accounts/{account.pk}/").content.decode()
    assert "Harbour Glass" in page
    assert 'href="#quick-followup"' not in page
    client.force_login(world.teammate)
    assert 'href="#quick-followup"' in client.get(f"/customers/accounts/{account.pk}/").content.decode()
