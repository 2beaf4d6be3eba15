"""Projects' services and access: who sees and changes what (outsiders 404 with nothing
changed), members seeing every task of the project, progress maths, section moves."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.core import access
from tandem.core.models import Notification
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User
from tandem.tasks.models import Task, TaskStatus

from .. import selectors, services
from ..models import Project, ProjectMember, ProjectTask
from .factories import project, task

pytestmark = pytest.mark.django_db


def visible_ids(world: World, user: User) -> set[int]:
    return set(
        access.visible(world.actor(user), "project", Project.objects.all()).values_list("pk", flat=True)
    )


def test_owner_member_and_manager_see_a_project_an_outsider_does_not(world: World) -> None:
    p = project(world.owner, sections=["Prepare", "Deliver"])
    services.member_add(actor=world.actor(world.owner), project=p, user=world.outsider)
    other = project(world.teammate, name="Teammate's tender")
    assert p.team_id == world.east_sales.pk
    assert list(p.sections.values_list("name", flat=True)) == ["Prepare", "Deliver"]
    assert visible_ids(world, world.owner) == {p.pk}
    assert visible_ids(world, world.outsider) == {p.pk}  # a member from another team
    assert visible_ids(world, world.manager) == {p.pk, other.pk}
    assert visible_ids(world, world.sibling_manager) == set()
    assert visible_ids(world, world.director) == {p.pk, other.pk}


def test_an_outsider_changes_nothing_and_is_told_it_does_not_exist(world: World) -> None:
    p = project(world.owner)
    outsider = world.actor(world.outsider)
    with pytest.raises(Http404):
        services.project_save(actor=outsider, project=p, data={"name": "Mine now"})
    with pytest.raises(Http404):
        services.task_create(actor=outsider, project=p, data={"title": "Sneaky"})
    with pytest.raises(Http404):
        services.member_add(actor=outsider, project=p, user=world.outsider)
    p.refresh_from_db()
    assert p.name == "Key account campaign"
    assert not ProjectTask.objects.exists() and not ProjectMember.objects.exists()


def test_a_member_may_edit_but_not_archive(world: World) -> None:
    p = project(world.owner)
    services.member_add(actor=world.actor(world.owner), project=p, user=world.teammate)
    member = world.actor(world.teammate)
    services.project_save(actor=member, project=p, data={"status": "active"})
    with pytest.raises(PermissionDenied):
        services.project_archive(actor=member, project=p)
    assert Project.objects.filter(pk=p.pk).exists()
    services.project_archive(actor=world.actor(world.owner), project=p)
    assert not Project.objects.filter(pk=p.pk).exists()


def test_adding_a_member_notifies_them_once(world: World) -> None:
    p = project(world.owner)
    owner = world.actor(world.owner)
    services.member_add(actor=owner, project=p, user=world.teammate)
    assert services.member_add(actor=owner, project=p, user=world.teammate) is None
    assert Notification.objects.filter(recipient=world.teammate, kind="project.member_added").count() == 1


def test_members_see_every_task_of_the_project_others_only_their_own(world: World) -> None:
    p = project(world.owner)
    owner = world.actor(world.owner)
    services.member_add(actor=owner, project=p, user=world.teammate)
    services.member_add(actor=owner, project=p, user=world.outsider)
    mine = task(p, world.owner, "Owner's task")
    theirs = task(p, world.owner, "Teammate's task", assignee=world.teammate)
    assert theirs.task.team_id == world.east_sales.pk
    assert theirs.task.record_type == "project" and theirs.task.record_id == p.pk
    tasks = access.visible(world.actor(world.outsider), "task", Task.objects.all())
    assert set(tasks.values_list("pk", flat=True)) == {mine.task_id, theirs.task_id}
    assert not access.visible(world.actor(world.sibling_manager), "task", Task.objects.all()).exists()
    services.member_remove(actor=owner, project=p, user=world.outsider)
    assert not access.visible(world.actor(world.outsider), "task", Task.objects.all()).exists()


def test_a_task_goes_to_the_owner_or_a_member_only(world: World) -> None:
    p = project(world.owner)
    with pytest.raises(ValidationError) as caught:
        task(p, world.owner, assignee=world.teammate)
    assert "assignee" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        task(p, world.owner, title=" ")
    assert "title" in caught.value.message_dict
    assert not Task.objects.exists()


def test_due_day_is_the_end_of_that_day_in_the_assignees_zone(world: World) -> None:
    world.owner.time_zone = "America/Los_Angeles"
    world.owner.save(update_fields=["time_zone"])
    p = project(world.owner)
    link = task(p, world.owner, due_on=datetime.date(2026, 3, 8))  # the day the clocks go forward
    due = link.task.due_at
    assert due is not None and link.task.all_day
    assert due.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 9, 6, 59, tzinfo=datetime.UTC)


def test_progress_counts_done_of_non_cancelled_tasks_and_met_milestones(world: World) -> None:
    p = project(world.owner)
    owner = world.actor(world.owner)
    links = [task(p, world.owner, f"Task {i}") for i in range(5)]
    for link, state in zip(links, ["done", "done", "cancelled", "in_progress", "todo"], strict=True):
        services.task_set_status(actor=owner, project=p, link=link, status=state)
    services.milestone_save(actor=owner, project=p, milestone=None, data={"name": "Kick-off", "met": True})
    services.milestone_save(actor=owner, project=p, milestone=None, data={"name": "Signed"})
    progress = selectors.progress_of(Project.objects.get(pk=p.pk))
    assert (progress.tasks_done, progress.tasks_total, progress.percent) == (2, 4, 50)
    assert (progress.milestones_met, progress.milestones_total, progress.milestones_percent) == (1, 2, 50)
    empty = selectors.progress_of(project(world.owner, name="Empty"))
    assert empty.percent == 0 and empty.milestones_percent == 0
    assert Task.objects.get(pk=links[0].task_id).completed_at is not None


def test_moving_tasks_between_sections_keeps_positions_dense(world: World) -> None:
    p = project(world.owner, sections=["A", "B"])
    a, b = p.sections.order_by("position")
    owner = world.actor(world.owner)
    one, _two, three = (task(p, world.owner, t, section=a) for t in ("one", "two", "three"))
    services.task_move(actor=owner, project=p, link=three, section=a, index=0)
    assert [x.task.title for x in ProjectTask.objects.filter(section=a).order_by("position")] == [
        "three",
        "one",
        "two",
    ]
    services.task_move(actor=owner, project=p, link=one, section=b, index=5)
    assert list(
        ProjectTask.objects.filter(section=a).order_by("position").values_list("position", flat=True)
    ) == [0, 1]
    assert ProjectTask.objects.get(pk=one.pk).section_id == b.pk
    services.section_delete(actor=owner, section=b)
    moved = ProjectTask.objects.get(pk=one.pk)
    assert moved.section_id is None and moved.project_id == p.pk


def test_moving_to_another_projects_section_is_refused(world: World) -> None:
    p = project(world.owner, sections=["A"])
    q = project(world.owner, name="Other", sections=["X"])
    link = task(p, world.owner)
    with pytest.raises(ValidationError):
        services.task_move(
            actor=world.actor(world.owner), project=p, link=link, section=q.sections.get(), index=0
        )
    assert ProjectTask.objects.get(pk=link.pk).section_id is None


def test_sections_reorder_and_rename(world: World) -> None:
    p = project(world.owner, sections=["A", "B", "C"])
    owner = world.actor(world.owner)
    a, b, c = p.sections.order_by("position")
    services.section_reorder(actor=owner, project=p, order=[c.pk, a.pk, b.pk])
    services.section_rename(actor=owner, section=a, name="Alpha")
    assert list(p.sections.order_by("position").values_list("name", flat=True)) == ["C", "Alpha", "B"]
    with pytest.raises(ValidationError):
        services.section_reorder(actor=owner, project=p, order=[c.pk, a.pk])
    for name in ("A\x00lpha", "\x00"):
        with pytest.raises(ValidationError) as nul:
            services.section_rename(actor=owner, section=a, name=name)
        assert nul.value.message_dict == {"name": ["Null characters are not allowed."]}
        with pytest.raises(ValidationError):
            services.section_add(actor=owner, project=p, name=name)
    assert list(p.sections.order_by("position").values_list("name", flat=True)) == ["C", "Alpha", "B"]


def test_linking_needs_a_visible_record_and_completing_emits_once(world: World) -> None:
    p = project(world.owner)
    owner = world.actor(world.owner)
    hidden = AccountFactory(owner=world.outsider)
    with pytest.raises(ValidationError):
        services.link_record(actor=owner, project=p, resource="account", record=hidden)
    mine = AccountFactory(owner=world.owner)
    services.link_record(actor=owner, project=p, resource="account", record=mine)
    assert [x.pk for x in selectors.projects_linking(owner, "account", mine)] == [p.pk]
    assert selectors.projects_linking(world.actor(world.sibling_manager), "account", mine) == []
    done = services.project_save(actor=owner, project=p, data={"status": "done"})
    assert done.completed_at is not None


def test_a_records_projects_come_newest_first_with_progress_in_two_queries(world: World) -> None:
    owner = world.actor(world.owner)
    mine = AccountFactory(owner=world.owner)
    with CaptureQueriesContext(connection) as none_yet:
        assert selectors.projects_linking(owner, "account", mine) == []
    assert len(none_yet.captured_queries) <= 1  # no project: no progress counts built or run
    made = []
    for name in ("First", "Second", "Third"):
        p = project(world.owner, name=name)
        services.link_record(actor=owner, project=p, resource="account", record=mine)
        made.append(p)
    task(made[1], world.owner, title="Open one")
    for hours, p in zip((3, 1, 2), made, strict=True):
        Project.objects.filter(pk=p.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=hours))
    with CaptureQueriesContext(connection) as read:
        found = selectors.projects_linking(owner, "account", mine, limit=2)
    assert [p.name for p in found] == ["First", "Third"]
    assert len(read.captured_queries) == 2
    assert selectors.progress_of(found[0]).tasks_total == 0
    assert [p.name for p in selectors.projects_linking(owner, "account", mine)][2] == "Second"
    assert selectors.progress_of(selectors.projects_linking(owner, "account", mine)[2]).tasks_total == 1


def test_end_before_start_is_a_field_error(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        project(world.owner, start_on=datetime.date(2026, 5, 2), end_on=datetime.date(2026, 5, 1))
    assert "end_on" in caught.value.message_dict
    assert not Project.objects.exists()


def test_task_set_status_rejects_unknown(world: World) -> None:
    p = project(world.owner)
    link = task(p, world.owner)
    with pytest.raises(ValidationError):
        services.task_set_status(actor=world.actor(world.owner), project=p, link=link, status="nope")
    assert Task.objects.get(pk=link.task_id).status == TaskStatus.TODO


def test_creating_and_completing_emit_events_and_write_history(world: World) -> None:
    from tandem.core import events, history

    seen: list[str] = []
    events.LISTENERS.append(lambda event: seen.append(event.type))
    try:
        p = project(world.owner)
        owner = world.actor(world.owner)
        services.project_save(actor=owner, project=p, data={"status": "done"})
        services.project_save(actor=owner, project=p, data={"description": "Won the tender"})
    finally:
        events.LISTENERS.pop()
    assert [t for t in seen if t.startswith("project.")] == ["project.created", "project.completed"]
    assert history.entries_for(p).count() == 3
