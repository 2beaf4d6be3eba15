"""``/api/v1/analytics/deals/`` (issue 11 §7) for every ``group_by`` the issue names: the fields
exactly, labels in the caller's language, and the groups the pages add (region, lost reason,
competitor) kept out of the API's contract."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tandem.analytics.tests.data import END, START, Data, make
from tandem.conftest import World
from tandem.deals.tests.factories import stage_named
from tandem.org.models import User

ANALYTICS = "/api/v1/analytics/deals/"
FIELDS = {
    "key",
    "label",
    "deals",
    "open",
    "won",
    "lost",
    "won_amount",
    "win_rate",
    "avg_won_days",
    "avg_won_amount",
}
CLOSED = {"closed_from": START.isoformat(), "closed_to": END.isoformat()}


@pytest.fixture
def data(world: World) -> Data:
    return make(world)


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "group_by",
    ["owner", "team", "product", "industry", "pipeline", "stage", "source", "close_month", "close_quarter"],
)
def test_every_grouping_of_the_issue_answers_exactly_its_fields(
    world: World, data: Data, group_by: str
) -> None:
    response = as_(world.manager).get(ANALYTICS, {"group_by": group_by, **CLOSED})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["results"]
    assert all(set(row) == FIELDS for row in body["results"])
    assert set(body["total"]) == FIELDS
    assert body["total"]["won_amount"] == "10000.00" and body["total"]["win_rate"] == "0.6000"


def test_labels_are_in_the_callers_language(world: World, data: Data) -> None:
    client = as_(world.manager, "zh-hans")

    def labels(group_by: str) -> dict[object, str]:
        return {
            r["key"]: r["label"]
            for r in client.get(ANALYTICS, {"group_by": group_by, **CLOSED}).json()["results"]
        }

    assert labels("stage")[stage_named("Won").pk] == "赢单"
    assert labels("stage")[stage_named("Lost").pk] == "输单"
    assert labels("source")["referral"] == "转介绍"
    assert labels("close_month")["2026-08"] == "2026年8月"
    assert labels("close_quarter")["2026-Q3"] == "2026年第3季度"
    assert labels("industry")["Retail"] == "Retail"  # a value people typed stays as typed


def test_the_pages_extra_groupings_are_not_part_of_the_api(world: World) -> None:
    for group_by in ("region", "lost_reason", "competitor"):
        response = as_(world.manager).get(ANALYTICS, {"group_by": group_by})
        assert response.status_code == 400 and "group_by" in response.json()
