"""The pages: write from the draft, lists, one report with receipts, missing, statistics, admin."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.conftest import World
from tandem.org.models import User

from .. import services
from ..models import Report, ReportKind, ReportRead, ReportStatus, SubmissionRule
from .helpers import ANSWERS, WEDNESDAY, daily_rule

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_write_a_report_from_its_draft_and_send_it(world: World) -> None:
    client = login(world.owner)
    page = client.get("/reports/write/", {"kind": "daily", "date": WEDNESDAY.isoformat()})
    assert page.status_code == 200
    assert "Plan from the previous report" in page.content.decode()
    missing_plan = client.post(
        f"/reports/write/?kind=daily&date={WEDNESDAY.isoformat()}",
        {"answer_done": "Visited Acme", "answer_plan": "", "submit": "1"},
    )
    assert missing_plan.status_code == 400
    assert not Report.objects.exists()
    sent = client.post(
        f"/reports/write/?kind=daily&date={WEDNESDAY.isoformat()}",
        {"answer_done": "Visited Acme", "answer_plan": "Call Acme", "submit": "1"},
    )
    assert sent.status_code == 302
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.answers["plan"] == "Call Acme"
    # The same period opens the sent report instead of a second one.
    assert (
        client.get("/reports/write/", {"kind": "daily", "date": WEDNESDAY.isoformat()}).url
        == f"/reports/{report.pk}/"
    )


def test_a_draft_opens_for_editing_and_saves_in_chinese(world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    draft = services.report_create(actor=world.actor(world.owner), kind=ReportKind.WEEKLY, day=WEDNESDAY)
    client = login(world.owner)
    page = client.get(f"/reports/{draft.pk}/")
    assert page.status_code == 302 and page.url == f"/reports/{draft.pk}/edit/"
    edit = client.get(page.url)
    assert edit.status_code == 200 and "下周计划" in edit.content.decode()
    saved = client.post(page.url, {"answer_done": "本周成果", "answer_plan": "下周拜访", "save": "1"})
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.answers["plan"] == "下周拜访"
    assert login(world.manager).get(f"/reports/{draft.pk}/edit/").status_code == 404


def test_the_report_page_shows_receipts_and_leaves_one(world: World) -> None:
    report = services.report_create(
        actor=world.actor(world.owner), kind=ReportKind.DAILY, day=WEDNESDAY, answers=ANSWERS, submit=True
    )
    page = login(world.manager).get(f"/reports/{report.pk}/")
    assert page.status_code == 200 and "Call Acme about the tender." in page.content.decode()
    assert ReportRead.objects.filter(user=world.manager).exists()
    assert login(world.teammate).get(f"/reports/{report.pk}/").status_code == 404
    assert login(world.manager).post(f"/reports/{report.pk}/like/").status_code == 302
    assert report.likes.count() == 1


def test_lists_missing_statistics_and_remind(world: World) -> None:
    daily_rule(world.east_sales)
    client = login(world.manager)
    for url in (
        "/reports/",
        "/reports/?box=received",
        "/reports/?box=team",
        "/reports/statistics/?kind=daily",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get("/reports/missing/", {"kind": "daily", "date": WEDNESDAY.isoformat()})
    assert page.status_code == 200 and world.owner.display_name in page.content.decode()
    form = {"person": world.owner.pk, "kind": "daily", "period_start": WEDNESDAY.isoformat()}
    assert client.post("/reports/missing/remind/", form).status_code == 302
    assert client.post("/reports/missing/remind/", form).status_code == 302
    from tandem.core.models import Notification

    assert Notification.objects.filter(kind="report.reminder", recipient=world.owner).count() == 1
    assert login(world.sibling_manager).post("/reports/missing/remind/", form).status_code == 404


def test_a_reminder_for_a_person_who_is_not_a_number_answers_404(world: World) -> None:
    from tandem.core.models import Notification

    daily_rule(world.east_sales)
    client = login(world.manager)
    for person in ("1e309", "abc", "-1", "99999999999999999999999999", "", "١"):
        form = {"person": person, "kind": "daily", "period_start": WEDNESDAY.isoformat()}
        assert client.post("/reports/missing/remind/", form).status_code == 404, person
    assert not Notification.objects.filter(kind="report.reminder").exists()


def test_administrators_edit_templates_with_inline_errors_and_rules(world: World) -> None:
    client = login(world.admin)
    assert client.get("/reports/templates/").status_code == 200
    bad = client.post(
        "/reports/templates/new/", {"name": "Visits", "kind": "daily", "sections": "Bad Key | text | Visits"}
    )
    assert bad.status_code == 400 and "Section 1" in bad.content.decode()
    good = client.post(
        "/reports/templates/new/",
        {
            "name": "Visits",
            "kind": "daily",
            "sections": "visits | text | Visits | 拜访\n?notes | question | Notes",
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    rule = client.post(
        "/reports/rules/new/",
        {
            "kind": "daily",
            "team": world.east_sales.pk,
            "due_time": "18:00",
            "working_days": [0, 1, 2, 3, 4],
            "weekday": 4,
            "remind_minutes_before": 30,
            "is_active": "on",
        },
    )
    assert rule.status_code == 302, rule.content.decode()[:2000]
    assert SubmissionRule.objects.get().remind_minutes_before == 30
    for url in (
        "/reports/rules/",
        f"/reports/rules/{SubmissionRule.objects.get().pk}/",
        "/reports/templates/",
    ):
        assert client.get(url).status_code == 200, url
    assert login(world.owner).get("/reports/templates/").status_code == 403


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_outside_1900_to_2100_shows_today_not_an_error(world: World, day: str) -> None:
    # Found by probing the pages' date parameters: the day before the year 1 and the day after
    # 9999-12-31 do not exist, and the pages that page to them answered 500.
    client = login(world.manager)
    for url in ("/reports/write/", "/reports/missing/"):
        assert client.get(url, {"kind": "daily", "date": day}).status_code == 200
    reminded = client.post(
        "/reports/missing/remind/", {"kind": "daily", "period_start": day, "person": world.owner.pk}
    )
    assert reminded.status_code == 404
