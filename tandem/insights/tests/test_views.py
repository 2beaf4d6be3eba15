"""The thresholds page (administrators only; bad input inline, nothing half-saved) and the
insight list page (scoped, bad parameters answered 400)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tandem.conftest import World
from tandem.insights.models import InsightSettings
from tandem.insights.rules import thresholds
from tandem.insights.tests.factories import deal
from tandem.org.models import User

pytestmark = pytest.mark.django_db
GOOD = {
    "stale_follow_up_days": "10",
    "overdue_close_days": "3",
    "stage_factor": "2.5",
    "stage_min_samples": "8",
    "pool_warning_days": "5",
    "coverage_minimum": "2.50",
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_sets_the_thresholds(world: World) -> None:
    version = thresholds().version
    response = _client(world.admin).post("/insights/settings/", {**GOOD, "version": version})
    assert response.status_code == 302
    saved = InsightSettings.objects.get(pk=1)
    assert saved.stale_follow_up_days == 10 and str(saved.stage_factor) == "2.5"
    assert str(saved.coverage_minimum) == "2.50"
    assert saved.version == version + 1


def test_a_bad_threshold_is_shown_inline_and_nothing_is_saved(world: World) -> None:
    before = thresholds()
    response = _client(world.admin).post("/insights/settings/", {**GOOD, "stale_follow_up_days": "0"})
    assert response.status_code == 400
    assert "stale_follow_up_days" in response.context["form"].errors
    assert InsightSettings.objects.get(pk=1).stale_follow_up_days == before.stale_follow_up_days


def test_a_stale_form_is_refused(world: World) -> None:
    current = thresholds()
    response = _client(world.admin).post(
        "/insights/settings/", {**GOOD, "version": current.version - 1 or 99}
    )
    assert response.status_code == 400
    assert InsightSettings.objects.get(pk=1).stale_follow_up_days == current.stale_follow_up_days


@pytest.mark.parametrize("person", ["director", "manager", "owner", "outsider"])
def test_only_administrators_change_thresholds(world: World, person: str) -> None:
    thresholds()
    client = _client(getattr(world, person))
    assert client.get("/insights/settings/").status_code == 403
    assert client.post("/insights/settings/", GOOD).status_code == 403
    assert InsightSettings.objects.get(pk=1).stale_follow_up_days == 14


def test_the_insight_list_shows_a_rules_records_with_why(world: World) -> None:
    deal(world.owner, name="Stale one", last_follow_up_at=timezone.now() - datetime.timedelta(days=20))
    response = _client(world.manager).get("/insights/", {"rule": "stale_follow_up"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Stale one" in text and "No follow-up for 20 days (threshold 14 days)." in text
    outsider = _client(world.outsider).get("/insights/", {"rule": "stale_follow_up"}).content.decode()
    assert "Stale one" not in outsider


def test_the_insight_list_answers_bad_parameters_with_400_or_404(world: World) -> None:
    client = _client(world.manager)
    assert client.get("/insights/", {"team": "abc"}).status_code == 400
    assert client.get("/insights/", {"rule": "nope"}).status_code == 404
    assert client.get("/insights/", {"team": world.west_sales.pk}).status_code == 404
