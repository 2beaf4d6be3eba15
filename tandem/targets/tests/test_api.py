"""/api/v1/targets/ and /api/v1/targets/attainment/: scoped, versioned, documented."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User
from tandem.targets.models import SubjectKind, Target
from tandem.targets.tests.factories import TargetFactory

URL = "/api/v1/targets/"


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _values() -> list[tuple[Any, ...]]:
    return list(Target.objects.order_by("pk").values_list("user_id", "team_id", "start", "value", "version"))


def test_a_manager_creates_reads_changes_and_deletes_a_target(world: World) -> None:
    client = as_(world.manager)
    body = {
        "subject_kind": "person",
        "user": world.owner.pk,
        "kpi": "won_amount",
        "period": "2026-Q1",
        "value": "30000",
    }
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["period"] == "2026-Q1" and data["period_kind"] == "quarter" and data["value"] == "30000.00"
    assert data["start"] == "2026-01-01" and data["end"] == "2026-03-31" and data["version"] == 1
    assert client.post(URL, body, format="json").status_code == 400  # set already
    url = f"{URL}{data['id']}/"
    assert client.patch(url, {"value": "1"}, format="json").status_code == 428
    assert client.patch(url, {"value": "35000", "version": 1}, format="json").json()["version"] == 2
    stale = client.patch(url, {"value": "1", "version": 1}, format="json")
    assert stale.status_code == 409
    assert client.patch(url, {"value": "-1", "version": 2}, format="json").status_code == 400
    assert client.patch(url, {"value": "x", "version": 2}, format="json").status_code == 400
    assert Target.objects.get().value == Decimal("35000")
    assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 409
    assert client.delete(url).status_code == 204
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("owner", {"owner"}),
        ("teammate", set()),
        ("manager", {"owner", "team"}),
        ("sibling_manager", set()),
        ("outsider", set()),
        ("director", {"owner", "team", "company"}),
    ],
)
def test_the_list_shows_only_targets_one_may_see(world: World, who: str, visible: set[str]) -> None:
    TargetFactory(user=world.owner)
    TargetFactory(subject_kind=SubjectKind.TEAM, team=world.east_sales)
    TargetFactory(subject_kind=SubjectKind.COMPANY)
    found = as_(getattr(world, who)).get(URL, {"kpi": "won_amount", "period": "2026-03"}).json()["results"]
    kinds = {"person": "owner", "team": "team", "company": "company"}
    assert {kinds[r["subject_kind"]] for r in found} == visible


@pytest.mark.parametrize("who", ["owner", "teammate", "outsider", "sibling_manager"])
def test_people_who_may_not_set_a_target_change_nothing(world: World, who: str) -> None:
    target = TargetFactory(user=world.owner)
    before = _values()
    client = as_(getattr(world, who))
    create = client.post(
        URL,
        {
            "subject_kind": "person",
            "user": world.owner.pk,
            "kpi": "won_amount",
            "period": "2026-04",
            "value": "1",
        },
        format="json",
    )
    assert create.status_code in (400, 403)
    assert client.patch(f"{URL}{target.pk}/", {"value": "1", "version": 1}, format="json").status_code in (
        403,
        404,
    )
    assert client.delete(f"{URL}{target.pk}/").status_code in (403, 404)
    assert _values() == before


def test_a_manager_may_not_set_their_own_team_or_the_company(world: World) -> None:
    client = as_(world.manager)
    own_team = {
        "subject_kind": "team",
        "team": world.east_sales.pk,
        "kpi": "won_amount",
        "period": "2026",
        "value": "1",
    }
    assert client.post(URL, own_team, format="json").status_code == 403
    company = {"subject_kind": "company", "kpi": "won_amount", "period": "2026", "value": "1"}
    assert client.post(URL, company, format="json").status_code == 403
    sub_team = {**own_team, "team": world.east_sales.pk}
    assert as_(world.east_manager).post(URL, sub_team, format="json").status_code == 201
    assert not Target.objects.filter(subject_kind="company").exists()


@pytest.mark.parametrize(
    "bad", [{"period": "2026-13"}, {"period": "26"}, {"kpi": "nope"}, {"value": "-1"}, {"user": None}]
)
def test_bad_input_answers_400_with_the_field(world: World, bad: dict[str, Any]) -> None:
    body = {
        "subject_kind": "person",
        "user": world.owner.pk,
        "kpi": "won_amount",
        "period": "2026-03",
        "value": "5",
        **bad,
    }
    body = {k: v for k, v in body.items() if v is not None}
    response = as_(world.director).post(URL, body, format="json")
    assert response.status_code == 400
    assert not Target.objects.exists()


def test_attainment_answers_per_subject_with_pace_and_missing_rates(world: World) -> None:
    TargetFactory(user=world.owner, value=Decimal("1000"))
    TargetFactory(user=world.teammate, value=Decimal("1000"))
    DealFactory(
        owner=world.owner,
        stage=stage_named("Won"),
        amount=Decimal("500"),
        closed_on=datetime.date(2026, 3, 3),
    )
    DealFactory(
        owner=world.owner,
        stage=stage_named("Won"),
        amount=Decimal("5"),
        currency="USD",
        closed_on=datetime.date(2026, 3, 3),
    )
    response = as_(world.manager, "zh-hans").get(
        f"{URL}attainment/", {"period": "2026-03", "team": world.east_sales.pk}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["currency"] == "CNY" and data["period_label"] == "2026年3月"
    rows = {(r["subject_kind"], r["subject_id"]): r for r in data["results"]}
    mine = rows[("person", world.owner.pk)]
    assert mine["target"] == "1000" or mine["target"] == "1000.00"
    assert mine["actual"] == "500.00" and mine["attainment"] == "0.5000" and mine["pace"] == "off_track"
    assert mine["pace_label"] == "落后" and mine["missing_rates"] == [{"currency": "USD", "month": "2026-03"}]
    team = rows[("team", world.east_sales.pk)]
    assert Decimal(team["target"]) == Decimal("2000") and team["top_down"] is False
    assert data["missing_rates_text"]
    assert (
        as_(world.outsider)
        .get(f"{URL}attainment/", {"period": "2026-03", "team": world.east_sales.pk})
        .json()["results"]
        == []
    )
    assert as_(world.owner).get(f"{URL}attainment/", {"period": "nope"}).status_code == 400
