"""Forecasts in a real browser: a rep submits a forecast; their manager sees it on the team page
and adjusts it with a reason; the rep's submission is unchanged. The three pages are looked at in
both languages at desktop and phone width."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tandem.forecasts import services
from tandem.forecasts.models import ForecastAdjustment, ForecastSubmission
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Membership, User

from .harness import each_language, has_horizontal_overflow, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Where else to put the screenshots (a reviewer's folder), besides var/screenshots/.
EXTRA_SHOTS = os.environ.get("TANDEM_EXTRA_SHOTS", "")


def _shoot(page: Any, name: str) -> None:
    path = screenshot(page, name)
    if EXTRA_SHOTS:
        Path(EXTRA_SHOTS).mkdir(parents=True, exist_ok=True)
        (Path(EXTRA_SHOTS) / path.name).write_bytes(path.read_bytes())


def test_a_rep_submits_and_the_manager_adjusts_with_a_reason(
    page: Any, live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    team_id = Membership.objects.get(user=rep, is_primary=True).team_id

    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "forecasts:mine") == 200
    form = page.locator("form", has=page.locator('input[name="commit_amount"]'))
    form.locator('input[name="commit_amount"]').fill("500000")
    form.locator('input[name="best_case_amount"]').fill("650000")
    form.locator('textarea[name="note"]').fill("两个大单本月签约")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    submission = ForecastSubmission.objects.get(owner=rep)
    assert (submission.commit_amount, submission.version) == (Decimal("500000.00"), 1)
    logout(page, live_server)

    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, f"/forecasts/team/{team_id}/") == 200
    row = page.locator(f'tr[data-subject="person:{rep.pk}"]')
    assert "500,000.00" in row.locator('[data-col="submitted"]').inner_text()
    row.locator("details.forecast-adjust summary").click()
    adjust = row.locator("form")
    adjust.locator('input[name="commit_amount"]').fill("420000")
    adjust.locator('textarea[name="reason"]').fill("One PO slips to next quarter")
    with page.expect_navigation():
        adjust.locator('button[type="submit"]').click()
    adjustment = ForecastAdjustment.objects.get(owner=rep)
    assert (adjustment.commit_amount, adjustment.reason) == (
        Decimal("420000.00"),
        "One PO slips to next quarter",
    )
    assert (
        "420,000.00" in page.locator(f'tr[data-subject="person:{rep.pk}"] [data-col="adjusted"]').inner_text()
    )
    submission.refresh_from_db()
    assert (submission.commit_amount, submission.version) == (Decimal("500000.00"), 1)
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_the_forecast_pages_fit_in_both_languages(
    page: Any, live_server: Any, demo_company: None, width: int
) -> None:
    rep = User.objects.get(username="rep")
    team_id = Membership.objects.get(user=rep, is_primary=True).team_id
    from tandem.core.access import Actor
    from tandem.forecasts import selectors

    services.submission_save(
        actor=Actor.for_user(rep),
        period=selectors.current_period(),
        data={"commit_amount": "300000", "best_case_amount": "450000", "note": "Q plan"},
    )
    services.snapshot_take()
    page.set_viewport_size({"width": width, "height": 900})
    for who, where in (
        ("rep", "/forecasts/"),
        ("manager", f"/forecasts/team/{team_id}/"),
        ("director", "/forecasts/company/"),
    ):
        login(page, live_server, who, DEMO_PASSWORD)
        assert visit(page, live_server, where) == 200
        for code in each_language(page):
            _shoot(page, f"forecasts-{who}-{code}-{width}")
            assert not has_horizontal_overflow(page), f"{where} overflows at {width} px in {code}"
        logout(page, live_server)
