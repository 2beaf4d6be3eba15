"""Approval pages: the three boxes, one approval, acting on it, the flows (administrators)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.approvals.models import ApprovalFlow, ApprovalRequest, ApprovalStatus
from tandem.conftest import World
from tandem.deals import services as deal_services
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, ProductFactory
from tandem.org.models import Role, User

from .factories import discount_flow

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> Client:
    User.objects.filter(pk=user.pk).update(language=language)  # pages follow the person's language
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _held(world: World) -> tuple[Deal, ApprovalRequest]:
    deal = DealFactory(owner=world.owner)
    line = {
        "product": ProductFactory(list_price=Decimal("1000")),
        "quantity": 1,
        "discount_percent": Decimal("25"),
    }
    saved = deal_services.deal_update(actor=world.actor(world.owner), deal=deal, data={}, lines=[line])
    return deal, saved.held_approvals[0]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_boxes_and_the_approval_page_render_in_both_languages(world: World, language: str) -> None:
    discount_flow()
    deal, request = _held(world)
    manager = as_(world.manager, language)
    waiting = manager.get("/approvals/?box=waiting")
    assert waiting.status_code == 200 and f'data-approval-row="{request.pk}"' in waiting.content.decode()
    assert "data-approvals-waiting" in waiting.content.decode()
    page = manager.get(f"/approvals/{request.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert ("Approve" if language == "en" else "同意") in text
    mine = as_(world.owner, language).get("/approvals/?box=submitted")
    assert f'data-approval-row="{request.pk}"' in mine.content.decode()
    deal_page = as_(world.owner, language).get(f"/deals/{deal.pk}/")
    assert "data-held-change" in deal_page.content.decode()


def test_history_filters_by_status(world: World) -> None:
    discount_flow()
    _deal, request = _held(world)
    as_(world.manager).post(f"/approvals/{request.pk}/reject/", {"text": "No"})
    page = as_(world.owner).get("/approvals/?box=history&status=rejected").content.decode()
    assert f'data-approval-row="{request.pk}"' in page
    page = as_(world.owner).get("/approvals/?box=history&status=approved").content.decode()
    assert f'data-approval-row="{request.pk}"' not in page


def test_history_dates_outside_1900_2100_are_ignored(world: World) -> None:
    discount_flow()
    _deal, request = _held(world)
    as_(world.manager).post(f"/approvals/{request.pk}/reject/", {"text": "No"})
    for since, until in (("0001-01-01", "9999-12-31"), ("1899-12-31", "2101-01-01"), ("x", "-1")):
        answer = as_(world.owner).get(f"/approvals/?box=history&since={since}&until={until}")
        assert answer.status_code == 200
        assert f'data-approval-row="{request.pk}"' in answer.content.decode()
    narrowed = as_(world.owner).get("/approvals/?box=history&since=2000-01-01&until=2000-01-02")
    assert f'data-approval-row="{request.pk}"' not in narrowed.content.decode()


def test_approving_from_the_page_applies_the_change(world: World) -> None:
    discount_flow()
    deal, request = _held(world)
    answer = as_(world.manager).post(f"/approvals/{request.pk}/approve/", {"text": ""})
    assert answer.status_code == 302
    assert deal.lines.count() == 1


def test_reject_without_a_reason_shows_the_error_with_400(world: World) -> None:
    discount_flow()
    _deal, request = _held(world)
    answer = as_(world.manager).post(f"/approvals/{request.pk}/reject/", {"text": " "})
    assert answer.status_code == 400 and "Say why you reject it." in answer.content.decode()
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.PENDING


def test_an_outsider_gets_404_and_nothing_changes(world: World) -> None:
    discount_flow()
    _deal, request = _held(world)
    outsider = as_(world.outsider)
    assert outsider.get(f"/approvals/{request.pk}/").status_code == 404
    assert outsider.post(f"/approvals/{request.pk}/approve/", {"text": ""}).status_code == 404
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.PENDING
    assert as_(world.teammate).get(f"/approvals/{request.pk}/").status_code == 404


def test_the_waiting_box_reads_a_flat_number_of_queries(world: World) -> None:
    discount_flow()
    client = as_(world.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/approvals/?box=waiting").status_code == 200
        return len(queries)

    _held(world)
    few = count()
    for _ in range(4):
        _held(world)
    assert count() == few


# A flow's form as an administrator fills it in: a discount of 15 % and more, the manager approves.
FLOW_FORM: dict[str, Any] = {
    "name": "Big discounts",
    "guard": "deal.discount",
    "min_discount": "15",
    "priority": "10",
    "reminder_hours": "24",
    "is_active": "1",
    "step-0-kind": "manager",
    "step-0-mode": "any",
}


def test_administrators_create_a_flow_from_the_form(world: World) -> None:
    director_role = Role.objects.get(code="sales-director")
    body: dict[str, Any] = {
        **FLOW_FORM,
        "name_zh": "大额折扣",
        "step-1-kind": "role",
        "step-1-role": str(director_role.pk),
        "step-1-mode": "any",
        "step-1-min_discount": "30",
    }
    assert as_(world.manager).post("/approvals/flows/new/", body).status_code == 403
    assert as_(world.admin).post("/approvals/flows/new/", body).status_code == 302
    flow = ApprovalFlow.objects.get()
    assert flow.names == {"zh-hans": "大额折扣"} and flow.steps.count() == 2
    bad = as_(world.admin).post("/approvals/flows/new/", {**body, "min_discount": "abc"})
    assert bad.status_code == 400
    odd = {**body, "team": "99999999999999999999", "step-0-level": "²", "step-1-role": "-1", "priority": "١"}
    assert as_(world.admin).post("/approvals/flows/new/", odd).status_code == 400
    assert ApprovalFlow.objects.count() == 1
    assert as_(world.admin).get("/approvals/flows/").status_code == 200
    assert as_(world.admin, "zh-hans").get(f"/approvals/flows/{flow.pk}/").status_code == 200


def test_a_flow_with_figures_or_names_it_cannot_keep_is_refused_per_field(world: World) -> None:
    assert as_(world.admin).post("/approvals/flows/new/", FLOW_FORM).status_code == 302
    flow = ApprovalFlow.objects.get()
    before = (flow.name, flow.names, flow.min_amount, flow.min_discount, flow.updated_at)
    for field, value, message in (
        ("min_amount", "NaN", "Enter a number not below 0."),
        ("min_discount", "Infinity", "Enter a number not below 0."),
        ("min_amount", "1e309", "Ensure that there are no more than 14 digits in total."),
        (
            "min_amount",
            "99999999999999999999999999",
            "Ensure that there are no more than 14 digits in total.",
        ),
        ("min_amount", "1.001", "Ensure that there are no more than 2 decimal places."),
        ("min_discount", "101", "Enter a percentage from 0 to 100."),
        ("step-0-min_amount", "NaN", "Step 1: Enter a number not below 0."),
        ("step-0-min_discount", "1e309", "Step 1: Enter a percentage from 0 to 100."),
        ("step-0-min_amount", "1" * 20, "Step 1: Ensure that there are no more than 14 digits in total."),
        ("name", "a\x00b", "Null characters are not allowed."),
        ("name", "x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
    ):
        answer = as_(world.admin).post(f"/approvals/flows/{flow.pk}/", {**FLOW_FORM, field: value})
        assert answer.status_code == 400, (field, value)
        assert message in answer.content.decode().replace("&#x27;", "'"), (field, value)
        flow.refresh_from_db()
        assert (flow.name, flow.names, flow.min_amount, flow.min_discount, flow.updated_at) == before
        assert flow.steps.count() == 1


def test_a_guarded_move_on_the_board_answers_202_and_the_deal_page_says_so(world: World) -> None:
    from tandem.deals.tests.factories import stage_named

    from .factories import stage_flow

    won = stage_named("Won")
    stage_flow(stages=[won])
    deal = DealFactory(owner=world.owner)
    client = as_(world.owner)
    answer = client.post(
        f"/deals/{deal.pk}/move/", {"stage": won.pk, "version": deal.version}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 202 and answer.json()["held"] is True
    assert Deal.objects.get(pk=deal.pk).stage_id != won.pk
    request = ApprovalRequest.objects.get(object_id=deal.pk)
    as_(world.manager).post(f"/approvals/{request.pk}/reject/", {"text": "Not yet"})
    fresh = Deal.objects.get(pk=deal.pk)
    page = client.post(f"/deals/{deal.pk}/stage/", {"stage": won.pk, "version": fresh.version}, follow=True)
    assert "Sent for approval" in page.content.decode()
    assert "data-held-change" in page.content.decode()
