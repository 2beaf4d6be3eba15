"""API paging (docs/decisions/0031, core.paging): walking a list by cursor, forwards and back,
gives the same rows in the same order as the plain ordered query, for every ``ordering`` the deals
API offers (nulls and ties included); counts are bounded; deep pages by number answer 400."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core import paging
from tandem.deals.api import DealViewSet
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory

DEALS = "/api/v1/deals/"
NAMES = ["alpha", "bravo", "charlie"]


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def _deals(world: World, n: int) -> list[Deal]:
    """``n`` deals with ties and nulls in every sortable column."""
    base = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    made = []
    for i in range(n):
        deal = DealFactory(owner=world.owner, name=NAMES[i % 3])
        moment = base - datetime.timedelta(hours=i % 4)
        Deal.objects.filter(pk=deal.pk).update(
            amount=None if i % 5 == 0 else Decimal(100 * (i % 3)),
            opened_on=None if i % 4 == 0 else today - datetime.timedelta(days=i % 3),
            expected_close_date=None if i % 3 == 0 else today + datetime.timedelta(days=i % 2),
            closed_on=None if i % 2 else today,
            created_at=moment,
            updated_at=moment,
            stage_entered_at=moment,
            last_follow_up_at=None if i % 3 == 1 else moment,
        )
        made.append(deal)
    return made


def _expected(field: str, descending: bool) -> list[int]:
    rows = list(Deal.objects.values_list(field, "id"))
    ascending = sorted(rows, key=lambda r: (r[0] is None, r[0] if r[0] is not None else 0, r[1]))
    return [pk for _value, pk in (reversed(ascending) if descending else ascending)]


def _walk(client: APIClient, url: str, link: str) -> tuple[list[int], Any]:
    seen: list[int] = []
    last: Any = None
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        seen += [row["id"] for row in body["results"]] if link == "next" else []
        if link == "previous":
            seen = [row["id"] for row in body["results"]] + seen
        last = body
        url = body[link]
    return seen, last


@pytest.mark.parametrize("ordering", DealViewSet.ordering_fields)
@pytest.mark.parametrize("descending", [False, True])
def test_walking_by_cursor_gives_the_plain_query_order(
    world: World, monkeypatch: pytest.MonkeyPatch, ordering: str, descending: bool
) -> None:
    _deals(world, 23)
    monkeypatch.setattr(paging, "MAX_PAGED_ROWS", 4)  # page 1 by number, then cursors
    client = APIClient()
    client.force_login(world.admin)
    order = f"-{ordering}" if descending else ordering
    expected = _expected(ordering, descending)

    forwards, last_page = _walk(client, f"{DEALS}?ordering={order}&page_size=4", "next")
    assert forwards == expected
    assert "cursor=" in (last_page["previous"] or "")

    # And back again from the last page, by the previous links.
    backwards, first_page = _walk(client, last_page["previous"], "previous")
    assert backwards + forwards[-len(last_page["results"]) :] == expected
    assert first_page["previous"] is None


def test_counts_are_exact_below_the_limit_and_say_so(world: World) -> None:
    _deals(world, 7)
    client = APIClient()
    client.force_login(world.admin)
    body = client.get(DEALS).json()
    assert body["count"] == 7 and body["count_is_estimate"] is False


def test_a_count_past_the_limit_is_an_estimate_on_postgresql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deals(world, 9)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    client = APIClient()
    client.force_login(world.admin)
    body = client.get(DEALS).json()
    if connection.vendor == "postgresql":
        assert body["count_is_estimate"] is True and body["count"] >= 6
    else:  # SQLite holds small data: it counts
        assert body == {**body, "count": 9, "count_is_estimate": False}


def test_pages_by_number_stop_where_cursors_start(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _deals(world, 10)
    monkeypatch.setattr(paging, "MAX_PAGED_ROWS", 6)
    client = APIClient()
    client.force_login(world.admin)
    second = client.get(f"{DEALS}?page=2&page_size=3").json()
    assert "cursor=" in second["next"] and "page=" not in second["next"]
    assert "page=" not in second["previous"]
    deep = client.get(f"{DEALS}?page=3&page_size=3")
    assert deep.status_code == 400 and list(deep.json()) == ["page"]
    assert client.get(f"{DEALS}?page=0").status_code == 404
    assert client.get(f"{DEALS}?page=5&page_size=1").status_code == 200


@pytest.mark.parametrize(
    "cursor", ["x", "e30", "bm90IGpzb24", "eyJwIjpbMV0sImIiOmZhbHNlfQ", "eyJwIjpbIngiLDFdLCJiIjpmYWxzZX0"]
)
def test_a_cursor_that_is_not_one_answers_400(world: World, cursor: str) -> None:
    client = APIClient()
    client.force_login(world.admin)
    response = client.get(f"{DEALS}?ordering=amount&cursor={cursor}")
    assert response.status_code == 400 and list(response.json()) == ["cursor"]


def test_a_cursor_page_costs_the_same_queries_however_deep(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deals(world, 24)
    monkeypatch.setattr(paging, "MAX_PAGED_ROWS", 2)
    client = APIClient()
    client.force_login(world.admin)
    url = client.get(f"{DEALS}?ordering=amount&page_size=2").json()["next"]
    counts = []
    for _ in range(6):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url).json()
        counts.append(len(ctx.captured_queries))
        url = body["next"]
    # The amount's nulls come last: the page that crosses into them reads one query more.
    assert max(counts) - min(counts) <= 1, counts


def test_the_schema_documents_cursor_and_estimate(world: World) -> None:
    client = APIClient()
    client.force_login(world.admin)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][DEALS]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"page", "page_size", "cursor"} <= names
    page = next(p for p in operation["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == paging.MAX_PAGED_ROWS
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "count_is_estimate" in schema["components"]["schemas"][ref]["required"]


def test_a_plain_list_pages_by_number() -> None:
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from tandem.core.rest import Pagination

    paginator = Pagination()
    request = Request(APIRequestFactory().get("/things/", {"page": 2, "page_size": 3}))
    assert paginator.paginate_queryset(list(range(8)), request) == [3, 4, 5]
    body = paginator.get_paginated_response([3, 4, 5]).data
    assert body["count"] == 8 and body["count_is_estimate"] is False
    assert "page=3" in body["next"] and body["previous"] is not None
