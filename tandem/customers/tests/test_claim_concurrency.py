"""Claim limits hold under parallel claims: real threads, each with its own PostgreSQL connection.

The limits are counted and the claim written in one transaction; without a lock per claimer, every
parallel claim counts the same "0 so far" and all of them succeed. To make that race certain rather
than likely, each claim waits (briefly, at most ``WAIT`` seconds) after its checks for the others to
have passed theirs: without the lock they all pass together; with it, the others wait at the lock
and the first one's wait times out.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers import pools
from tandem.customers.models import Account, PoolEvent
from tandem.customers.tests.factories import AccountFactory, PoolFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every write transaction (BEGIN IMMEDIATE); the race is PostgreSQL's",
    ),
]

CLAIMERS = 6
WAIT = 2.0


def _claim_in_parallel(world: World, accounts: list[Account], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """POST claim for each account from its own thread, all as the owner; the responses in order."""
    barrier = threading.Barrier(len(accounts))
    original: Callable[..., Any] = pools.primary_team_id

    def after_the_checks(user: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=WAIT)
        return original(user)

    monkeypatch.setattr(pools, "primary_team_id", after_the_checks)
    responses: list[Any] = [None] * len(accounts)

    def claim(index: int, account: Account) -> None:
        try:
            client = APIClient()
            client.force_login(world.owner)
            responses[index] = client.post(f"/api/v1/accounts/{account.pk}/claim/")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(i, a)) for i, a in enumerate(accounts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_parallel_claims_stop_at_the_daily_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = PoolFactory(members=[world.owner], daily_claim_limit=2)
    accounts = [AccountFactory(owner=None, pool=pool) for _i in range(CLAIMERS)]

    responses = _claim_in_parallel(world, accounts, monkeypatch)

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 2 + [400] * (CLAIMERS - 2)
    for response in responses:
        if response.status_code == 400:
            assert "daily limit" in response.json()["non_field_errors"][0]
    assert Account.objects.filter(owner=world.owner).count() == 2
    assert PoolEvent.objects.filter(kind=PoolEvent.Kind.CLAIM, actor=world.owner).count() == 2


def test_parallel_claims_stop_at_the_most_one_person_may_own(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = PoolFactory(members=[world.owner], max_owned_per_person=3)
    AccountFactory(owner=world.owner)
    accounts = [AccountFactory(owner=None, pool=pool) for _i in range(CLAIMERS)]

    responses = _claim_in_parallel(world, accounts, monkeypatch)

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 2 + [400] * (CLAIMERS - 2)
    for response in responses:
        if response.status_code == 400:
            assert "the most this pool allows" in response.json()["non_field_errors"][0]
    assert Account.objects.filter(owner=world.owner).count() == 3
