"""Forecast pages: my forecast, a team's, the company's; adjusting from the team page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.forecasts import selectors, services
from tandem.forecasts.models import ForecastAdjustment, ForecastSubmission
from tandem.forecasts.tests.factories import open_deal
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_rep_submits_on_their_page_and_sees_their_pipeline(world: World) -> None:
    period = selectors.current_period()
    open_deal(world.owner, amount="700", stage="Negotiation", close=period.end)
    client = as_(world.owner)
    page = client.get("/forecasts/")
    assert page.status_code == 200 and "¥700.00" in page.content.decode()
    bad = client.post("/forecasts/", {"period": period.key, "commit_amount": "10", "best_case_amount": "5"})
    assert bad.status_code == 400 and not ForecastSubmission.objects.exists()
    done = client.post(
        "/forecasts/",
        {"period": period.key, "commit_amount": "600", "best_case_amount": "700", "version": "0"},
    )
    assert done.status_code == 302
    again = client.post(
        "/forecasts/",
        {"period": period.key, "commit_amount": "650", "best_case_amount": "700", "version": "1"},
    )
    assert again.status_code == 302
    assert ForecastSubmission.objects.get().version == 2
    assert "Version 2" in client.get("/forecasts/").content.decode()


def test_the_page_reads_in_chinese(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    page = as_(world.owner, "zh-hans").get("/forecasts/")
    assert page.status_code == 200 and "我的预测" in page.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("east_manager", 200), ("director", 200), ("teammate", 404), ("outsider", 404)],
)
def test_the_team_page_is_for_those_who_see_the_team(world: World, who: str, status: int) -> None:
    assert as_(getattr(world, who)).get(f"/forecasts/team/{world.east_sales.pk}/").status_code == status


def test_the_company_page_is_for_directors(world: World) -> None:
    services.snapshot_take()
    assert as_(world.director).get("/forecasts/company/").status_code == 200
    assert as_(world.manager).get("/forecasts/company/").status_code == 404


def test_a_manager_adjusts_from_the_team_page_with_a_reason(world: World) -> None:
    period = selectors.current_period()
    services.submission_save(
        actor=world.actor(world.owner),
        period=period,
        data={"commit_amount": "100", "best_case_amount": "120"},
    )
    client = as_(world.manager)
    body = {"period": period.key, "person": world.owner.pk, "back": world.east_sales.pk}
    client.post(
        "/forecasts/adjust/", {**body, "commit_amount": "90", "best_case_amount": "100", "reason": ""}
    )
    assert not ForecastAdjustment.objects.exists()
    client.post(
        "/forecasts/adjust/", {**body, "commit_amount": "90", "best_case_amount": "100", "reason": "Late PO"}
    )
    assert ForecastAdjustment.objects.get().reason == "Late PO"
    assert ForecastSubmission.objects.get().commit_amount == Decimal("100.00")
    page = client.get(f"/forecasts/team/{world.east_sales.pk}/").content.decode()
    assert "Late PO" in page
    denied = as_(world.teammate).post(
        "/forecasts/adjust/", {**body, "commit_amount": "1", "best_case_amount": "1", "reason": "x"}
    )
    assert denied.status_code == 404 and ForecastAdjustment.objects.count() == 1


def test_the_team_page_query_count_stays_flat(world: World, django_assert_max_num_queries: object) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.org.tests.factories import UserFactory, join

    client = as_(world.manager)
    url = f"/forecasts/team/{world.east_sales.pk}/"
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(5):
        rep = UserFactory(username=f"more{n}", roles=["sales-rep"])
        join(rep, world.east_sales)
        open_deal(rep, amount="5", close=selectors.current_period().end)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) <= len(before.captured_queries)


def test_the_owner_sets_the_category_on_the_deal_page_and_an_outsider_cannot(world: World) -> None:
    deal = open_deal(world.owner, amount="10", stage="Qualification", close=selectors.current_period().end)
    url = f"/deals/{deal.pk}/forecast-category/"
    assert 'name="forecast_category"' in as_(world.owner).get(f"/deals/{deal.pk}/").content.decode()
    denied = as_(world.outsider).post(url, {"forecast_category": "commit", "version": deal.version})
    assert denied.status_code == 404
    deal.refresh_from_db()
    assert (deal.forecast_category, deal.forecast_category_manual) == ("pipeline", False)
    as_(world.owner).post(url, {"forecast_category": "commit", "version": deal.version})
    deal.refresh_from_db()
    assert (deal.forecast_category, deal.forecast_category_manual) == ("commit", True)
    as_(world.owner).post(url, {"forecast_category": "", "version": deal.version})
    deal.refresh_from_db()
    assert (deal.forecast_category, deal.forecast_category_manual) == ("pipeline", False)


def test_the_deal_list_filters_by_forecast_category(world: World) -> None:
    end = selectors.current_period().end
    open_deal(world.owner, amount="10", stage="Negotiation", close=end, name="Sure one")
    open_deal(world.owner, amount="10", stage="Qualification", close=end, name="Early one")
    page = as_(world.owner).get("/deals/", {"forecast_category": "commit"}).content.decode()
    assert "Sure one" in page and "Early one" not in page
    api = APIClient()
    api.force_login(world.owner)
    rows = api.get("/api/v1/deals/", {"forecast_category": "commit"}).json()["results"]
    assert [r["name"] for r in rows] == ["Sure one"] and rows[0]["forecast_group"] == "commit"
