"""/api/v1/projects/: create with field messages (400, nothing written), progress in the
representation, sections, milestones, tasks and members under a project, 404 for outsiders with
nothing changed, and a list whose query count stays flat."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User

from ..models import Milestone, Project, ProjectMember, ProjectTask
from .factories import project, task

pytestmark = pytest.mark.django_db
URL = "/api/v1/projects/"


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def test_create_answers_400_with_field_messages_and_writes_nothing(world: World) -> None:
    client = as_(world.owner, "zh-hans")
    answer = client.post(URL, {"name": "", "status": "nope"}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) >= {"name", "status"}
    answer = client.post(URL, {"name": "X", "start_on": "2026-05-02", "end_on": "2026-05-01"}, format="json")
    assert answer.status_code == 400 and "结束日期不能早于开始日期" in answer.json()["end_on"][0]
    hidden = AccountFactory(owner=world.outsider)
    answer = client.post(URL, {"name": "X", "account_ids": [hidden.pk]}, format="json")
    assert answer.status_code == 400 and "account_ids" in answer.json()
    assert not Project.objects.exists()


def test_create_with_sections_links_and_progress(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    client = as_(world.owner)
    answer = client.post(
        URL, {"name": "Tender", "sections": ["Prepare", "Submit"], "account_ids": [account.pk]}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["accounts"] == [{"id": account.pk, "name": account.name}]
    assert data["progress"]["percent"] == 0 and data["owner"]["id"] == world.owner.pk
    pk = data["id"]
    sections = client.get(f"{URL}{pk}/sections/").json()
    assert [s["name"] for s in sections] == ["Prepare", "Submit"]
    answer = client.post(
        f"{URL}{pk}/tasks/",
        {"title": "Buy the tender documents", "section": sections[0]["id"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["section"]["id"] == sections[0]["id"]
    link_id = answer.json()["id"]
    answer = client.post(
        f"{URL}{pk}/tasks/{link_id}/move/", {"section": sections[1]["id"], "index": 0}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["section"]["id"] == sections[1]["id"]
    answer = client.post(f"{URL}{pk}/milestones/", {"name": "Submitted", "met": True}, format="json")
    assert answer.status_code == 201 and answer.json()["met"] is True
    detail = client.get(f"{URL}{pk}/").json()
    assert detail["progress"]["milestones_met"] == 1 and detail["progress"]["tasks_total"] == 1
    assert client.get(f"{URL}{pk}/tasks/").json()["count"] == 1


def test_task_400s_and_members(world: World) -> None:
    p = project(world.owner)
    client = as_(world.owner)
    answer = client.post(f"{URL}{p.pk}/tasks/", {"title": "X", "assignee": world.teammate.pk}, format="json")
    assert answer.status_code == 400 and "assignee" in answer.json()
    answer = client.post(f"{URL}{p.pk}/tasks/", {"title": "X", "section": 999999}, format="json")
    assert answer.status_code == 400 and "section" in answer.json()
    assert not ProjectTask.objects.exists()
    answer = client.post(f"{URL}{p.pk}/members/", {"user": world.teammate.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["members"] == [
        {"id": world.teammate.pk, "name": str(world.teammate)}
    ]
    answer = client.post(f"{URL}{p.pk}/tasks/", {"title": "X", "assignee": world.teammate.pk}, format="json")
    assert answer.status_code == 201
    assert client.delete(f"{URL}{p.pk}/members/{world.teammate.pk}/").status_code == 200
    assert not ProjectMember.objects.exists()


def test_outsiders_get_404_and_change_nothing(world: World) -> None:
    p = project(world.owner, sections=["A"])
    task(p, world.owner)
    client = as_(world.outsider)
    assert client.get(f"{URL}{p.pk}/").status_code == 404
    assert client.patch(f"{URL}{p.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert client.delete(f"{URL}{p.pk}/").status_code == 404
    assert client.post(f"{URL}{p.pk}/milestones/", {"name": "M"}, format="json").status_code == 404
    assert client.post(f"{URL}{p.pk}/members/", {"user": world.outsider.pk}, format="json").status_code == 404
    p.refresh_from_db()
    assert (
        p.name == "Key account campaign"
        and not Milestone.objects.exists()
        and not ProjectMember.objects.exists()
    )
    assert as_(world.manager).get(f"{URL}{p.pk}/").status_code == 200


def test_a_member_may_not_delete(world: World) -> None:
    p = project(world.owner)
    as_(world.owner).post(f"{URL}{p.pk}/members/", {"user": world.teammate.pk}, format="json")
    assert as_(world.teammate).delete(f"{URL}{p.pk}/").status_code == 403
    assert as_(world.teammate).patch(f"{URL}{p.pk}/", {"status": "active"}, format="json").status_code == 200
    assert as_(world.owner).delete(f"{URL}{p.pk}/").status_code == 204
    assert not Project.objects.filter(pk=p.pk).exists()


def test_the_list_query_count_stays_flat(world: World) -> None:
    def grow(n: int) -> None:
        for i in range(n):
            p = project(world.owner, name=f"P{i}-{Project.all_objects.count()}", sections=["A"])
            task(p, world.owner)
            as_(world.owner).post(f"{URL}{p.pk}/members/", {"user": world.teammate.pk}, format="json")
            as_(world.owner).post(f"{URL}{p.pk}/milestones/", {"name": "M"}, format="json")

    grow(1)
    client = as_(world.owner)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    grow(5)
    with CaptureQueriesContext(connection) as many:
        answer = client.get(f"{URL}?box=mine&status=planned")
    assert answer.json()["count"] == 6
    assert len(many) == len(few)
