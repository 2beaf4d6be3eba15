"""/api/v1/approvals/, /api/v1/approval-flows/ and the deals API's 202 for a held change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tandem.approvals.models import ApprovalAction, ApprovalFlow, ApprovalRequest, ApprovalStatus
from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, ProductFactory, stage_named
from tandem.org.models import User

from .factories import discount_flow, stage_flow

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _held_discount(world: World, discount: str = "25") -> tuple[Deal, dict[str, Any]]:
    deal = DealFactory(owner=world.owner)
    product = ProductFactory(list_price=Decimal("1000"))
    body = {
        "version": deal.version,
        "lines": [{"product": product.pk, "quantity": "1", "discount_percent": discount}],
    }
    answer = as_(world.owner).patch(f"/api/v1/deals/{deal.pk}/", body, format="json")
    assert answer.status_code == 202, answer.content
    return deal, answer.json()


def test_the_deals_api_answers_202_with_the_held_discount(world: World) -> None:
    discount_flow()
    deal, body = _held_discount(world)
    [held] = body["held_for_approval"]
    assert held["guard"] == "deal.discount" and held["api_url"] == f"/api/v1/approvals/{held['id']}/"
    assert body["deal"]["id"] == deal.pk and body["deal"]["lines"] == []
    assert Deal.objects.get(pk=deal.pk).lines.count() == 0


def test_a_guarded_move_answers_202_and_a_second_one_400(world: World) -> None:
    won = stage_named("Won")
    stage_flow(stages=[won])
    deal = DealFactory(owner=world.owner)
    client = as_(world.owner)
    first = client.post(
        f"/api/v1/deals/{deal.pk}/move/", {"stage": won.pk, "version": deal.version}, format="json"
    )
    assert first.status_code == 202, first.content
    version = Deal.objects.get(pk=deal.pk).version
    second = client.post(
        f"/api/v1/deals/{deal.pk}/move/", {"stage": won.pk, "version": version}, format="json"
    )
    assert second.status_code == 400 and "stage" in second.json()
    assert Deal.objects.get(pk=deal.pk).stage_id != won.pk


def test_the_approver_approves_and_the_change_is_applied(world: World) -> None:
    discount_flow()
    deal, body = _held_discount(world)
    pk = body["held_for_approval"][0]["id"]
    waiting = as_(world.manager).get("/api/v1/approvals/?box=waiting").json()
    assert [r["id"] for r in waiting["results"]] == [pk]
    answer = as_(world.manager).post(f"/api/v1/approvals/{pk}/approve/", {}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    assert Deal.objects.get(pk=deal.pk).lines.count() == 1


def test_reject_needs_a_reason_and_return_a_comment(world: World) -> None:
    discount_flow()
    _deal, body = _held_discount(world)
    pk = body["held_for_approval"][0]["id"]
    client = as_(world.manager)
    assert client.post(f"/api/v1/approvals/{pk}/reject/", {}, format="json").status_code == 400
    assert client.post(f"/api/v1/approvals/{pk}/return/", {"comment": ""}, format="json").status_code == 400
    assert (
        client.post(f"/api/v1/approvals/{pk}/return/", {"comment": "Less"}, format="json").status_code == 200
    )
    owner = as_(world.owner)
    assert owner.post(f"/api/v1/approvals/{pk}/resubmit/", format="json").status_code == 200
    assert (
        client.post(f"/api/v1/approvals/{pk}/reject/", {"reason": "No"}, format="json").json()["status"]
        == "rejected"
    )
    assert owner.post(f"/api/v1/approvals/{pk}/cancel/", format="json").status_code == 400


def test_an_outsider_gets_404_and_nothing_changes(world: World) -> None:
    discount_flow()
    _deal, body = _held_discount(world)
    pk = body["held_for_approval"][0]["id"]
    before = list(ApprovalAction.objects.values_list("pk", flat=True))
    outsider = as_(world.outsider)
    assert outsider.get(f"/api/v1/approvals/{pk}/").status_code == 404
    for verb, data in (
        ("approve", {}),
        ("reject", {"reason": "x"}),
        ("return", {"comment": "x"}),
        ("cancel", {}),
    ):
        assert outsider.post(f"/api/v1/approvals/{pk}/{verb}/", data, format="json").status_code == 404
    assert (
        outsider.post(f"/api/v1/approvals/{pk}/comments/", {"body": "hi"}, format="json").status_code == 404
    )
    assert outsider.get("/api/v1/approvals/").json()["results"] == []
    assert ApprovalRequest.objects.get(pk=pk).status == ApprovalStatus.PENDING
    assert list(ApprovalAction.objects.values_list("pk", flat=True)) == before


def test_the_submitter_may_not_approve_and_gets_403(world: World) -> None:
    discount_flow()
    _deal, body = _held_discount(world)
    pk = body["held_for_approval"][0]["id"]
    assert as_(world.owner).post(f"/api/v1/approvals/{pk}/approve/", {}, format="json").status_code == 403
    assert ApprovalRequest.objects.get(pk=pk).status == ApprovalStatus.PENDING


def test_participants_comment_and_read_the_audit(world: World) -> None:
    discount_flow()
    _deal, body = _held_discount(world)
    pk = body["held_for_approval"][0]["id"]
    answer = as_(world.owner).post(
        f"/api/v1/approvals/{pk}/comments/", {"body": "Big customer"}, format="json"
    )
    assert answer.status_code == 201
    detail = as_(world.manager).get(f"/api/v1/approvals/{pk}/").json()
    assert [a["kind"] for a in detail["actions"]] == ["submitted", "commented"]
    assert [t["user"] for t in detail["tasks"]] == [world.manager.pk]


def test_only_administrators_write_flows(world: World) -> None:
    body = {
        "name": "Big discounts",
        "guard": "deal.discount",
        "min_discount": "20",
        "steps": [{"approver_kind": "nth_manager", "level": 2, "mode": "all"}],
    }
    assert as_(world.manager).post("/api/v1/approval-flows/", body, format="json").status_code == 403
    assert not ApprovalFlow.objects.exists()
    created = as_(world.admin).post("/api/v1/approval-flows/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["steps"][0]["level"] == 2
    missing = as_(world.admin).post("/api/v1/approval-flows/", {**body, "min_discount": None}, format="json")
    assert missing.status_code == 400 and "min_discount" in missing.json()
    no_steps = as_(world.admin).post("/api/v1/approval-flows/", {**body, "steps": []}, format="json")
    assert no_steps.status_code == 400 and "steps" in no_steps.json()
    assert ApprovalFlow.objects.count() == 1


def test_the_list_reads_a_flat_number_of_queries(world: World) -> None:
    discount_flow()
    client = as_(world.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/approvals/?box=all").status_code == 200
        return len(queries)

    _held_discount(world)
    few = count()
    for _ in range(4):
        _held_discount(world)
    assert count() == few
