"""My day in a real browser (issue 13 §2): a rep opens it from home, logs a follow-up on an
overdue customer from the list, and the customer moves out of "overdue"; at 1440 px and on a
375 px phone, in English and in 简体中文. Screenshots: ``myday-<width>-<lang>``."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tandem.customers.models import Account
from tandem.customers.services import primary_team_id
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Team, User

from .harness import PHONE, each_language, has_horizontal_overflow, login, screenshot, visit, wait_for_toast

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DAY = datetime.timedelta(days=1)


def _count(page: Any, group: str) -> int:
    return int(page.locator(f'[data-group-count="{group}"] .h1').inner_text().strip())


@pytest.mark.parametrize("width", [1440, PHONE["width"]])
def test_a_rep_logs_a_follow_up_from_my_day_and_it_leaves_overdue(
    new_page: Callable[..., Any], live_server: Any, demo_company: None, width: int
) -> None:
    rep = User.objects.get(username="rep")
    today = timezone.localdate()
    overdue: list[Any] = [
        AccountFactory(owner=rep, name=name, phone="+8613800138000", next_follow_up_on=today - days * DAY)
        for name, days in (("天祥精密机械有限公司", 6), ("Harbour Logistics Ltd", 4), ("上海恒通贸易", 2))
    ]
    # The oldest is also about to return to the pool: 28 days without a follow-up, the limit 30.
    pool = PoolFactory(
        name="华东公海", teams=[Team.objects.get(pk=primary_team_id(rep))], days_without_follow_up=30
    )
    Account.objects.filter(pk=overdue[0].pk).update(pool=pool, last_follow_up_at=timezone.now() - 28 * DAY)
    AccountFactory(owner=rep, name="北京精密仪器厂", next_follow_up_on=today)
    AccountFactory(owner=rep, name="Nanjing Optics", next_follow_up_on=today + 3 * DAY)
    page = new_page(width=width, height=PHONE["height"] if width < 576 else 900)
    login(page, live_server, "rep", DEMO_PASSWORD)

    # Home's heading leads to my day.
    assert visit(page, live_server, "core:home") == 200
    screenshot(page, f"myday-home-{width}")
    with page.expect_navigation():
        page.locator("#due-title a").click()
    assert page.url.endswith("/follow-ups/my-day/")

    for code in each_language(page):
        before = _count(page, "overdue")
        if code == "en":
            assert page.locator(f'[data-warning="{overdue[0].pk}"]').count() == 1
        first = page.locator("#my-day-overdue .my-day-item").first
        name = first.locator("a").first.inner_text().strip()
        assert first.locator('a[href^="tel:"]').count() == 1
        assert not has_horizontal_overflow(page)
        screenshot(page, f"myday-{width}-{code}")

        first.locator("[data-quick-followup]").click()
        dialog = page.locator("#quick-followup-modal")
        dialog.locator("textarea[name=content]").wait_for(state="visible")
        assert dialog.locator("[data-picker-input]").input_value() == name
        dialog.locator("textarea[name=content]").fill("Called, they will order next week")
        dialog.locator('button[type="submit"]').first.click()
        wait_for_toast(page, "success")
        page.wait_for_function(
            f"() => document.querySelector('[data-group-count=overdue] .h1').innerText.trim() === '{before - 1}'"
        )
        assert name not in page.locator("#my-day-overdue").inner_text()
        # The follow-up answered the pool warning too: it is gone at once.
        if name == overdue[0].name:
            page.locator(f'[data-warning="{overdue[0].pk}"]').wait_for(state="detached")
        screenshot(page, f"myday-{width}-{code}-after", full_page=False)
    assert Account.objects.filter(pk__in=[a.pk for a in overdue], next_follow_up_on__isnull=True).count() == 2

    # The follow-ups list filters by the next follow-up due; a bad date is refused inline.
    assert visit(page, live_server, "/follow-ups/?due=week") == 200
    assert page.locator("#af-due").input_value() == "week"
    assert not has_horizontal_overflow(page)
    screenshot(page, f"myday-list-{width}", full_page=False)
    visit(page, live_server, "/follow-ups/?due_from=0001-01-01")
    assert page.locator("#activity-table .alert-danger").count() == 1
    assert page.errors == []


@pytest.mark.parametrize("width", [1440, PHONE["width"]])
def test_a_manager_looks_at_a_reps_day(
    new_page: Callable[..., Any], live_server: Any, demo_company: None, width: int
) -> None:
    rep = User.objects.get(username="rep")
    AccountFactory(owner=rep, name="天祥精密机械有限公司", next_follow_up_on=timezone.localdate() - 3 * DAY)
    page = new_page(width=width, height=PHONE["height"] if width < 576 else 900)
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "activities:my-day") == 200
    for code in each_language(page):
        with page.expect_navigation():
            page.select_option("#my-day-person", str(rep.pk))
        assert "天祥精密机械有限公司" in page.locator("#my-day-overdue").inner_text()
        # Someone else's day: the row opens the record; logging is the rep's.
        assert page.locator("#my-day-overdue [data-quick-followup]").count() == 0
        assert not has_horizontal_overflow(page)
        screenshot(page, f"myday-manager-{width}-{code}")
        visit(page, live_server, "activities:my-day")
    assert page.errors == []
