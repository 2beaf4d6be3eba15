"""/api/v1/analytics/funnel|trend|activities|leaderboard/: the page's figures, scoped, in the
caller's language, 400 per field on a bad query, 403 for people who see no deals."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.analytics.tests.data import END, START, Data, make
from tandem.conftest import World
from tandem.org.models import User

RANGE = {"start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def data(world: World) -> Data:
    return make(world)


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_funnel(world: World, data: Data) -> None:
    body = as_(world.manager, "zh-hans").get("/api/v1/analytics/funnel/", RANGE).json()
    steps = {s["label"]: s for s in body["results"]}
    assert steps["需求分析"]["deals"] == 2 and steps["需求分析"]["conversion"] == "0.6667"
    assert steps["赢单"]["deals"] == 1
    assert body["pipeline"] is not None


def test_the_trend_by_month_and_quarter(world: World, data: Data) -> None:
    client = as_(world.manager)
    body = client.get("/api/v1/analytics/trend/", {**RANGE, "kpi": "won_amount"}).json()
    assert [(p["key"], p["value"]) for p in body["results"]] == [
        ("2026-07", "2000.00"),
        ("2026-08", "3000.00"),
        ("2026-09", "5000.00"),
    ]
    assert body["currency"] == "CNY"
    body = client.get("/api/v1/analytics/trend/", {**RANGE, "kpi": "win_rate", "by": "quarter"}).json()
    assert [(p["key"], p["label"], p["value"]) for p in body["results"]] == [("2026-Q3", "Q3 2026", "0.6000")]


def test_follow_ups_by_kind_and_person(world: World, data: Data) -> None:
    body = as_(world.manager).get("/api/v1/analytics/activities/", RANGE).json()
    assert body["total"] == 4
    kinds = {k["key"]: k["count"] for k in body["by_kind"]}
    assert kinds == {"call": 2, "visit": 1, "email": 1, "meeting": 0, "message": 0, "note": 0}
    people = {p["label"]: p for p in body["results"]}
    assert people["王小明"]["by_kind"] == {"call": 2, "visit": 1}
    assert set(people) == {"王小明", "Tom Teammate"}
    # The owner sees their own only.
    body = as_(world.owner).get("/api/v1/analytics/activities/", RANGE).json()
    assert [p["label"] for p in body["results"]] == ["王小明"]


def test_the_leaderboard(world: World, data: Data) -> None:
    body = as_(world.director).get("/api/v1/analytics/leaderboard/", {**RANGE, "limit": 2}).json()
    assert [(r["rank"], r["label"], r["value"]) for r in body["results"]] == [
        (1, "Olga Outsider", "9000.00"),
        (2, "王小明", "8000.00"),
    ]
    body = as_(world.outsider).get("/api/v1/analytics/leaderboard/", {**RANGE, "kpi": "won_deals"}).json()
    assert [r["label"] for r in body["results"]] == ["Olga Outsider"]


@pytest.mark.parametrize("path", ["funnel", "trend", "activities", "leaderboard"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"end": "2026-01-31"}, "start"),
        ({"start": "2026-02-01", "end": "2026-01-31"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-31"}, "end"),
        ({"start": "yesterday", "end": "2026-01-31"}, "start"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "start"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"start": "2026-01-01", "end": "2026-01-31", "team": "x"}, "team"),
        ({"start": "2026-01-01", "end": "2026-01-31", "owner": str(2**63)}, "owner"),
    ],
)
def test_bad_queries_answer_400_naming_the_field(
    world: World, path: str, query: dict[str, Any], field: str
) -> None:
    if path == "trend":
        query = {**query, "kpi": "won_amount"}
    response = as_(world.manager).get(f"/api/v1/analytics/{path}/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_kpi_or_grouping_answers_400(world: World) -> None:
    client = as_(world.manager)
    assert "kpi" in client.get("/api/v1/analytics/trend/", {**RANGE, "kpi": "nope"}).json()
    assert "by" in client.get("/api/v1/analytics/trend/", {**RANGE, "kpi": "won_amount", "by": "week"}).json()
    assert "limit" in client.get("/api/v1/analytics/leaderboard/", {**RANGE, "limit": "0"}).json()


@pytest.mark.parametrize("path", ["funnel", "trend", "activities", "leaderboard"])
def test_people_who_see_no_deals_are_refused(world: World, path: str) -> None:
    assert (
        as_(world.support).get(f"/api/v1/analytics/{path}/", {**RANGE, "kpi": "won_amount"}).status_code
        == 403
    )
    assert APIClient().get(f"/api/v1/analytics/{path}/", RANGE).status_code in (401, 403)


def test_the_extras_are_in_the_schema(world: World) -> None:
    schema = as_(world.admin).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("funnel", "trend", "activities", "leaderboard"):
        assert f"/api/v1/analytics/{path}/" in schema
