"""The assignment rules pages: list, edit with members, preview and assign."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tandem.assignment import services
from tandem.assignment.models import AssignmentRule
from tandem.core.models import Notification
from tandem.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "East",
        "resource": "lead",
        "strategy": "least_loaded",
        "order": "1",
        "is_active": "on",
        "provinces": "上海，浙江",
        "cities": "",
        "industries": "",
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "0",
        "members-0-user": str(world.owner.pk),
        "members-0-capacity": "3",
        "members-0-is_active": "on",
        "members-1-user": "",
        "members-1-capacity": "",
        **extra,
    }


def test_it_shows_rules_to_an_administrator(world: Any) -> None:
    services.rule_save(actor=world.actor(world.admin), data={"name": "Everyone", "resource": "lead"})
    response = as_(world.admin).get("/assignment/")
    assert response.status_code == 200
    assert "Everyone" in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "owner", "outsider"])
def test_it_refuses_the_rule_pages_to_non_administrators(world: Any, who: str) -> None:
    rule = services.rule_save(actor=world.actor(world.admin), data={"name": "Keep", "resource": "lead"})
    client = as_(getattr(world, who))
    assert client.get("/assignment/").status_code == 403
    assert client.post("/assignment/new/", form_data(world)).status_code == 403
    assert client.post(f"/assignment/{rule.pk}/", form_data(world)).status_code == 403
    assert client.post(f"/assignment/{rule.pk}/delete/").status_code == 403
    rule.refresh_from_db()
    assert rule.name == "Keep" and AssignmentRule.objects.count() == 1


def test_it_creates_a_rule_with_members_and_capacities(world: Any) -> None:
    response = as_(world.admin).post("/assignment/new/", form_data(world))
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.provinces == ["上海", "浙江"] and rule.strategy == "least_loaded"
    assert [(m.user, m.capacity) for m in rule.memberships.all()] == [(world.owner, 3)]


def test_it_shows_inline_errors_for_bad_input(world: Any) -> None:
    response = as_(world.admin).post("/assignment/new/", form_data(world, name="", levels=["A"]))
    assert response.status_code == 400
    assert not AssignmentRule.objects.exists()


def test_it_edits_a_rule_and_replaces_members(world: Any) -> None:
    rule = services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "Old", "resource": "lead"},
        members=[services.MemberSpec(user=world.teammate)],
    )
    page = as_(world.admin).get(f"/assignment/{rule.pk}/")
    assert page.status_code == 200 and "Tom Teammate" in page.content.decode()
    response = as_(world.admin).post(f"/assignment/{rule.pk}/", form_data(world, name="New"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "New"
    assert [m.user for m in rule.memberships.all()] == [world.owner]


def test_the_run_page_previews_then_assigns_the_ticked_records(world: Any) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "All", "resource": "lead"},
        members=[services.MemberSpec(user=world.teammate)],
    )
    lead = LeadFactory(name="Wang", company="")
    client = as_(world.admin)
    page = client.get("/assignment/run/?resource=lead")
    assert page.status_code == 200
    assert "Tom Teammate" in page.content.decode()
    lead.refresh_from_db()
    assert lead.owner is None
    response = client.post("/assignment/run/", {"resource": "lead", "ids": [str(lead.pk)]})
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.owner == world.teammate
    assert "1 record was assigned." in response.content.decode()
    assert Notification.objects.filter(recipient=world.teammate).exists()


def test_the_run_page_is_refused_without_the_assign_grant(world: Any) -> None:
    lead = LeadFactory()
    assert as_(world.owner).get("/assignment/run/").status_code == 403
    assert (
        as_(world.owner).post("/assignment/run/", {"resource": "lead", "ids": [lead.pk]}).status_code == 403
    )
    lead.refresh_from_db()
    assert lead.owner is None


def test_the_run_page_answers_404_for_a_record_the_manager_cannot_see(world: Any) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "All", "resource": "lead"},
        members=[services.MemberSpec(user=world.teammate)],
    )
    lead = LeadFactory()
    response = as_(world.sibling_manager).post("/assignment/run/", {"resource": "lead", "ids": [lead.pk]})
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.owner is None


@pytest.mark.parametrize("count", [5, 40])
def test_the_run_page_query_count_does_not_grow_with_leads(
    world: Any, count: int, django_assert_max_num_queries: Any
) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "All", "resource": "lead"},
        members=[
            services.MemberSpec(user=world.teammate, capacity=10),
            services.MemberSpec(user=world.owner),
        ],
    )
    for _ in range(count):
        LeadFactory()
    client = as_(world.admin)
    with django_assert_max_num_queries(20):
        response = client.get("/assignment/run/?resource=lead")
    assert response.status_code == 200
