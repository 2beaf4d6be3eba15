"""/api/v1/assignment-rules/ and POST /api/v1/assignment/assign/."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.assignment import services
from tandem.assignment.models import AssignmentLog, AssignmentRule
from tandem.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/assignment-rules/"
ASSIGN = "/api/v1/assignment/assign/"


def as_(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def payload(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "East",
        "resource": "lead",
        "strategy": "round_robin",
        "provinces": ["上海"],
        "members": [{"user": world.owner.pk, "capacity": 5}, {"user": world.teammate.pk, "capacity": 0}],
        **extra,
    }


def test_it_lets_an_administrator_create_and_read_a_rule(world: Any) -> None:
    response = as_(world.admin).post(RULES, payload(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provinces"] == ["上海"]
    assert [m["user"] for m in body["members"]] == [world.owner.pk, world.teammate.pk]
    assert body["members"][0]["capacity"] == 5
    listed = as_(world.admin).get(RULES).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_it_answers_400_with_field_messages_for_bad_input(world: Any) -> None:
    response = as_(world.admin).post(RULES, payload(world, name="", strategy="random"), format="json")
    assert response.status_code == 400
    assert {"name", "strategy"} <= set(response.json())
    assert not AssignmentRule.objects.exists()


@pytest.mark.parametrize("who", ["manager", "owner", "outsider"])
def test_it_refuses_rule_changes_to_non_administrators(world: Any, who: str) -> None:
    rule = services.rule_save(actor=world.actor(world.admin), data={"name": "Keep", "resource": "lead"})
    client = as_(getattr(world, who))
    assert client.post(RULES, payload(world), format="json").status_code == 403
    assert client.patch(f"{RULES}{rule.pk}/", {"name": "x"}, format="json").status_code == 403
    assert client.delete(f"{RULES}{rule.pk}/").status_code == 403
    rule.refresh_from_db()
    assert rule.name == "Keep" and AssignmentRule.objects.count() == 1


def test_it_updates_members_and_deletes_a_rule(world: Any) -> None:
    created = as_(world.admin).post(RULES, payload(world), format="json").json()
    response = as_(world.admin).patch(
        f"{RULES}{created['id']}/", {"members": [{"user": world.two_teams.pk, "capacity": 2}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [m["user"] for m in response.json()["members"]] == [world.two_teams.pk]
    assert as_(world.admin).delete(f"{RULES}{created['id']}/").status_code == 204
    assert not AssignmentRule.objects.exists()


def test_it_assigns_records_and_reports_per_record_results(world: Any) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "Shanghai", "resource": "lead", "provinces": ["上海"]},
        members=[services.MemberSpec(user=world.owner)],
    )
    matching = LeadFactory(province="上海")
    other = LeadFactory(province="北京")
    response = as_(world.admin).post(
        ASSIGN, {"resource": "lead", "ids": [matching.pk, other.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert results[0]["assigned"] is True
    assert results[0]["assignee"] == {"id": world.owner.pk, "name": str(world.owner)}
    assert results[0]["rule"]["name"] == "Shanghai"
    assert results[1] == {
        "id": other.pk,
        "name": str(other),
        "assigned": False,
        "assignee": None,
        "rule": None,
        "reason": "no active rule matches",
    }


def test_it_answers_404_for_records_the_caller_cannot_see_and_changes_nothing(world: Any) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "All", "resource": "lead"},
        members=[services.MemberSpec(user=world.teammate)],
    )
    theirs = LeadFactory(owner=world.owner)
    unowned = LeadFactory()
    response = as_(world.sibling_manager).post(
        ASSIGN, {"resource": "lead", "ids": [theirs.pk, unowned.pk]}, format="json"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    unowned.refresh_from_db()
    assert theirs.owner == world.owner and unowned.owner is None
    assert not AssignmentLog.objects.exists()


def test_it_answers_403_without_the_assign_grant(world: Any) -> None:
    lead = LeadFactory(owner=world.owner)
    response = as_(world.owner).post(ASSIGN, {"resource": "lead", "ids": [lead.pk]}, format="json")
    assert response.status_code == 403


def test_it_validates_the_assign_input(world: Any) -> None:
    response = as_(world.admin).post(ASSIGN, {"resource": "deal", "ids": []}, format="json")
    assert response.status_code == 400
    assert {"resource", "ids"} <= set(response.json())
