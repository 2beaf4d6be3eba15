"""The forecasts API: contract, scoping, versions, bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.forecasts import selectors, services
from tandem.forecasts.models import ForecastAdjustment, ForecastSubmission
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def key() -> str:
    return selectors.current_period().key


def create(client: APIClient, **data: Any) -> Any:
    body = {"period": key(), "commit_amount": "100.00", "best_case_amount": "150.00", "note": "n", **data}
    return client.post("/api/v1/forecasts/", body, format="json")


def test_a_rep_submits_and_changes_their_forecast_with_its_version(world: World) -> None:
    client = as_(world.owner)
    created = create(client)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["commit_amount"] == "100.00" and body["version"] == 1 and len(body["versions"]) == 1
    url = f"/api/v1/forecasts/{body['id']}/"
    assert (
        client.patch(url, {"commit_amount": "1", "best_case_amount": "2"}, format="json").status_code == 428
    )
    changed = client.patch(
        url, {"commit_amount": "110", "best_case_amount": "150", "version": 1}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(
        url, {"commit_amount": "5", "best_case_amount": "6"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 409
    assert ForecastSubmission.objects.get().commit_amount == Decimal("110.00")
    again = create(client)
    assert again.status_code == 400 and "period" in again.json()


@pytest.mark.parametrize(
    "data",
    [
        {"commit_amount": "-5"},
        {"commit_amount": "abc"},
        {"best_case_amount": "1"},
        {"period": "2026-Q7"},
        {"period": "2026"},
        {"note": "x" * 2001},
    ],
)
def test_bad_input_answers_400_with_field_messages(world: World, data: dict[str, Any]) -> None:
    response = create(as_(world.owner), **data)
    assert response.status_code == 400
    assert set(response.json()) & {"commit_amount", "best_case_amount", "period", "note"}
    assert not ForecastSubmission.objects.exists()


@pytest.mark.parametrize(
    ("who", "sees"),
    [("owner", True), ("teammate", False), ("manager", True), ("outsider", False), ("director", True)],
)
def test_lists_and_details_are_scoped_like_deals(world: World, who: str, sees: bool) -> None:
    sub_id = create(as_(world.owner)).json()["id"]
    client = as_(getattr(world, who))
    ids = [r["id"] for r in client.get("/api/v1/forecasts/", {"period": key()}).json()["results"]]
    assert (sub_id in ids) is sees
    assert client.get(f"/api/v1/forecasts/{sub_id}/").status_code == (200 if sees else 404)


def test_only_the_owner_changes_a_submission(world: World) -> None:
    sub_id = create(as_(world.owner)).json()["id"]
    url = f"/api/v1/forecasts/{sub_id}/"
    body = {"commit_amount": "1", "best_case_amount": "2", "version": 1}
    assert as_(world.manager).patch(url, body, format="json").status_code == 403
    assert as_(world.outsider).patch(url, body, format="json").status_code == 404
    assert ForecastSubmission.objects.get().version == 1


def test_a_manager_adjusts_through_the_api_and_the_submission_stays(world: World) -> None:
    create(as_(world.owner))
    body = {"period": key(), "owner": world.owner.pk, "commit_amount": "80", "best_case_amount": "100"}
    missing = as_(world.manager).post("/api/v1/forecast-adjustments/", body, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    done = as_(world.manager).post(
        "/api/v1/forecast-adjustments/", {**body, "reason": "Slipping"}, format="json"
    )
    assert done.status_code == 201, done.content
    assert done.json()["adjusted_by"] == world.manager.pk
    assert ForecastSubmission.objects.get().commit_amount == Decimal("100.00")
    listed = as_(world.owner).get("/api/v1/forecast-adjustments/", {"period": key()}).json()["results"]
    assert [a["reason"] for a in listed] == ["Slipping"]
    assert as_(world.outsider).get("/api/v1/forecast-adjustments/").json()["results"] == []


def test_adjusting_outside_scope_is_404_and_without_the_right_403(world: World) -> None:
    body = {
        "period": key(),
        "owner": world.owner.pk,
        "commit_amount": "1",
        "best_case_amount": "1",
        "reason": "r",
    }
    assert (
        as_(world.sibling_manager).post("/api/v1/forecast-adjustments/", body, format="json").status_code
        == 404
    )
    assert as_(world.teammate).post("/api/v1/forecast-adjustments/", body, format="json").status_code == 404
    both = {**body, "team": world.east_sales.pk}
    assert as_(world.manager).post("/api/v1/forecast-adjustments/", both, format="json").status_code == 400
    assert not ForecastAdjustment.objects.exists()


def test_snapshots_list_filters_by_subject_and_period_within_scope(world: World) -> None:
    create(as_(world.owner))
    services.snapshot_take()
    director = as_(world.director).get("/api/v1/forecast-snapshots/", {"subject": "company", "period": key()})
    assert director.status_code == 200 and len(director.json()["results"]) == 1
    assert director.json()["results"][0]["submitted_commit"] == "100.00"
    rep = as_(world.owner).get("/api/v1/forecast-snapshots/").json()["results"]
    assert {r["subject"] for r in rep} == {f"person:{world.owner.pk}"}
    assert as_(world.owner).get("/api/v1/forecast-snapshots/", {"subject": "nobody"}).status_code == 400


def test_anonymous_callers_are_refused(world: World) -> None:
    assert APIClient().get("/api/v1/forecasts/").status_code in (401, 403)
