"""A team meeting in a real browser: the manager opens this week's sales meeting, finds last
week's open action items and ticks one done, adds an agenda item (htmx, no reload) and drags it
to the top; a rep reads the meeting on a phone. Pages checked in both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.meetings.demo import seed_meetings
from tandem.meetings.models import Meeting, MeetingSeries
from tandem.meetings.services import carry_over
from tandem.org.demo import DEMO_PASSWORD

from .harness import PHONE, drag_and_drop, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_manager_runs_the_weekly_meeting_and_a_rep_reads_it_on_a_phone(
    page: Any, new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    seed_meetings()
    series = MeetingSeries.objects.get()
    last, this = Meeting.objects.filter(series=series).order_by("starts_at")[:2]
    open_items = carry_over(this).items
    assert len(open_items) == 2

    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "meetings:list") == 200
    for code in each_language(page):
        screenshot(page, f"meetings-list-{code}-1366")
    assert visit(page, live_server, "meetings:detail", this.pk) == 200
    assert page.locator("#carry-title").is_visible()

    # One click: the first open action item of last week is done.
    first = open_items[0]
    with page.expect_navigation():
        page.locator(f'form[action="/meetings/action-items/{first.pk}/done/"] button').click()
    first.task.refresh_from_db()
    assert first.task.status == "done"
    assert len(carry_over(this).items) == 1

    # An agenda item added without a reload, then dragged to the top.
    before = this.agenda_items.count()
    page.fill("#agenda input[name=title]", "客户满意度回访结果")
    page.locator("#agenda form[hx-post$='/agenda/'] button[type=submit]").click()
    page.locator("#agenda li.agenda-item", has_text="客户满意度回访结果").wait_for()
    assert this.agenda_items.count() == before + 1
    items = page.locator("#agenda li.agenda-item")
    with page.expect_response(lambda r: r.url.endswith("/agenda/order/")):
        drag_and_drop(page, items.last, items.first)
    top = this.agenda_items.order_by("position", "id").first()
    assert top is not None and top.title == "客户满意度回访结果"
    for code in each_language(page):
        screenshot(page, f"meeting-detail-{code}-1366")
    assert visit(page, live_server, "meetings:detail", last.pk) == 200
    assert page.locator(".meeting-minutes li").count() == 2

    phone = new_page(**PHONE)
    login(phone, live_server, "rep", DEMO_PASSWORD)
    for path in ("/meetings/", f"/meetings/{this.pk}/", f"/meetings/{last.pk}/", "/meetings/series/new/"):
        assert visit(phone, live_server, path) == 200
        for code in each_language(phone):
            assert not has_horizontal_overflow(phone), f"{path} scrolls sideways at 375 px ({code})"
            screenshot(phone, f"meetings-{path.strip('/').replace('/', '-')}-{code}-375")
