"""Linking a follow-up to a record needs the right to change that record.

A follow-up moves the linked records' last and next follow-up dates: a pool member who may only view
a pool customer cannot log one on it (nor plan its next follow-up) before claiming it.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.activities import services
from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.org.models import User

ACTIVITIES = "/api/v1/activities/"


@pytest.fixture
def in_pool(world: World) -> Account:
    pool = PoolFactory(members=[world.owner])
    return AccountFactory(owner=None, pool=pool, name="Harbour Glass")


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _next_week() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=7)


def test_a_pool_member_cannot_log_a_follow_up_on_a_pool_customer(world: World, in_pool: Account) -> None:
    with pytest.raises(ValidationError) as raised:
        services.activity_create(
            actor=world.actor(world.owner),
            data={"subject": "Call", "account": in_pool, "next_follow_up_on": _next_week()},
        )
    assert "but not change it" in raised.value.message_dict["account"][0]
    response = api(world.owner).post(
        ACTIVITIES,
        {"subject": "Call", "account": in_pool.pk, "next_follow_up_on": _next_week().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["account"]
    in_pool.refresh_from_db()
    assert (in_pool.next_follow_up_on, in_pool.last_follow_up_at) == (None, None)
    assert not Activity.objects.exists()


def test_a_person_who_may_only_view_a_contact_cannot_log_a_follow_up_on_it(world: World) -> None:
    theirs = ContactFactory(owner=world.teammate, team=world.support_team)
    with pytest.raises(ValidationError) as raised:
        services.activity_create(
            actor=world.actor(world.support), data={"subject": "Visit", "contact": theirs}
        )
    assert list(raised.value.message_dict) == ["contact"]
    assert not Activity.objects.exists()


def test_the_owner_logs_a_follow_up_and_plans_the_next_one(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    response = api(world.owner).post(
        ACTIVITIES,
        {"subject": "Call", "account": mine.pk, "next_follow_up_on": _next_week().isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    mine.refresh_from_db()
    assert mine.next_follow_up_on == _next_week()
