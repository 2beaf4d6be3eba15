"""The calendar on a phone, in both languages: the week's title ("Nov 30 – Dec 6, 2026",
"2026年11月30日 – 12月6日") reads on one line above the buttons, the week's list shows and the
page does not scroll sideways. Elements are found by ids and FullCalendar's own classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tandem.org.demo import DEMO_PASSWORD

from .harness import PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_calendar_title_reads_on_one_line_on_a_phone(
    new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    page = new_page(**PHONE)
    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "schedule:calendar") == 200
    for code in each_language(page):
        title = page.locator("#calendar .fc-toolbar-title")
        expect(title).to_be_visible()
        expect(page.locator("#calendar .fc-list, #calendar .fc-list-empty").first).to_be_visible()
        # Its height in lines of its own font: squeezed between the buttons it took four.
        lines = title.evaluate(
            "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).fontSize)"
        )
        assert lines < 2, (code, lines, title.inner_text())
        buttons = page.locator("#calendar .fc-header-toolbar button")
        assert buttons.count() >= 5
        for i in range(buttons.count()):
            expect(buttons.nth(i)).to_be_in_viewport()
        assert not has_horizontal_overflow(page), code
        screenshot(page, f"calendar-375-{code}", full_page=False)
    assert not [e for e in page.errors if "Failed to load resource" not in e], page.errors
