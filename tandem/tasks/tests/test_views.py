"""The task pages: tabs and filters, quick add, the form with its repeat picker (times in the
person's zone), the detail page with checklist (htmx) and comments, the board's move endpoint
(200 / 400 / 403 / 404, nothing changed when refused), the record cards and home."""

from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User

from ..models import Task
from .factories import make_task

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def test_tabs_show_mine_assigned_by_me_and_my_teams(world: World) -> None:
    mine = make_task(world.owner, title="Mine to do")
    given = make_task(world.owner, title="Given away", assignee=world.teammate.pk)
    teammates = make_task(world.teammate, title="Teammate's own")
    client = as_(world.owner)
    page = client.get("/tasks/").content.decode()
    assert mine.title in page and given.title not in page
    page = client.get("/tasks/?tab=assigned").content.decode()
    assert given.title in page and mine.title not in page
    assert "My team&#x27;s tasks" not in page  # a rep has no team scope on tasks
    manager = as_(world.manager).get(f"/tasks/?tab=team&team={world.east_sales.pk}").content.decode()
    assert all(t.title.replace("'", "&#x27;") in manager for t in (mine, given, teammates))
    assert as_(world.outsider).get(f"/tasks/{mine.pk}/").status_code == 404


def test_overdue_rows_are_marked_and_filtered(world: World) -> None:
    make_task(world.owner, title="Late one", due_at=timezone.now() - datetime.timedelta(hours=3))
    make_task(world.owner, title="Next month", due_at=timezone.now() + datetime.timedelta(days=30))
    page = as_(world.owner).get("/tasks/?due=overdue").content.decode()
    assert "Late one" in page and "task-row-overdue" in page and "Next month" not in page


def test_the_list_pages_by_keyset(world: World) -> None:
    base = timezone.now()
    for i in range(30):
        make_task(world.owner, title=f"Task {i:02d}", due_at=base + datetime.timedelta(hours=i))
    client = as_(world.owner)
    first = client.get("/tasks/")
    assert "Task 24" in first.content.decode() and "Task 25" not in first.content.decode()
    after = first.context["next_query"]
    second = client.get(f"/tasks/?{after}").content.decode()
    assert "Task 25" in second and "Task 29" in second and "Task 24" not in second
    assert client.get("/tasks/?after=garbage").status_code == 200


def test_the_list_query_count_stays_flat(world: World) -> None:
    client = as_(world.owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/tasks/").status_code == 200
        return len(ctx.captured_queries)

    make_task(world.owner, labels=["a"], checklist=("x",))
    few = count()
    for i in range(10):
        make_task(
            world.owner,
            title=f"t{i}",
            labels=["b", "c"],
            checklist=("y", "z"),
            collaborators=[world.teammate.pk],
        )
    assert count() == few
    board = as_(world.owner)
    with CaptureQueriesContext(connection) as ctx:
        assert board.get("/tasks/board/").status_code == 200
    with_many = len(ctx.captured_queries)
    for i in range(5):
        make_task(world.owner, title=f"more{i}", labels=["d"])
    with CaptureQueriesContext(connection) as ctx:
        assert board.get("/tasks/board/").status_code == 200
    assert len(ctx.captured_queries) == with_many


def test_the_form_takes_times_in_the_persons_zone_and_builds_the_rule(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(time_zone="America/New_York")
    answer = as_(world.owner).post(
        "/tasks/new/",
        {
            "title": "Weekly pipeline review",
            "priority": "normal",
            "assignee": world.owner.pk,
            "due_date": "2026-12-07",
            "due_time": "09:30",
            "repeat": "weekly",
            "interval": "1",
            "days": ["MO", "TH"],
            "remind": "15",
            "labels": "Review, Team",
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    task = Task.objects.get()
    ny = zoneinfo.ZoneInfo("America/New_York")
    assert task.due_at.astimezone(ny) == datetime.datetime(2026, 12, 7, 9, 30, tzinfo=ny)
    assert task.recurrence == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH" and task.remind_minutes_before == 15
    assert sorted(lb.name for lb in task.labels.all()) == ["Review", "Team"]
    page = as_(world.owner).get(f"/tasks/{task.pk}/").content.decode()
    assert "Every week (Mon、Thu)" in page


def test_the_form_shows_errors_inline(world: World) -> None:
    answer = as_(world.owner).post("/tasks/new/", {"title": "", "priority": "normal", "repeat": "daily"})
    assert answer.status_code == 400
    form = answer.context["form"]
    assert "title" in form.errors
    answer = as_(world.owner).post("/tasks/new/", {"title": "x", "priority": "normal", "repeat": "daily"})
    assert answer.status_code == 400 and "repeat" in answer.context["form"].errors
    assert not Task.objects.exists()


def test_quick_add_and_a_task_pre_linked_from_a_record(world: World) -> None:
    client = as_(world.owner)
    assert (
        client.post("/tasks/quick-add/", {"title": "Buy coffee", "due_date": "2026-12-08"}).status_code == 302
    )
    task = Task.objects.get()
    assert task.all_day and task.assignee_id == world.owner.pk
    deal = DealFactory(owner=world.owner)
    form = client.get(f"/tasks/new/?record_type=deal&record_id={deal.pk}")
    assert form.context["form"].initial["record_id"] == deal.pk
    answer = client.post(
        "/tasks/new/",
        {"title": "Deal follow-up", "priority": "normal", "record_type": "deal", "record_id": deal.pk},
    )
    assert answer.status_code == 302
    linked = Task.objects.get(title="Deal follow-up")
    assert (linked.record_type, linked.record_id) == ("deal", deal.pk)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Deal follow-up" in page and "data-tasks-card" in page
    assert f"/tasks/{linked.pk}/" in client.get(f"/tasks/{linked.pk}/").content.decode()


def test_the_account_contact_and_lead_pages_carry_the_tasks_card(world: World) -> None:
    account = AccountFactory(owner=world.owner, team=world.east_sales)
    make_task(world.owner, title="Visit the plant", record_type="account", record_id=account.pk)
    page = as_(world.owner).get(f"/customers/accounts/{account.pk}/").content.decode()
    assert "Visit the plant" in page
    assert (
        "Visit the plant"
        not in as_(world.sibling_manager).get(f"/customers/accounts/{account.pk}/").content.decode()
    )


def test_the_checklist_ticks_by_htmx_and_a_collaborator_may_tick(world: World) -> None:
    task = make_task(world.owner, checklist=("Draft",), collaborators=[world.teammate.pk])
    item = task.checklist.get()
    client = as_(world.teammate)
    answer = client.post(f"/tasks/{task.pk}/checklist/{item.pk}/toggle/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "bi-check-square-fill" in answer.content.decode()
    assert client.post(f"/tasks/{task.pk}/checklist/", {"text": "More"}).status_code == 403
    assert (
        as_(world.owner)
        .post(f"/tasks/{task.pk}/checklist/", {"text": ""}, HTTP_HX_REQUEST="true")
        .status_code
        == 400
    )
    assert list(task.checklist.values_list("text", "done")) == [("Draft", True)]


def test_the_board_move_endpoint(world: World) -> None:
    task = make_task(world.owner, collaborators=[world.teammate.pk])
    other = make_task(world.owner, title="other")

    def move(user: User, pk: int, body: object) -> tuple[int, dict[str, object]]:
        answer = as_(user).post(f"/tasks/{pk}/move/", json.dumps(body), content_type="application/json")
        return answer.status_code, answer.json()

    code, data = move(world.owner, task.pk, {"status": "in_progress", "after": other.pk})
    assert code == 200 and data["status"] == "in_progress"
    assert move(world.owner, task.pk, {"status": "flying"})[0] == 400
    assert move(world.outsider, task.pk, {"status": "done"})[0] == 404
    assert move(world.owner, 10**12, {"status": "done"})[0] == 404
    # A collaborator may change the status; a rep who only sees the team's tasks through nothing
    # cannot reach it at all.
    assert move(world.teammate, task.pk, {"status": "done"})[0] == 200
    assert Task.objects.get(pk=task.pk).status == "done"
    answer = as_(world.owner).post(f"/tasks/{task.pk}/move/", "{not json", content_type="application/json")
    assert answer.status_code == 400
    page = as_(world.owner).get("/tasks/board/").content.decode()
    assert "data-task-list" in page and "other" in page


def test_the_board_refuses_a_viewer_who_may_not_work_on_the_task(world: World) -> None:
    # The director sees every task (scope all) and may edit it; support sees none of East's.
    task = make_task(world.owner)
    answer = as_(world.support).post(
        f"/tasks/{task.pk}/move/", json.dumps({"status": "done"}), content_type="application/json"
    )
    assert answer.status_code == 404
    assert Task.objects.get(pk=task.pk).status == "todo"


def test_home_shows_todays_tasks(world: World) -> None:
    make_task(world.owner, title="Due this hour", due_at=timezone.now() - datetime.timedelta(minutes=5))
    page = as_(world.owner).get("/").content.decode()
    assert "Due this hour" in page


def test_pages_read_in_chinese(world: World) -> None:
    task = make_task(world.owner)
    page = as_(world.owner, "zh-hans").get(f"/tasks/{task.pk}/").content.decode()
    assert "清单" in page


def test_a_deleted_task_waits_in_the_recycle_bin_and_comes_back(world: World) -> None:
    task = make_task(world.owner, title="Bin me")
    client = as_(world.owner)
    assert client.post(f"/tasks/{task.pk}/delete/").status_code == 302
    assert as_(world.outsider).post(f"/tasks/{task.pk}/delete/").status_code == 404
    assert "Bin me" in client.get("/recycle-bin/").content.decode()
    assert client.post(f"/recycle-bin/tasks.task/{task.pk}/restore/").status_code == 302
    assert Task.objects.filter(pk=task.pk).exists()
