"""Announcements (公告): audience, who may publish to whom, read receipts; /api/v1/announcements/."""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.discussions.models import Announcement, AnnouncementRead, FeedItem
from tandem.org.models import User

URL = "/api/v1/announcements/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def publish(user: User, **data: Any) -> Any:
    return as_(user).post(URL, {"title": "Q4 push", "body": "Go", **data}, format="json")


def titles(user: User) -> set[str]:
    response = as_(user).get(URL)
    assert response.status_code == 200, response.json()
    return {row["title"] for row in response.json()["results"]}


def test_a_manager_tells_their_team_and_only_its_people_see_it(world: World) -> None:
    response = publish(world.manager, teams=[world.east_sales.pk], title="East sales only")
    assert response.status_code == 201, response.json()
    assert "East sales only" in titles(world.owner)
    assert "East sales only" in titles(world.two_teams)
    assert "East sales only" not in titles(world.outsider)
    assert "East sales only" not in titles(world.support)
    assert FeedItem.objects.filter(team=world.east_sales, type="announcement.published").exists()


def test_a_region_announcement_reaches_the_teams_below(world: World) -> None:
    assert publish(world.east_manager, teams=[world.east.pk], title="Region").status_code == 201
    assert "Region" in titles(world.owner) and "Region" not in titles(world.outsider)


def test_a_manager_may_not_tell_another_team_or_everyone_and_a_rep_nothing(world: World) -> None:
    refused = publish(world.manager, teams=[world.west_sales.pk])
    assert refused.status_code == 400 and "teams" in refused.json()
    assert "everyone" in publish(world.manager, everyone=True).json()
    assert publish(world.owner, teams=[world.east_sales.pk]).status_code == 403
    assert not Announcement.objects.exists()


def test_a_director_tells_everyone(world: World) -> None:
    assert publish(world.director, everyone=True, title="All hands").status_code == 201
    for person in (world.owner, world.outsider, world.support):
        assert "All hands" in titles(person)


def test_read_receipts_and_the_readers_list_for_the_author(world: World) -> None:
    pk = publish(world.manager, teams=[world.east_sales.pk]).json()["id"]
    assert as_(world.owner).get(URL).json()["results"][0]["is_read"] is False
    assert as_(world.owner).post(f"{URL}{pk}/read/").status_code == 200
    assert as_(world.owner).post(f"{URL}{pk}/read/").status_code == 200
    assert AnnouncementRead.objects.filter(announcement_id=pk, user=world.owner).count() == 1
    assert as_(world.owner).get(URL).json()["results"][0]["is_read"] is True
    readers = as_(world.manager).get(f"{URL}{pk}/readers/").json()
    assert readers["read_count"] == 2  # the author and the owner
    unread = {p["username"] for p in readers["unread"]}
    assert unread == {"teammate", "two_teams"} and readers["unread_count"] == 2
    assert as_(world.owner).get(f"{URL}{pk}/readers/").status_code == 403
    assert as_(world.outsider).post(f"{URL}{pk}/read/").status_code == 404
    assert not AnnouncementRead.objects.filter(user=world.outsider).exists()


def test_the_list_query_count_stays_flat(world: World, django_assert_max_num_queries: Any) -> None:
    publish(world.manager, teams=[world.east_sales.pk])
    client = as_(world.owner)
    with django_assert_max_num_queries(10):
        client.get(URL)
    for n in range(10):
        publish(world.manager, teams=[world.east_sales.pk], title=f"n{n}")
    with django_assert_max_num_queries(10):
        assert len(client.get(URL).json()["results"]) == 11


def test_the_announcement_page_marks_it_read_and_shows_receipts_to_the_author(
    world: World, client: Any
) -> None:
    pk = publish(world.manager, teams=[world.east_sales.pk], title="Read me").json()["id"]
    client.force_login(world.owner)
    page = client.get(f"/discussions/announcements/{pk}/")
    assert page.status_code == 200 and "Read receipts" not in page.content.decode()
    assert AnnouncementRead.objects.filter(announcement_id=pk, user=world.owner).exists()
    client.force_login(world.manager)
    assert "Read receipts" in client.get(f"/discussions/announcements/{pk}/").content.decode()
    client.force_login(world.outsider)
    assert client.get(f"/discussions/announcements/{pk}/").status_code == 404


def test_the_page_form_publishes_and_shows_errors_inline(world: World, client: Any) -> None:
    client.force_login(world.manager)
    bad = client.post("/discussions/announcements/", {"title": "x", "teams": [world.west_sales.pk]})
    assert bad.status_code == 400
    ok = client.post("/discussions/announcements/", {"title": "Team lunch", "teams": [world.east_sales.pk]})
    assert ok.status_code == 302 and Announcement.objects.filter(title="Team lunch").exists()
