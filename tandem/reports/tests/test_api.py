"""/api/v1/reports/ (+ draft, missing, submit, read, like), /api/v1/report-templates/ and
/api/v1/report-rules/: field messages, 404 for people who may not see (nothing changed), flat
query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World

from .. import services
from ..models import Report, ReportKind, ReportRead, ReportStatus, ReportTemplate, SubmissionRule
from .helpers import ANSWERS, WEDNESDAY, as_, at, daily_rule

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


def test_draft_returns_the_drafted_report_without_saving(world: World) -> None:
    ActivityFactory(author=world.owner, occurred_at=at(WEDNESDAY, 3))
    answer = as_(world.owner).get(f"{URL}draft/", {"kind": "daily", "date": WEDNESDAY.isoformat()})
    assert answer.status_code == 200, answer.json()
    data = answer.json()
    assert data["figures"]["follow_ups"]["count"] == 1
    assert data["period_start"] == data["period_end"] == WEDNESDAY.isoformat()
    assert "follow-up" in data["answers"]["done"]
    assert not Report.objects.exists()
    assert as_(world.owner).get(f"{URL}draft/", {"kind": "yearly"}).status_code == 400
    future = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    bad = as_(world.owner).get(f"{URL}draft/", {"kind": "daily", "date": future})
    assert bad.status_code == 400 and "date" in bad.json()


def test_create_patch_submit_read_like(world: World) -> None:
    client = as_(world.owner)
    created = client.post(URL, {"kind": "daily", "date": WEDNESDAY.isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    refused = client.post(f"{URL}{pk}/submit/", {}, format="json")
    assert refused.status_code == 400 and "answers" in refused.json()
    patched = client.patch(f"{URL}{pk}/", {"answers": {"plan": "Call Acme"}}, format="json")
    assert patched.status_code == 200 and patched.json()["answers"]["plan"] == "Call Acme"
    done = client.post(f"{URL}{pk}/submit/", {"recipients": [world.two_teams.pk]}, format="json")
    assert done.status_code == 200, done.json()
    assert {r["id"] for r in done.json()["recipients"]} == {world.manager.pk, world.two_teams.pk}
    again = client.post(URL, {"kind": "daily", "date": WEDNESDAY.isoformat()}, format="json")
    assert again.status_code == 400 and "period" in again.json()

    manager = as_(world.manager)
    assert manager.get(f"{URL}{pk}/").status_code == 200
    assert ReportRead.objects.filter(report_id=pk, user=world.manager).exists()
    liked = manager.post(f"{URL}{pk}/like/")
    assert liked.status_code == 200 and liked.json() == {"liked": True, "likes": 1}
    assert manager.delete(f"{URL}{pk}/like/").json() == {"liked": False, "likes": 0}
    received = manager.get(URL, {"box": "received"}).json()["results"]
    assert [r["id"] for r in received] == [pk] and received[0]["read_by_me"] is True


def test_outsiders_get_404_and_change_nothing(world: World) -> None:
    report = services.report_create(
        actor=world.actor(world.owner), kind=ReportKind.DAILY, day=WEDNESDAY, answers=ANSWERS, submit=True
    )
    for person in (world.teammate, world.outsider):
        client = as_(person)
        assert client.get(f"{URL}{report.pk}/").status_code == 404
        assert client.post(f"{URL}{report.pk}/like/").status_code == 404
        assert client.post(f"{URL}{report.pk}/withdraw/").status_code == 404
        assert (
            client.patch(f"{URL}{report.pk}/", {"answers": {"done": "x"}}, format="json").status_code == 404
        )
    # The manager sees it but may not change it.
    assert (
        as_(world.manager).patch(f"{URL}{report.pk}/", {"answers": {"done": "x"}}, format="json").status_code
        == 403
    )
    assert as_(world.manager).post(f"{URL}{report.pk}/withdraw/").status_code == 403
    report.refresh_from_db()
    assert report.answers["done"] == ANSWERS["done"] and report.status == ReportStatus.SUBMITTED
    assert not ReportRead.objects.exists()


def test_a_list_stays_flat_in_queries_as_reports_grow(world: World) -> None:
    def add(n: int, start: datetime.date) -> None:
        for i in range(n):
            services.report_create(
                actor=world.actor(world.owner),
                kind=ReportKind.DAILY,
                day=start - datetime.timedelta(days=i),
                answers=ANSWERS,
                submit=True,
                recipient_teams=[world.support_team],
            )

    add(2, WEDNESDAY)
    client = as_(world.manager)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL, {"box": "team"}).json()["results"]) == 2
    add(6, WEDNESDAY - datetime.timedelta(days=10))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(URL, {"box": "team"}).json()["results"]) == 8
    assert len(many) == len(few)


def test_missing_endpoint(world: World) -> None:
    daily_rule(world.east_sales)
    answer = as_(world.manager).get(f"{URL}missing/", {"kind": "daily", "period": WEDNESDAY.isoformat()})
    assert answer.status_code == 200
    states = {row["person"]["id"]: row["state"] for row in answer.json()}
    assert states[world.owner.pk] == "missing" and world.outsider.pk not in states
    assert as_(world.manager).get(f"{URL}missing/", {"kind": "never"}).status_code == 400


def test_templates_and_rules_are_read_by_all_and_written_by_administrators(world: World) -> None:
    assert as_(world.owner).get("/api/v1/report-templates/").status_code == 200
    body = {
        "name": "Visit report",
        "kind": "daily",
        "sections": [{"key": "visits", "title": "Visits", "kind": "text", "required": True}],
    }
    assert as_(world.owner).post("/api/v1/report-templates/", body, format="json").status_code == 403
    bad = as_(world.admin).post(
        "/api/v1/report-templates/", {**body, "sections": [body["sections"][0]] * 2}, format="json"
    )
    assert bad.status_code == 400 and "sections" in bad.json()
    made = as_(world.admin).post("/api/v1/report-templates/", body, format="json")
    assert made.status_code == 201, made.json()
    assert ReportTemplate.objects.filter(name="Visit report").exists()

    rule = {"kind": "daily", "team": world.east_sales.pk, "due_time": "18:00"}
    assert as_(world.manager).post("/api/v1/report-rules/", rule, format="json").status_code == 403
    both = as_(world.admin).post("/api/v1/report-rules/", {**rule, "person": world.owner.pk}, format="json")
    assert both.status_code == 400 and "team" in both.json()
    assert as_(world.admin).post("/api/v1/report-rules/", rule, format="json").status_code == 201
    assert SubmissionRule.objects.count() == 1
