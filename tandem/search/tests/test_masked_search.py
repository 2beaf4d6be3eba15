"""Masked values are neither shown nor searchable by those who see them masked.

A pool customer's phone is masked for pool members (``+86 138****5678``) until they claim it. Search
must not match on what the mask hides: otherwise each hidden digit can be guessed in about ten
searches ("is there a 1381 customer? a 1382?"). The name stays searchable; people who see the phone
in full (the owner, an administrator) still find the customer by its digits.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account, Pool
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.org.models import User

PHONE = "+8613812345678"
# Fragments a guesser would try: the hidden middle digits, with and without the visible ends.
HIDDEN = ["1381234", "12345678", "3812345", "013812345678", "+86 138 1234 5678"]


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


@pytest.fixture
def pool(world: World) -> Pool:
    return PoolFactory(name="East pool", members=[world.owner])


@pytest.fixture
def in_pool(pool: Pool) -> Account:
    return AccountFactory(
        owner=None, pool=pool, name="Harbour Glass", phone=PHONE, email="buyer@harbour.example"
    )


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _palette_ids(user: User, q: str) -> set[int]:
    body = web(user).get("/search/palette/", {"q": q, "actions": "0"}).json()
    return {row["id"] for row in body["results"] if row["type"] == "account"}


def _api_ids(user: User, q: str) -> set[int]:
    body = api(user).get("/api/v1/accounts/", {"q": q}).json()
    return {row["id"] for row in body["results"]}


@pytest.mark.parametrize("q", HIDDEN)
def test_a_pool_member_cannot_find_a_pool_customer_by_its_hidden_phone(
    world: World, in_pool: Account, q: str
) -> None:
    member = world.owner
    assert in_pool.pk not in _palette_ids(member, q)
    assert in_pool.pk not in _api_ids(member, q)
    assert "Harbour Glass" not in web(member).get("/search/", {"q": q}).content.decode()
    listed = web(member).get("/customers/accounts/", {"q": q}).content.decode()
    assert "Harbour Glass" not in listed
    pool_page = web(member).get(f"/customers/pools/{in_pool.pool_id}/", {"q": q}).content.decode()
    assert "Harbour Glass" not in pool_page
    picker = web(member).get("/customers/accounts/options/", {"q": q}).content.decode()
    assert "Harbour Glass" not in picker


def test_a_pool_member_finds_a_pool_customer_by_name_with_its_phone_masked(
    world: World, in_pool: Account
) -> None:
    member = world.owner
    assert _palette_ids(member, "harbour") == {in_pool.pk}
    assert _api_ids(member, "harbour") == {in_pool.pk}
    for body in (
        web(member).get("/search/palette/", {"q": "harbour", "actions": "0"}).content.decode(),
        web(member).get("/search/", {"q": "harbour"}).content.decode(),
    ):
        assert "Harbour Glass" in body
        assert "138****5678" in body
        assert "1234" not in body


def test_an_administrator_still_finds_a_pool_customer_by_its_phone(world: World, in_pool: Account) -> None:
    for q in HIDDEN:
        assert _palette_ids(world.admin, q) == {in_pool.pk}
        assert _api_ids(world.admin, q) == {in_pool.pk}
    assert "138 1234 5678" in web(world.admin).get("/search/", {"q": "harbour"}).content.decode()


def test_the_owner_finds_their_customer_by_its_phone_after_claiming_it(
    world: World, in_pool: Account
) -> None:
    from tandem.customers import pools

    pools.account_claim(actor=world.actor(world.owner), account=in_pool)
    for q in HIDDEN:
        assert _palette_ids(world.owner, q) == {in_pool.pk}
        assert _api_ids(world.owner, q) == {in_pool.pk}
        assert "Harbour Glass" in web(world.owner).get("/customers/accounts/", {"q": q}).content.decode()


def test_a_pool_member_still_finds_their_own_customers_by_phone(world: World, in_pool: Account) -> None:
    mine = AccountFactory(owner=world.owner, name="Quay Foods", phone="+8613812345679")
    assert _palette_ids(world.owner, "1381234") == {mine.pk}
    assert _api_ids(world.owner, "1381234") == {mine.pk}
