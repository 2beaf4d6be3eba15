"""GET /api/v1/insights/: the rules with counts for the caller's scope, ``?rule=`` a rule's
records with why; bad input 400 per field; out of scope 404; in the OpenAPI schema."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.insights.tests.factories import deal
from tandem.org.models import User

pytestmark = pytest.mark.django_db
URL = "/api/v1/insights/"


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def _stale(owner: User) -> int:
    return deal(owner, last_follow_up_at=timezone.now() - datetime.timedelta(days=30)).pk


def test_it_lists_the_rules_with_counts_in_the_callers_scope(world: World) -> None:
    _stale(world.owner)
    _stale(world.outsider)
    body = as_(world.manager).get(URL).json()
    rows = {r["code"]: r for r in body["results"]}
    assert set(rows) >= {"stale_follow_up", "overdue_close", "long_in_stage", "pool_return"}
    assert rows["stale_follow_up"]["count"] == 1 and rows["stale_follow_up"]["more"] is False
    assert as_(world.director).get(URL).json()["results"][0]["count"] == 2


def test_a_rule_lists_its_records_with_why_in_the_callers_language(world: World) -> None:
    pk = _stale(world.owner)
    body = as_(world.owner, "zh-hans").get(URL, {"rule": "stale_follow_up"}).json()
    assert body["rule"]["label"] == "近期未跟进"
    item = body["records"][0]
    assert item["record_id"] == pk and item["record_type"] == "deal"
    assert item["why"].startswith("30 天未跟进")
    assert body["next_cursor"] is None


def test_pages_follow_the_cursor(world: World) -> None:
    made = {_stale(world.owner) for _ in range(3)}
    client = as_(world.owner)
    first = client.get(URL, {"rule": "stale_follow_up", "limit": 2}).json()
    second = client.get(URL, {"rule": "stale_follow_up", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert {r["record_id"] for r in first["records"] + second["records"]} == made
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"rule": "nope"},
        {"limit": "0"},
        {"limit": "1000"},
        {"team": "x"},
        {"rule": "stale_follow_up", "cursor": "bad"},
    ],
)
def test_bad_input_answers_400_per_field(world: World, params: dict[str, str]) -> None:
    _stale(world.owner)
    response = as_(world.owner).get(URL, params)
    assert response.status_code == 400
    assert set(response.json()) & {"rule", "limit", "team", "cursor"}


def test_narrowing_to_someone_else_shows_only_what_the_caller_may_see(world: World) -> None:
    _stale(world.outsider)
    # People are in the directory for all to see; their deals are not.
    body = as_(world.manager).get(URL, {"owner": world.outsider.pk}).json()
    assert all(r["count"] == 0 for r in body["results"])
    listed = as_(world.manager).get(URL, {"owner": world.outsider.pk, "rule": "stale_follow_up"}).json()
    assert listed["records"] == []
    # A team they may not see is as missing as one that does not exist.
    assert as_(world.manager).get(URL, {"team": world.west_sales.pk}).status_code == 404
    assert as_(world.director).get(URL, {"team": world.west_sales.pk}).json()["results"][0]["count"] == 1
    assert as_(world.manager).get(URL, {"team": 999999}).status_code == 404


def test_people_without_crm_access_are_refused(world: World) -> None:
    from tandem.org.tests.factories import UserFactory

    nobody = UserFactory(username="nobody", roles=[])
    assert as_(nobody).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


def test_it_is_in_the_openapi_schema(world: World) -> None:
    client = as_(world.admin)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/insights/" in schema["paths"]
