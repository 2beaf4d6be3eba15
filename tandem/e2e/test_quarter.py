"""A quarter in a real browser, across the three parts of issue 11: the director sets the rep's
target in the team grid, the rep submits a forecast and sees it beside that target, the manager
adjusts it with a reason; then each of them opens their dashboard, in both languages, at desktop
and phone width (screenshots in var/screenshots/)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tandem.forecasts.models import ForecastAdjustment, ForecastSubmission
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Membership, User
from tandem.targets.models import Target

from .harness import each_language, has_horizontal_overflow, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_director_sets_a_target_a_rep_forecasts_and_the_manager_adjusts(
    new_page: Any, live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    team_id = Membership.objects.get(user=rep, is_primary=True).team_id
    month = f"{timezone.localdate():%Y-%m}"

    page = new_page()
    login(page, live_server, "director", DEMO_PASSWORD)
    assert visit(page, live_server, f"/targets/team/{team_id}/?kpi=won_amount") == 200
    cell = page.locator(f'input[name="person-{rep.pk}-{month}"]')
    cell.fill("800000")
    cell.press("Tab")
    page.locator("#target-history .list-group-item").first.wait_for()
    assert Target.objects.get(user=rep, kpi__code="won_amount").value == Decimal("800000")
    logout(page, live_server)

    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "forecasts:mine") == 200
    form = page.locator("form", has=page.locator('input[name="commit_amount"]'))
    form.locator('input[name="commit_amount"]').fill("600000")
    form.locator('input[name="best_case_amount"]').fill("700000")
    form.locator('textarea[name="note"]').fill("两个大单本季度签约")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert ForecastSubmission.objects.get(owner=rep).commit_amount == Decimal("600000")
    assert "800,000" in page.locator('[data-figure="target"]').inner_text()  # beside the target
    logout(page, live_server)

    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, f"/forecasts/team/{team_id}/") == 200
    row = page.locator(f'tr[data-subject="person:{rep.pk}"]')
    assert "800,000" in row.locator('[data-col="target"]').inner_text()
    assert "75%" in row.locator('[data-col="target"]').inner_text()  # 600,000 of 800,000
    row.locator("details.forecast-adjust summary").click()
    adjust = row.locator("form")
    adjust.locator('input[name="commit_amount"]').fill("520000")
    adjust.locator('textarea[name="reason"]').fill("One order slips to next quarter")
    with page.expect_navigation():
        adjust.locator('button[type="submit"]').click()
    adjustment = ForecastAdjustment.objects.get(owner=rep)
    assert (
        adjustment.commit_amount == Decimal("520000")
        and adjustment.reason == "One order slips to next quarter"
    )
    assert ForecastSubmission.objects.get(owner=rep).commit_amount == Decimal("600000")  # the rep's own, kept
    assert "65%" in page.locator(f'tr[data-subject="person:{rep.pk}"] [data-col="target"]').inner_text()
    assert page.errors == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_three_dashboards_fit_in_both_languages(
    new_page: Any, live_server: Any, demo_company: None, width: int
) -> None:
    page = new_page(width=width)
    for who in ("rep", "manager", "director"):
        login(page, live_server, who, DEMO_PASSWORD)
        assert visit(page, live_server, "/") == 200
        assert page.locator(".dashboard").count() == 1
        assert page.locator(".target-card").count() == 1
        for code in each_language(page):
            screenshot(page, f"dashboard-{who}-{code}-{width}")
            assert not has_horizontal_overflow(page), f"{who}'s dashboard overflows at {width} px in {code}"
        logout(page, live_server)
    assert page.errors == []


def test_refresh_computes_the_figures_now_and_leaves_the_address_clean(
    new_page: Any, live_server: Any, demo_company: None
) -> None:
    """The dashboard says when its kept figures were computed; Refresh computes them now, and
    the address keeps no ``refresh`` for a reload or a bookmark to repeat."""
    page = new_page(width=390)
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "/") == 200
    kept_at = page.locator("[data-dashboard-at]")
    first = kept_at.get_attribute("data-dashboard-at")
    assert visit(page, live_server, "/") == 200
    assert kept_at.get_attribute("data-dashboard-at") == first  # read kept, not computed again
    page.wait_for_timeout(50)
    with page.expect_navigation():
        page.locator("[data-dashboard-refresh]").click()
    assert kept_at.get_attribute("data-dashboard-at") != first
    page.wait_for_function("() => !window.location.search.includes('refresh')")
    assert "view=manager" in page.url
    assert not has_horizontal_overflow(page)
    assert page.errors == []
