"""Targets in a real browser: a director fills the team grid (a cell typed in place, a year
spread over the months), then the rep sees the target and their attainment on My targets; the
pages fit a phone in both languages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Membership, User
from tandem.targets import services
from tandem.targets.models import SubjectKind, Target

from .harness import DESKTOP, PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _rep_and_team() -> tuple[User, int]:
    rep = User.objects.get(username="rep")
    team_id = (
        Membership.objects.filter(user=rep).order_by("-is_primary", "id").values_list("team_id", flat=True)[0]
    )
    return rep, team_id


def test_a_director_sets_targets_and_the_rep_sees_them(
    new_page: Any, live_server: Any, demo_company: None
) -> None:
    rep, team_id = _rep_and_team()
    teammate_id = (
        Membership.objects.filter(team_id=team_id).exclude(user=rep).values_list("user_id", flat=True)[0]
    )
    today = timezone.localdate()
    month = f"{today:%Y-%m}"
    DealFactory(owner=rep, stage=stage_named("Won"), amount=Decimal("30000"), closed_on=today)

    page = new_page()
    login(page, live_server, "director", DEMO_PASSWORD)
    assert visit(page, live_server, f"/targets/team/{team_id}/?kpi=won_amount") == 200
    cell = page.locator(f'input[name="person-{rep.pk}-{month}"]')
    cell.fill("120000")
    cell.press("Tab")  # leaving the cell saves it in place
    page.locator("#target-history .list-group-item").first.wait_for()
    assert Target.objects.get(user=rep, start=today.replace(day=1), kpi__code="won_amount").value == Decimal(
        "120000"
    )

    bad = page.locator(f'input[name="person-{teammate_id}-{month}"]')
    bad.fill("lots")
    bad.press("Tab")
    page.locator(f"#td-person-{teammate_id}-{month} .invalid-feedback").wait_for()
    assert not Target.objects.filter(user_id=teammate_id).exists()

    page.locator("#spread-subject").select_option(f"person-{teammate_id}")
    page.locator("#spread-value").fill("240000")
    with page.expect_navigation():
        page.locator("#spread-submit").click()
    year = services.fiscal_year()
    assert Target.objects.filter(user_id=teammate_id, period_kind="month").count() == 12
    total = sum(
        Target.objects.filter(user_id=teammate_id, start__gte=year.start).values_list("value", flat=True)
    )
    assert total == Decimal("240000")
    screenshot(page, "targets-team-director-en-1366")

    rep_page = new_page()
    login(rep_page, live_server, "rep", DEMO_PASSWORD)
    assert visit(rep_page, live_server, "targets:mine") == 200
    text = rep_page.locator("main").inner_text()
    assert "120,000" in text and "25%" in text  # 30,000 of this month's 120,000
    rep_page.locator("#target-chart canvas").wait_for()
    screenshot(rep_page, "targets-mine-rep-en-1366")
    assert [e for e in page.errors if "status of 400" not in e] == []
    assert rep_page.errors == []
    assert not Target.objects.filter(subject_kind=SubjectKind.COMPANY).exists()


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]])
def test_the_target_pages_fit_desktop_and_phone_in_both_languages(
    new_page: Any, live_server: Any, demo_company: None, width: int
) -> None:
    _rep, team_id = _rep_and_team()
    page = new_page(width, DESKTOP["height"] if width == DESKTOP["width"] else PHONE["height"])
    login(page, live_server, "director", DEMO_PASSWORD)
    for path in ("/targets/", f"/targets/team/{team_id}/", "/targets/company/"):
        assert visit(page, live_server, path) == 200
        for code in each_language(page):
            screenshot(page, f"targets{path.replace('/', '-')}director-{code}-{width}")
            assert not has_horizontal_overflow(page), f"{path} scrolls sideways at {width} px ({code})"
    assert page.errors == []
