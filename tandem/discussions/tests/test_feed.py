"""The team feed: written from events, shown only about records the reader may see; reactions."""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core import events
from tandem.deals.tests.factories import DealFactory
from tandem.discussions import feed
from tandem.discussions.models import FeedItem, FeedReaction
from tandem.org.models import User

URL = "/api/v1/feed/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


@pytest.fixture
def test_type() -> Any:
    events.register("discussions.test_won", gettext_lazy("won (test)"), resource="deal")
    feed.register("discussions.test_won", gettext_lazy("%(actor)s won the deal “%(name)s”"))
    yield "discussions.test_won"
    events.TYPES.pop("discussions.test_won", None)
    feed.SUMMARIES.pop("discussions.test_won", None)


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def texts(user: User) -> list[str]:
    response = as_(user).get(URL)
    assert response.status_code == 200, response.json()
    return [row["text"] for row in response.json()["results"]]


def test_an_event_writes_an_item_for_the_records_team(world: World, test_type: str) -> None:
    deal = DealFactory(owner=world.owner, name="Big one")
    events.emit(test_type, record=deal, actor=world.owner)
    item = FeedItem.objects.get()
    assert item.team_id == deal.team_id == world.east_sales.pk
    assert texts(world.owner) == ["王小明 won the deal “Big one”"]


def test_the_feed_only_shows_records_the_reader_may_see(world: World, test_type: str) -> None:
    deal = DealFactory(owner=world.owner, name="Big one")
    events.emit(test_type, record=deal, actor=world.owner)
    assert texts(world.manager) == ["王小明 won the deal “Big one”"]  # the team leader sees the deal
    assert texts(world.teammate) == []  # same team, but a rep sees their own deals only
    assert texts(world.outsider) == []
    item = FeedItem.objects.get()
    assert (
        as_(world.teammate).post(f"{URL}{item.pk}/reactions/", {"emoji": "👍"}, format="json").status_code
        == 404
    )
    assert not FeedReaction.objects.exists()


def test_unknown_or_unrelated_events_write_nothing(world: World) -> None:
    events.register("discussions.other", gettext_lazy("other"), resource="deal")
    try:
        events.emit("discussions.other", record=DealFactory(owner=world.owner))
    finally:
        events.TYPES.pop("discussions.other", None)
    assert not FeedItem.objects.exists()


def test_reactions_toggle_one_per_person_and_emoji(world: World, test_type: str) -> None:
    events.emit(test_type, record=DealFactory(owner=world.owner), actor=world.owner)
    item = FeedItem.objects.get()
    url = f"{URL}{item.pk}/reactions/"
    assert as_(world.manager).post(url, {"emoji": "🎉"}, format="json").json() == {"emoji": "🎉", "on": True}
    assert as_(world.owner).post(url, {"emoji": "🎉"}, format="json").json()["on"] is True
    row = as_(world.owner).get(URL).json()["results"][0]
    assert {r["emoji"]: (r["count"], r["mine"]) for r in row["reactions"]}["🎉"] == (2, True)
    assert as_(world.owner).post(url, {"emoji": "🎉"}, format="json").json()["on"] is False
    assert FeedReaction.objects.count() == 1
    assert as_(world.owner).post(url, {"emoji": "💩"}, format="json").status_code == 400


def test_people_comment_on_a_feed_item(world: World, test_type: str) -> None:
    events.emit(test_type, record=DealFactory(owner=world.owner), actor=world.owner)
    item = FeedItem.objects.get()
    body = {"record": {"type": "feeditem", "id": item.pk}, "body": "Well done!"}
    assert as_(world.manager).post("/api/v1/comments/", body, format="json").status_code == 201
    assert as_(world.outsider).post("/api/v1/comments/", body, format="json").status_code == 404
    assert as_(world.owner).get(URL).json()["results"][0]["comments"] == 1


def test_the_feed_is_keyset_paged_with_a_flat_query_count(
    world: World, test_type: str, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        events.emit(test_type, record=DealFactory(owner=world.owner, name=f"d{n}"), actor=world.owner)
    client = as_(world.manager)
    with django_assert_max_num_queries(16):  # grants by record: one EXISTS each, once a request
        client.get(URL)
    for n in range(30):
        events.emit(test_type, record=DealFactory(owner=world.owner, name=f"e{n}"), actor=world.owner)
    with django_assert_max_num_queries(16):  # grants by record: one EXISTS each, once a request
        first = client.get(URL).json()
    assert len(first["results"]) == 20 and first["older"]
    second = as_(world.manager).get(URL, {"before": first["older"]}).json()
    assert len(second["results"]) == 13 and second["older"] is None
    page = as_(world.manager).get("/discussions/feed/")
    assert page.status_code == 200
