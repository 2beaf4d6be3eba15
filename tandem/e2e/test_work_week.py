"""Issue 15 end to end in a real browser: a rep plans a week and reports on a day, and the
manager sees who has not reported — in both languages.

1. The rep adds a task due today, plans a customer visit tomorrow on the calendar (linked to the
   account) and schedules a deal review meeting for the team later in the week.
2. The calendar's week shows the three together.
3. The rep marks the task done, then writes the daily report from its draft: the draft already
   says what happened (the task done), the rep adds tomorrow's plan and sends it.
4. The manager opens the missing-reports view for the day: the rep has reported, a teammate who
   has not is listed with a "remind" button.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.meetings.models import Meeting
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User
from tandem.reports import periods
from tandem.reports.models import Report, ReportKind, ReportStatus, SubmissionRule
from tandem.schedule.models import Event, EventKind
from tandem.tasks.models import Task, TaskStatus

from .harness import each_language, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _local(day: datetime.date, hour: int) -> str:
    return datetime.datetime.combine(day, datetime.time(hour, 0)).strftime("%Y-%m-%dT%H:%M")


def test_a_rep_plans_the_week_reports_the_day_and_the_manager_sees_who_has_not(
    page: Any, new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    team = rep.memberships.get(is_primary=True).team
    AccountFactory(owner=rep, name="杭州云帆科技有限公司")
    account = Account.objects.get(name="杭州云帆科技有限公司")
    today = periods.today_for(rep)
    tomorrow = today + datetime.timedelta(days=1)
    later = today + datetime.timedelta(days=2)
    # Every day is a working day for this test's rule, so the missing view has a due report
    # whatever day the suite runs on.
    SubmissionRule.objects.create(
        kind=ReportKind.DAILY,
        team=team,
        due_time=datetime.time(23, 59),
        working_days=[0, 1, 2, 3, 4, 5, 6],
    )

    login(page, live_server, "rep", DEMO_PASSWORD)

    # 1a. A task due today.
    assert visit(page, live_server, "tasks:create") == 200
    page.fill("input[name=title]", "准备云帆报价单")
    page.fill("input[name=due_date]", today.isoformat())
    with page.expect_navigation():
        page.locator("form.form-card button[type=submit]").click()
    task = Task.objects.get(title="准备云帆报价单")
    assert task.assignee == rep and task.status == TaskStatus.TODO

    # 1b. A customer visit tomorrow, on the account.
    assert visit(page, live_server, "schedule:event-create") == 200
    page.select_option("select[name=kind]", EventKind.VISIT)
    page.fill("input[name=title]", "拜访杭州云帆")
    page.fill("input[name=starts_at]", _local(tomorrow, 10))
    page.fill("input[name=ends_at]", _local(tomorrow, 11))
    page.fill("input[name=place]", "杭州滨江区")
    page.select_option("select[name=record_type]", "account")
    page.fill("input[name=record_id]", str(account.pk))
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    visit_event = Event.objects.get(title="拜访杭州云帆")
    assert visit_event.kind == EventKind.VISIT and visit_event.organizer == rep
    assert (visit_event.record_type, visit_event.record_id) == ("account", account.pk)

    # 1c. A deal review meeting for the team.
    assert visit(page, live_server, "meetings:create") == 200
    page.select_option("select[name=team]", str(team.pk))
    page.fill("input[name=title]", "云帆商机评审")
    page.fill("input[name=starts_at]", _local(later, 16))
    page.fill("input[name=duration_minutes]", "45")
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    meeting = Meeting.objects.get(title="云帆商机评审")
    assert meeting.event is not None and meeting.event.kind == EventKind.MEETING

    # 2. The week on the calendar: the task, the visit and the meeting together.
    assert visit(page, live_server, "schedule:calendar") == 200
    calendar = page.locator(".fc")
    calendar.wait_for()
    page.wait_for_selector(".fc-event", timeout=15_000)
    shown = page.locator(".fc").inner_text()
    assert "准备云帆报价单" in shown
    if tomorrow.isocalendar()[:2] == today.isocalendar()[:2]:
        assert "拜访杭州云帆" in shown
    for code in each_language(page):
        screenshot(page, f"work-week-calendar-{code}")

    # 3. The task done, then the daily report from its draft.
    assert visit(page, live_server, "tasks:detail", task.pk) == 200
    with page.expect_navigation():
        page.locator('form[action$="/status/"] button[value=done]').click()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    assert visit(page, live_server, f"/reports/write/?kind=daily&date={today.isoformat()}") == 200
    done = page.locator("textarea[name=answer_done]").input_value()
    assert "1" in done and done.strip(), done
    assert "准备云帆报价单" in page.content()  # the tasks done, listed beside the draft
    for code in each_language(page):  # (switching language reloads the draft)
        screenshot(page, f"work-week-report-draft-{code}")
    page.fill("textarea[name=answer_plan]", "明天上午拜访杭州云帆，带上报价单。")
    with page.expect_navigation():
        page.locator("button[name=submit]").click()
    report = Report.objects.get(author=rep, kind=ReportKind.DAILY, period_start=today)
    assert report.status == ReportStatus.SUBMITTED
    assert report.answers["plan"] == "明天上午拜访杭州云帆，带上报价单。"
    logout(page, live_server)

    # 4. The manager's view of missing reports for the day.
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, f"/reports/missing/?kind=daily&date={today.isoformat()}") == 200
    remind = 'form[action="/reports/missing/remind/"]'
    assert page.locator("tr", has_text=rep.display_name).locator(remind).count() == 0
    assert page.locator(remind).count() >= 1, "a teammate who has not reported can be reminded"
    for code in each_language(page):
        screenshot(page, f"work-week-missing-{code}")
