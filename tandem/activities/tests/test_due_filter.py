"""The follow-ups list and API filtered by the planned next follow-up: ``due`` (overdue, today,
week), ``due_from`` / ``due_to``. Only planned follow-ups still open count: one a later follow-up
on the same record answered is history."""

from __future__ import annotations

import datetime
import os
from importlib import import_module
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.activities.api import week_bounds
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User

API = "/api/v1/activities/"
LIST = "/follow-ups/"
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def planned(world: World, days: int, **kwargs: Any) -> Any:
    account = AccountFactory(owner=world.owner)
    return ActivityFactory(
        author=world.owner, account=account, next_follow_up_on=timezone.localdate() + days * DAY, **kwargs
    )


def test_it_filters_overdue_today_and_this_week(world: World) -> None:
    today = timezone.localdate()
    late, now = planned(world, -2), planned(world, 0)
    monday, sunday = week_bounds(today)
    this_week = {a.pk for a in (late, now) if monday <= a.next_follow_up_on <= sunday}
    client = as_(world.owner)
    assert ids(client.get(API, {"due": "overdue"})) == {late.pk}
    assert ids(client.get(API, {"due": "today"})) == {now.pk}
    assert ids(client.get(API, {"due": "week"})) == this_week


def test_it_leaves_out_a_planned_follow_up_a_later_one_answered(world: World) -> None:
    late = planned(world, -2, occurred_at=timezone.now() - 5 * DAY)
    ActivityFactory(author=world.owner, account=late.account, occurred_at=timezone.now() - DAY)
    assert ids(as_(world.owner).get(API, {"due": "overdue"})) == set()


def test_it_filters_a_date_range_both_ends_included(world: World) -> None:
    first, second, _third = planned(world, 1), planned(world, 3), planned(world, 5)
    today = timezone.localdate()
    params = {"due_from": (today + DAY).isoformat(), "due_to": (today + 3 * DAY).isoformat()}
    assert ids(as_(world.owner).get(API, params)) == {first.pk, second.pk}


@pytest.mark.parametrize(
    "params",
    [
        {"due_from": "not-a-date"},
        {"due_to": "2026-02-30"},
        {"due_from": "0001-01-01"},
        {"due_to": "9999-12-31"},
        {"due_from": "2026-05-02", "due_to": "2026-05-01"},
        {"due": "someday"},
    ],
)
def test_it_answers_400_with_field_messages_on_bad_dates(world: World, params: dict[str, str]) -> None:
    response = as_(world.owner).get(API, params)
    assert response.status_code == 400
    assert set(response.json()) & {"due", "due_from", "due_to"}


def test_the_list_page_filters_by_due_and_shows_errors_inline(world: World) -> None:
    planned(world, -2, subject="Late call")
    planned(world, 0, subject="Today call")
    client = as_(world.owner)
    html = client.get(LIST, {"due": "overdue"}).content.decode()
    assert "Late call" in html and "Today call" not in html
    bad = client.get(LIST, {"due_from": "0001-01-01"})
    assert bad.status_code in (200, 400)
    assert "alert-danger" in bad.content.decode()


def test_an_outsider_does_not_see_my_overdue_follow_ups(world: World) -> None:
    planned(world, -2)
    assert ids(as_(world.outsider).get(API, {"due": "overdue"})) == set()
