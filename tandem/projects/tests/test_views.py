"""The project pages: the list (query count flat as projects grow), the project page's tabs in
both languages (the timeline included), forms with inline errors, the board's drag endpoint,
the card on account and deal pages, and 404 for people who may not see a project."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.core.access import Actor
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User

from .. import services
from ..models import Project, ProjectTask
from .factories import project, task

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def full_project(world: World, name: str = "Key account campaign") -> Project:
    today = timezone.localdate()
    p = project(world.owner, name=name, sections=["Prepare", "Deliver"], start_on=today)
    owner = Actor.for_user(world.owner)
    services.member_add(actor=owner, project=p, user=world.teammate)
    section = p.sections.first()
    for i in range(3):
        task(
            p,
            world.owner,
            f"Task {i}",
            assignee=world.teammate,
            section=section,
            start_on=today + datetime.timedelta(days=i),
            due_on=today + datetime.timedelta(days=i + 3),
        )
    services.milestone_save(
        actor=owner,
        project=p,
        milestone=None,
        data={"name": "Tender sent", "due_on": today + datetime.timedelta(days=5)},
    )
    return p


def test_the_list_query_count_stays_flat_as_projects_grow(world: World) -> None:
    full_project(world)
    client = as_(world.owner)
    client.get("/projects/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/projects/?box=all")
    assert page.status_code == 200 and "Key account campaign" in page.content.decode()
    for i in range(6):
        full_project(world, f"Project {i}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/projects/?box=all")
    assert "Project 5" in page.content.decode()
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "language,words",
    [("en", ["Timeline", "Tender sent", "Today"]), ("zh-hans", ["时间线", "Tender sent", "今天"])],
)
def test_every_tab_renders_in_both_languages(world: World, language: str, words: list[str]) -> None:
    p = full_project(world)
    client = as_(world.teammate, language)
    for tab in ("board", "list", "timeline", "milestones", "members", "links", "history"):
        page = client.get(f"/projects/{p.pk}/?tab={tab}")
        assert page.status_code == 200, tab
    timeline = client.get(f"/projects/{p.pk}/?tab=timeline").content.decode()
    for word in words:
        assert word in timeline
    assert timeline.count('class="gantt-bar') == 3 and 'class="gantt-milestone' in timeline
    joined = {"en": "Tom Teammate joined the project.", "zh-hans": "Tom Teammate 加入了项目。"}[language]
    assert joined in client.get(f"/projects/{p.pk}/?tab=history").content.decode()


def test_an_outsider_gets_404_and_cannot_post(world: World) -> None:
    p = full_project(world)
    client = as_(world.outsider)
    assert client.get(f"/projects/{p.pk}/").status_code == 404
    assert (
        client.post(
            f"/projects/{p.pk}/tasks/", {"title": "Sneaky", "assignee": world.outsider.pk}
        ).status_code
        == 404
    )
    assert client.post(f"/projects/{p.pk}/archive/").status_code == 404
    assert ProjectTask.objects.filter(project=p).count() == 3
    assert Project.objects.filter(pk=p.pk).exists()


def test_the_task_form_shows_errors_inline_and_writes_nothing(world: World) -> None:
    p = full_project(world)
    answer = as_(world.owner).post(
        f"/projects/{p.pk}/tasks/",
        {
            "title": "",
            "assignee": world.owner.pk,
            "priority": "normal",
            "start_on": "2026-05-02",
            "due_on": "2026-05-01",
        },
    )
    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()
    assert ProjectTask.objects.filter(project=p).count() == 3
    answer = as_(world.owner).post(
        f"/projects/{p.pk}/tasks/",
        {
            "title": "Visit",
            "assignee": world.owner.pk,
            "priority": "normal",
            "start_on": "2026-05-02",
            "due_on": "2026-05-01",
        },
    )
    assert answer.status_code == 400 and "cannot be before the start" in answer.content.decode()
    answer = as_(world.owner).post(
        f"/projects/{p.pk}/tasks/", {"title": "Visit", "assignee": world.owner.pk, "priority": "normal"}
    )
    assert answer.status_code == 302
    assert ProjectTask.objects.filter(project=p, task__title="Visit").exists()


def test_the_board_drag_moves_a_task(world: World) -> None:
    p = full_project(world)
    link = ProjectTask.objects.filter(project=p).order_by("position").last()
    assert link is not None
    target = p.sections.order_by("position").last()
    assert target is not None
    client = as_(world.teammate)  # a member may move cards
    answer = client.post(f"/projects/{p.pk}/tasks/{link.pk}/move/", {"section": target.pk, "index": 0})
    assert answer.status_code == 200 and answer.json()["ok"] is True
    assert ProjectTask.objects.get(pk=link.pk).section_id == target.pk
    bad = client.post(f"/projects/{p.pk}/tasks/{link.pk}/move/", {"section": "x", "index": 0})
    assert bad.status_code == 400
    assert ProjectTask.objects.get(pk=link.pk).section_id == target.pk


def test_create_form_and_edit_form(world: World) -> None:
    client = as_(world.owner)
    assert client.get("/projects/new/").status_code == 200
    answer = client.post("/projects/new/", {"name": "", "owner": world.owner.pk, "status": "planned"})
    assert answer.status_code == 400 and not Project.objects.exists()
    answer = client.post(
        "/projects/new/",
        {"name": "Launch", "owner": world.owner.pk, "status": "planned", "sections": "One\nTwo"},
    )
    assert answer.status_code == 302
    p = Project.objects.get(name="Launch")
    assert p.sections.count() == 2
    assert client.get(f"/projects/{p.pk}/edit/").status_code == 200


def test_account_page_shows_the_projects_card(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    p = project(world.owner, name="Campaign at the account")
    services.link_record(actor=Actor.for_user(world.owner), project=p, resource="account", record=account)
    page = as_(world.owner).get(account.get_absolute_url()).content.decode()
    assert "Campaign at the account" in page
