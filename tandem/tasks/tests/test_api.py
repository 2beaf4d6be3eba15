"""/api/v1/tasks/ and /api/v1/task-labels/: create, filters, edit, complete and reopen, checklist,
400s with field messages, 404 for a task the caller may not see (nothing changed), flat queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User

from ..models import Task
from .factories import make_task

pytestmark = pytest.mark.django_db
URL = "/api/v1/tasks/"


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def test_create_with_checklist_labels_and_a_link(world: World) -> None:
    account = AccountFactory(owner=world.owner, team=world.east_sales)
    answer = as_(world.owner).post(
        URL,
        {
            "title": "Send the quote",
            "assignee": world.teammate.pk,
            "due_at": "2026-12-10T09:00:00+08:00",
            "labels": ["Quote"],
            "checklist": ["Price list", "Terms"],
            "record_type": "account",
            "record_id": account.pk,
            "recurrence": "FREQ=WEEKLY;BYDAY=TH",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["assignee"]["id"] == world.teammate.pk and data["team"] == world.east_sales.pk
    assert [i["text"] for i in data["checklist"]] == ["Price list", "Terms"]
    assert [lb["name"] for lb in data["labels"]] == ["Quote"]
    assert data["record"]["type"] == "account" and data["record"]["id"] == account.pk
    assert data["recurrence"] == "FREQ=WEEKLY;BYDAY=TH"
    labels = as_(world.teammate).get("/api/v1/task-labels/").json()
    assert [lb["name"] for lb in labels["results"]] == ["Quote"]


def test_bad_input_answers_400_with_field_messages_in_the_callers_language(world: World) -> None:
    theirs = AccountFactory(owner=world.outsider, team=world.west_sales)
    answer = as_(world.owner).post(
        URL,
        {"title": "x", "recurrence": "FREQ=HOURLY", "record_type": "account", "record_id": theirs.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"recurrence", "record_id"}
    answer = as_(world.owner, "zh-hans").post(URL, {"title": ""}, format="json")
    assert answer.status_code == 400 and "title" in answer.json()
    bad = as_(world.owner).post(URL, {"title": "x", "priority": "huge", "due_at": "soon"}, format="json")
    assert bad.status_code == 400 and {"priority", "due_at"} <= set(bad.json())
    assert not Task.objects.exists()
    assert as_(world.owner).get(URL, {"assignee": "nobody"}).status_code == 400


def test_list_filters(world: World) -> None:
    now = timezone.now()
    account = AccountFactory(owner=world.owner, team=world.east_sales)
    late = make_task(world.owner, due_at=now - datetime.timedelta(days=1), labels=["VIP"])
    linked = make_task(
        world.owner, due_at=now + datetime.timedelta(days=3), record_type="account", record_id=account.pk
    )
    theirs = make_task(world.owner, assignee=world.teammate.pk)
    client = as_(world.owner)

    def ids(**params: object) -> list[int]:
        answer = client.get(URL, params)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids(assignee="me") == [late.pk, linked.pk]
    assert ids(assignee=world.teammate.pk) == [theirs.pk]
    assert ids(overdue="true") == [late.pk]
    assert ids(label="VIP") == [late.pk]
    assert ids(record_type="account", record_id=account.pk) == [linked.pk]
    assert ids(due_after=now.isoformat(), due_before=(now + datetime.timedelta(days=5)).isoformat()) == [
        linked.pk
    ]
    assert ids(status="done") == []


def test_complete_reopen_and_patch(world: World) -> None:
    task = make_task(world.owner)
    client = as_(world.owner)
    done = client.post(f"{URL}{task.pk}/complete/")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]
    reopened = client.post(f"{URL}{task.pk}/reopen/").json()
    assert reopened["status"] == "todo" and reopened["completed_at"] is None
    patched = client.patch(f"{URL}{task.pk}/", {"title": "Renamed", "priority": "high"}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Renamed"
    assert client.delete(f"{URL}{task.pk}/").status_code == 204
    assert client.get(f"{URL}{task.pk}/").status_code == 404


def test_checklist_endpoints(world: World) -> None:
    task = make_task(world.owner, collaborators=[world.teammate.pk])
    client = as_(world.owner)
    item = client.post(f"{URL}{task.pk}/checklist/", {"text": "Print"}, format="json")
    assert item.status_code == 201
    item_id = item.json()["id"]
    # A collaborator ticks it but may not reword it.
    collaborator = as_(world.teammate)
    ticked = collaborator.patch(f"{URL}{task.pk}/checklist/{item_id}/", {"done": True}, format="json")
    assert ticked.status_code == 200 and ticked.json()["done"] is True
    assert (
        collaborator.patch(f"{URL}{task.pk}/checklist/{item_id}/", {"text": "x"}, format="json").status_code
        == 403
    )
    assert client.get(f"{URL}{task.pk}/checklist/").json()[0]["text"] == "Print"
    assert client.post(f"{URL}{task.pk}/checklist/", {"text": ""}, format="json").status_code == 400
    assert client.delete(f"{URL}{task.pk}/checklist/{item_id}/").status_code == 204


def test_an_outsider_gets_404_and_changes_nothing(world: World) -> None:
    task = make_task(world.owner, checklist=("x",))
    client = as_(world.outsider)
    item = task.checklist.get()
    for answer in (
        client.get(f"{URL}{task.pk}/"),
        client.patch(f"{URL}{task.pk}/", {"title": "Hijacked"}, format="json"),
        client.post(f"{URL}{task.pk}/complete/"),
        client.delete(f"{URL}{task.pk}/"),
        client.patch(f"{URL}{task.pk}/checklist/{item.pk}/", {"done": True}, format="json"),
        client.post(f"{URL}{task.pk}/move/", {"status": "done"}, format="json"),
    ):
        assert answer.status_code == 404
    task.refresh_from_db()
    assert task.title == "Call Li about the quote" and task.status == "todo" and task.deleted_at is None
    assert not task.checklist.get().done


def test_a_manager_edits_the_teams_tasks_a_collaborator_only_their_status(world: World) -> None:
    task = make_task(world.owner, collaborators=[world.teammate.pk])
    assert (
        as_(world.manager).patch(f"{URL}{task.pk}/", {"priority": "urgent"}, format="json").status_code == 200
    )
    collaborator = as_(world.teammate)
    assert collaborator.patch(f"{URL}{task.pk}/", {"title": "Mine"}, format="json").status_code == 403
    assert collaborator.patch(f"{URL}{task.pk}/", {"status": "in_progress"}, format="json").status_code == 200
    task.refresh_from_db()
    assert (
        task.title == "Call Li about the quote" and task.status == "in_progress" and task.priority == "urgent"
    )


def test_the_list_query_count_stays_flat(world: World) -> None:
    client = as_(world.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    make_task(world.owner, labels=["a"], checklist=("x",), collaborators=[world.teammate.pk])
    few = count()
    for i in range(8):
        make_task(
            world.teammate,
            title=f"t{i}",
            labels=["b", "c"],
            checklist=("y", "z"),
            collaborators=[world.owner.pk],
        )
    assert count() == few


def test_a_due_time_out_of_the_business_range_answers_400(world: World) -> None:
    answer = as_(world.owner).post(URL, {"title": "x", "due_at": "0429-11-19T18:35:52Z"}, format="json")
    assert answer.status_code == 400 and "due_at" in answer.json()
    assert as_(world.owner).get(URL, {"due_before": "9999-01-01T00:00:00Z"}).status_code == 400
    assert not Task.objects.exists()
