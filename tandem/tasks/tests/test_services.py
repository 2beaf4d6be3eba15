"""Task services: who may see, edit and work on a task (assignee, creator, collaborator, manager,
outsider — a refused write changes nothing), status and completion, labels, links to records,
notifications and events."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.core import access, events
from tandem.core.history import entries_for
from tandem.core.models import Notification
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory

from .. import selectors, services
from ..models import ChecklistItem, Task, TaskLabel, TaskStatus
from .factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[events.Event]:
    got: list[events.Event] = []
    monkeypatch.setattr(events, "LISTENERS", [got.append])
    return got


def test_creating_a_task_for_a_teammate_fills_the_team_tells_them_and_emits(
    world: World, heard: list[events.Event]
) -> None:
    task = make_task(
        world.owner, assignee=world.teammate.pk, labels=["Quote", "quote", "VIP"], checklist=("a", "b")
    )
    assert task.team_id == world.east_sales.pk and task.created_by_id == world.owner.pk
    assert sorted(lb.name for lb in task.labels.all()) == ["Quote", "VIP"]
    assert [i.text for i in task.checklist.all()] == ["a", "b"]
    assert Notification.objects.filter(recipient=world.teammate, kind="task.assigned").count() == 1
    assert [e.type for e in heard] == ["task.created"]
    assert entries_for(task).exists()


def test_a_task_for_myself_notifies_nobody(world: World) -> None:
    make_task(world.owner)
    assert not Notification.objects.exists()


def test_bad_input_names_the_fields_and_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        make_task(
            world.owner,
            title=" ",
            priority="huge",
            recurrence="FREQ=HOURLY",
            assignee=world.gone.pk,
            remind_minutes_before=99999,
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"title", "priority", "recurrence", "assignee", "remind_minutes_before"}
    assert not Task.all_objects.exists() and not TaskLabel.objects.exists()


def test_a_repeating_task_needs_a_due_date(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        make_task(world.owner, recurrence="FREQ=DAILY")
    assert "recurrence" in exc.value.message_dict


def test_who_sees_a_task(world: World) -> None:
    task = make_task(world.owner, assignee=world.teammate.pk, collaborators=[world.two_teams.pk])
    for person in (
        world.owner,
        world.teammate,
        world.two_teams,
        world.manager,
        world.east_manager,
        world.director,
    ):
        assert access.visible(world.actor(person), "task", Task.objects.all()).filter(pk=task.pk).exists(), (
            person
        )
    for person in (world.outsider, world.sibling_manager):
        assert not access.visible(world.actor(person), "task", Task.objects.all()).filter(pk=task.pk).exists()


def test_the_assignee_creator_and_manager_edit_a_collaborator_only_works_on_it(world: World) -> None:
    task = make_task(world.owner, assignee=world.teammate.pk, collaborators=[world.two_teams.pk])
    for person in (world.owner, world.teammate, world.manager):
        assert services.may_edit(world.actor(person), task), person
    collaborator = world.actor(world.two_teams)
    assert not services.may_edit(collaborator, task) and services.may_work(collaborator, task)
    with pytest.raises(PermissionDenied):
        services.task_update(actor=collaborator, task=task, data={"title": "Mine now"})
    task.refresh_from_db()
    assert task.title == "Call Li about the quote"
    services.task_set_status(actor=collaborator, task=task, status=TaskStatus.IN_PROGRESS)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


def test_an_outsider_changes_nothing(world: World) -> None:
    task = make_task(world.owner, checklist=("x",))
    outsider = world.actor(world.outsider)
    item = task.checklist.get()
    for attempt in (
        lambda: services.task_update(actor=outsider, task=task, data={"title": "x"}),
        lambda: services.task_set_status(actor=outsider, task=task, status="done"),
        lambda: services.task_delete(actor=outsider, task=task),
        lambda: services.checklist_update(actor=outsider, item=item, done=True),
        lambda: services.checklist_add(actor=outsider, task=task, text="y"),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    task.refresh_from_db()
    assert task.title == "Call Li about the quote" and task.status == "todo" and task.deleted_at is None
    assert list(task.checklist.values_list("text", "done")) == [("x", False)]


def test_done_stamps_completion_tells_the_creator_and_reopen_clears_it(
    world: World, heard: list[events.Event]
) -> None:
    task = make_task(world.owner, assignee=world.teammate.pk)
    heard.clear()
    done = services.task_complete(actor=world.actor(world.teammate), task=task)
    assert done.completed_at is not None
    assert Notification.objects.filter(recipient=world.owner, kind="task.completed").count() == 1
    assert [e.type for e in heard] == ["task.completed"]
    reopened = services.task_reopen(actor=world.actor(world.teammate), task=done)
    assert reopened.status == "todo" and reopened.completed_at is None


def test_reassigning_tells_the_new_assignee_and_moves_the_team(world: World) -> None:
    task = make_task(world.owner)
    services.task_assign(actor=world.actor(world.owner), task=task, assignee=world.support)
    task.refresh_from_db()
    assert task.assignee_id == world.support.pk and task.team_id == world.support_team.pk
    assert Notification.objects.filter(recipient=world.support, kind="task.assigned").exists()


def test_a_task_links_only_to_a_record_the_actor_sees(world: World) -> None:
    mine = AccountFactory(owner=world.owner, team=world.east_sales)
    theirs = AccountFactory(owner=world.outsider, team=world.west_sales)
    task = make_task(world.owner, record_type="account", record_id=mine.pk)
    assert (task.record_type, task.record_id) == ("account", mine.pk)
    with pytest.raises(ValidationError) as exc:
        make_task(world.owner, record_type="account", record_id=theirs.pk)
    assert "record_id" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_task(world.owner, record_type="spaceship", record_id=1)


def test_a_record_shows_only_the_tasks_its_viewer_may_see(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    seen = make_task(world.owner, record_type="deal", record_id=deal.pk)
    managers = make_task(world.manager, record_type="deal", record_id=deal.pk, title="coaching note")
    on_deal = selectors.open_on_record(world.actor(world.manager), "deal", deal.pk)
    assert {t.pk for t in on_deal} == {seen.pk, managers.pk}
    assert [t.pk for t in selectors.open_on_record(world.actor(world.owner), "deal", deal.pk)] == [seen.pk]
    assert selectors.open_on_record(world.actor(world.outsider), "deal", deal.pk) == []


def test_a_record_without_open_tasks_costs_one_query_and_done_ones_stay_off_the_card(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    owner = world.actor(world.owner)
    done = make_task(world.owner, record_type="deal", record_id=deal.pk, title="finished")
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.DONE)
    with CaptureQueriesContext(connection) as none_open:
        assert selectors.open_on_record(owner, "deal", deal.pk) == []
    assert len(none_open.captured_queries) == 1
    later = make_task(world.owner, record_type="deal", record_id=deal.pk, title="later")
    sooner = make_task(world.owner, record_type="deal", record_id=deal.pk, title="sooner")
    Task.objects.filter(pk=later.pk).update(due_at=timezone.now() + datetime.timedelta(days=2))
    Task.objects.filter(pk=sooner.pk).update(due_at=timezone.now() + datetime.timedelta(days=1))
    assert [t.title for t in selectors.open_on_record(owner, "deal", deal.pk)] == ["sooner", "later"]


def test_checklist_add_tick_reorder_delete(world: World) -> None:
    task = make_task(world.owner, checklist=("one", "two"))
    actor = world.actor(world.owner)
    three = services.checklist_add(actor=actor, task=task, text="three")
    services.checklist_update(actor=actor, item=three, done=True)
    ids = list(task.checklist.order_by("position").values_list("pk", flat=True))
    services.checklist_reorder(actor=actor, task=task, ids=list(reversed(ids)))
    assert list(task.checklist.order_by("position").values_list("text", flat=True)) == ["three", "two", "one"]
    services.checklist_delete(actor=actor, item=ChecklistItem.objects.get(text="two"))
    assert list(task.checklist.values_list("text", "done")) == [("three", True), ("one", False)]
    with pytest.raises(ValidationError):
        services.checklist_add(actor=actor, task=task, text="  ")
    with pytest.raises(ValidationError) as nul:
        services.checklist_add(actor=actor, task=task, text="a\x00b")
    assert nul.value.message_dict == {"text": ["Null characters are not allowed."]}
    with pytest.raises(ValidationError):
        services.checklist_update(actor=actor, item=three, text="a\x00b")
    assert list(task.checklist.values_list("text", flat=True)) == ["three", "one"]


def test_a_deleted_task_leaves_the_lists(world: World) -> None:
    task = make_task(world.owner)
    services.task_delete(actor=world.actor(world.owner), task=task)
    assert not access.visible(world.actor(world.owner), "task", Task.objects.all()).exists()
    assert Task.all_objects.get(pk=task.pk).deleted_by_id == world.owner.pk


def test_board_move_sets_status_and_places_between_neighbours(world: World) -> None:
    actor = world.actor(world.owner)
    a, b, c = (make_task(world.owner, title=t) for t in "abc")
    services.task_set_status(actor=actor, task=a, status="in_progress")
    services.task_set_status(actor=actor, task=b, status="in_progress")
    a.refresh_from_db()
    b.refresh_from_db()
    first, second = sorted((a, b), key=lambda t: (t.position, t.pk))
    moved = services.task_move(actor=actor, task=c, status="in_progress", after=first, before=second)
    column = list(
        Task.objects.filter(status="in_progress").order_by("position", "id").values_list("title", flat=True)
    )
    assert moved.status == "in_progress" and column.index("c") == 1
    with pytest.raises(ValidationError):
        services.task_move(actor=actor, task=c, status="sideways")


def test_the_overdue_filter_and_today_in_the_persons_zone(world: World) -> None:
    now = timezone.now()
    late = make_task(world.owner, due_at=now - datetime.timedelta(hours=1))
    make_task(world.owner, due_at=now + datetime.timedelta(days=30))
    actor = world.actor(world.owner)
    found = selectors.apply_filters(actor, selectors.visible_tasks(actor), {"due": "overdue"})
    assert [t.pk for t in found] == [late.pk]
    assert [t.pk for t in selectors.my_day(actor)] == [late.pk]
