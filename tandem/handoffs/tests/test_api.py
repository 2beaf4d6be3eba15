"""/api/v1/handoffs/ and /api/v1/handoff-templates/: who may do what, field messages, 404 for
people not party to a handoff (nothing changed), and lists whose query count stays flat."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User

from ..models import Handoff, HandoffStatus, HandoffTemplate
from .factories import send, template

pytestmark = pytest.mark.django_db
URL = "/api/v1/handoffs/"


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def won(world: World) -> Deal:
    return DealFactory(owner=world.owner, stage=stage_named("Won"))


def body(tpl: HandoffTemplate, deal: Deal, **kwargs: Any) -> dict[str, Any]:
    return {"template": tpl.pk, "record": {"type": "deal", "id": deal.pk}, "checked": [0, 1], **kwargs}


def test_the_owner_sends_a_won_deal_to_a_colleague(world: World) -> None:
    tpl, deal = template(), won(world)
    answer = as_(world.owner).post(
        URL, body(tpl, deal, recipient=world.teammate.pk, note="Hi"), format="json"
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["status"] == "pending" and data["record"] == {
        "type": "deal",
        "id": deal.pk,
        "name": deal.name,
    }
    assert data["recipient"]["id"] == world.teammate.pk and data["overdue"] is False


def test_a_send_with_unticked_items_answers_400_with_messages_in_the_callers_language(world: World) -> None:
    tpl, deal = template(), won(world)
    answer = as_(world.owner, "zh-hans").post(
        URL, body(tpl, deal, recipient=world.teammate.pk, checked=[0]), format="json"
    )
    assert answer.status_code == 400
    assert "联系人已确认" in answer.json()["checklist"][0]
    assert not Handoff.objects.exists()


def test_a_send_for_a_record_the_caller_cannot_see_is_refused(world: World) -> None:
    tpl, deal = template(), won(world)
    answer = as_(world.outsider).post(URL, body(tpl, deal, recipient=world.teammate.pk), format="json")
    assert answer.status_code == 400 and "record" in answer.json()
    assert not Handoff.objects.exists()


def test_the_recipient_accepts_and_the_deal_changes_hands(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    answer = as_(world.teammate).post(f"{URL}{handoff.pk}/accept/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "accepted"
    assert Deal.objects.get(pk=handoff.deal_id).owner_id == world.teammate.pk


def test_an_outsider_gets_404_and_nothing_changes(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    client = as_(world.outsider)
    assert client.get(f"{URL}{handoff.pk}/").status_code == 404
    for verb in ("accept", "reject", "cancel", "pick-up"):
        assert client.post(f"{URL}{handoff.pk}/{verb}/", {"reason": "no"}, format="json").status_code == 404
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING and handoff.recipient_id == world.teammate.pk
    assert Deal.objects.get(pk=handoff.deal_id).owner_id == world.owner.pk


def test_the_recipient_may_not_cancel_and_the_sender_may_not_accept(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    assert as_(world.teammate).post(f"{URL}{handoff.pk}/cancel/").status_code == 403
    assert as_(world.owner).post(f"{URL}{handoff.pk}/accept/").status_code == 403
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING


def test_rejecting_without_a_reason_answers_400(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    answer = as_(world.teammate).post(f"{URL}{handoff.pk}/reject/", {"reason": ""}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING
    answer = as_(world.teammate).post(f"{URL}{handoff.pk}/reject/", {"reason": "Wrong region"}, format="json")
    assert answer.json()["status"] == "rejected" and answer.json()["rejection_reason"] == "Wrong region"


def test_the_sender_cancels(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    assert as_(world.owner).post(f"{URL}{handoff.pk}/cancel/").json()["status"] == "cancelled"


def test_boxes_list_incoming_outgoing_and_the_teams_queue(world: World) -> None:
    tpl = template(name="By hand", names={}, trigger="manual")
    to_person = send(world.owner, won(world), tpl, recipient=world.teammate)
    to_team = send(world.owner, won(world), tpl, recipient_team=world.support_team)

    def ids(user: User, box: str) -> set[int]:
        return {row["id"] for row in as_(user).get(URL, {"box": box}).json()["results"]}

    assert ids(world.owner, "outgoing") == {to_person.pk, to_team.pk}
    assert ids(world.teammate, "incoming") == {to_person.pk}
    assert ids(world.support, "team") == {to_team.pk}
    assert ids(world.outsider, "incoming") == set()
    assert as_(world.owner).get(URL, {"box": "nope"}).status_code == 400


def test_the_list_runs_the_same_number_of_queries_however_many_handoffs(world: World) -> None:
    tpl = template(name="By hand", names={}, trigger="manual")
    client = as_(world.teammate)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"box": "incoming"}).status_code == 200
        return len(ctx.captured_queries)

    send(world.owner, won(world), tpl, recipient=world.teammate)
    few = queries()
    for _ in range(6):
        send(world.owner, won(world), tpl, recipient=world.teammate)
    assert queries() == few


def test_templates_are_read_by_everyone_and_written_by_administrators(world: World) -> None:
    template()
    assert len(as_(world.owner).get("/api/v1/handoff-templates/").json()["results"]) == 1
    new = {
        "name": "Onboarding",
        "record_kind": "account",
        "from_role": "account_manager",
        "to_role": "support",
    }
    assert as_(world.owner).post("/api/v1/handoff-templates/", new, format="json").status_code == 403
    assert HandoffTemplate.objects.count() == 1
    answer = as_(world.admin).post(
        "/api/v1/handoff-templates/", {**new, "trigger": "deal_won"}, format="json"
    )
    assert answer.status_code == 400 and "trigger" in answer.json()
    answer = as_(world.admin).post(
        "/api/v1/handoff-templates/", {**new, "trigger": "account_onboarding"}, format="json"
    )
    assert answer.status_code == 201, answer.json()
