"""Work reports in a real browser: the manager sees the demo rep's daily report of today missing;
the rep writes it from its draft (the figures and last plan beside) and sends it; the manager then
finds it sent, opens it (a read receipt) and likes it. Pages checked in both languages at 375 px."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Team, User
from tandem.reports import periods
from tandem.reports.demo import TEAM
from tandem.reports.models import Report, ReportKind, ReportRead, ReportStatus, SubmissionRule

from .harness import PHONE, each_language, has_horizontal_overflow, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_rep_writes_the_daily_report_from_its_draft_and_the_manager_sees_it(
    page: Any, new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    today = periods.today_for(rep)
    # The demo's rule (seeded with the CRM demo; made here when the fixture seeds only the company).
    team = Team.objects.get(name=TEAM, deleted_at__isnull=True)
    SubmissionRule.objects.get_or_create(
        kind=ReportKind.DAILY, team=team, defaults={"due_time": datetime.time(18, 0)}
    )
    Report.objects.filter(author=rep, kind=ReportKind.DAILY, period_start=today).delete()

    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, f"/reports/missing/?kind=daily&date={today.isoformat()}") == 200
    row = page.locator("tr", has_text=rep.display_name)
    assert row.count() == 1, "the rule covers the demo rep"
    if today.weekday() < 5:
        assert row.locator('form[action="/reports/missing/remind/"]').count() == 1
    for code in each_language(page):
        screenshot(page, f"reports-missing-{code}-1366")
    logout(page, live_server)

    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "reports:write") == 200
    done = page.locator("textarea[name=answer_done]")
    assert done.input_value().strip(), "the draft pre-fills the work done"
    assert page.locator("#previous-plan").count() == 1
    page.fill("textarea[name=answer_plan]", "明天上午回访苏州精密。")
    with page.expect_navigation():
        page.locator("button[name=submit]").click()
    report = Report.objects.get(author=rep, kind=ReportKind.DAILY, period_start=today)
    assert report.status == ReportStatus.SUBMITTED and report.answers["plan"] == "明天上午回访苏州精密。"
    logout(page, live_server)

    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, f"/reports/missing/?kind=daily&date={today.isoformat()}") == 200
    assert (
        page.locator("tr", has_text=rep.display_name)
        .locator('form[action="/reports/missing/remind/"]')
        .count()
        == 0
    )
    assert visit(page, live_server, "reports:detail", report.pk) == 200
    assert ReportRead.objects.filter(report=report, user__username="manager").exists()
    with page.expect_navigation():
        page.locator(f'form[action="/reports/{report.pk}/like/"] button').click()
    assert report.likes.count() == 1

    phone = new_page(**PHONE)
    login(phone, live_server, "rep", DEMO_PASSWORD)
    for path in (
        "/reports/",
        "/reports/write/?kind=weekly",
        f"/reports/{report.pk}/",
        "/reports/statistics/",
    ):
        assert visit(phone, live_server, path) == 200
        for code in each_language(phone):
            assert not has_horizontal_overflow(phone), f"{path} scrolls sideways at 375 px ({code})"
            screenshot(phone, f"reports-{path.strip('/').replace('/', '-').replace('?', '-')}-{code}-375")
