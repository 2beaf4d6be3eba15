"""The analytics workspace in a real browser: a manager opens it in both languages, narrows it to
a team (htmx redraws the sections and the URL keeps the filter), and drills into a funnel step to
the deals behind it; at phone width the page does not scroll sideways."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tandem.analytics.tests.data import history
from tandem.customers.services import primary_team_id
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Team, User

from .harness import PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _deals_of_the_managers_team() -> tuple[User, Team]:
    manager = User.objects.get(username="manager")
    rep = User.objects.filter(manager=manager, is_active=True).order_by("pk").first()
    assert rep is not None
    today = timezone.localdate()
    opened = today - datetime.timedelta(days=max(0, min(today.day - 1, 3)))
    for n, (owner, stages) in enumerate(
        [
            (rep, ("Qualification", "Needs analysis", "Proposal")),
            (rep, ("Qualification", "Needs analysis")),
            (manager, ("Qualification",)),
        ]
    ):
        made: Any = DealFactory(
            owner=owner,
            name=f"Analytics deal {n}",
            stage=stage_named(stages[-1]),
            amount=Decimal("12000.00"),
            opened_on=opened,
        )
        history(made, *stages)
    team = Team.objects.get(pk=primary_team_id(rep))
    return manager, team


def test_a_manager_filters_by_team_and_drills_into_a_funnel_step(
    page: Any, live_server: Any, demo_company: None
) -> None:
    _manager, team = _deals_of_the_managers_team()
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "analytics:index") == 200
    for code in each_language(page):
        page.locator("#section-funnel canvas").first.wait_for()
        screenshot(page, f"analytics-manager-{code}-1366")
    # Narrow to the rep's team: the sections redraw in place and the URL says so.
    page.select_option('select[name="team"]', str(team.pk))
    page.wait_for_url(f"**team={team.pk}**")
    page.locator("#section-funnel canvas").first.wait_for()
    funnel = page.locator("#section-funnel table tbody tr")
    counts = [row.locator("td").first.inner_text().strip() for row in funnel.all()]
    assert counts[1] == "2", counts  # Needs analysis (the page is in Chinese now)
    # The breakdown card loads when scrolled to; its tabs redraw it alone.
    page.locator("#card-breakdown").scroll_into_view_if_needed()
    page.locator('#card-breakdown a[data-by="owner"]').click()
    page.wait_for_url("**by=owner**")
    page.locator('#card-breakdown a[data-by="owner"].active').wait_for()
    page.locator("#card-breakdown canvas").first.wait_for()
    # Drill into "Needs analysis": exactly the two deals that reached it.
    link = page.locator("#section-funnel table tbody tr th a").nth(1)
    with page.expect_navigation():
        link.click()
    rows = page.locator("#records tbody tr")
    assert rows.count() == 2
    names = rows.all_inner_texts()
    assert any("Analytics deal 0" in n for n in names) and any("Analytics deal 1" in n for n in names)
    assert page.errors == []


def test_the_workspace_fits_a_phone(new_page: Any, live_server: Any, demo_company: None) -> None:
    _deals_of_the_managers_team()
    page = new_page(PHONE["width"], PHONE["height"])
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "analytics:index") == 200
    for code in each_language(page):
        page.locator("#section-funnel canvas").first.wait_for()
        assert not has_horizontal_overflow(page)
        screenshot(page, f"analytics-manager-{code}-375")
