"""The shell in a real browser: signing in, the home page, the language switch, phone width."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User

from .harness import (
    DESKTOP,
    PHONE,
    each_language,
    has_horizontal_overflow,
    login,
    logout,
    screenshot,
    switch_language,
    url,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def sidebar(page: Any) -> Any:
    return page.locator("aside")


def test_it_signs_a_rep_in_to_the_home_page_with_their_team_and_position(
    page: Any, live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "rep", DEMO_PASSWORD)

    assert page.url == url(live_server, "core:home")
    assert visit(page, live_server, "core:home") == 200
    main = page.locator("main")
    assert "王小明" in page.locator("h1").inner_text()
    assert "华东销售一部" in main.inner_text()
    assert "销售代表" in main.inner_text()  # the rep's position, in her language
    assert page.errors == []
    screenshot(page, "home-rep-zh-hans-1366")


def test_it_switches_to_chinese_and_remembers_it_after_signing_in_again(
    page: Any, live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "daniel.lim", DEMO_PASSWORD)  # an English-speaking rep in Singapore
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Home" in sidebar(page).inner_text()

    switch_language(page, "zh-hans")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "首页" in sidebar(page).inner_text()
    assert page.locator("#language-select").input_value() == "zh-hans"
    assert User.objects.get(username="daniel.lim").language == "zh-hans"

    logout(page, live_server)
    assert reverse("auth:login") in page.url
    # Forget the browser's language cookie: the language must come from the person's setting.
    page.context.clear_cookies()
    login(page, live_server, "daniel.lim", DEMO_PASSWORD)

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "首页" in sidebar(page).inner_text()
    assert page.errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "375"])
def test_it_shows_the_demo_home_page_in_both_languages_at_desktop_and_phone_width(
    new_page: Callable[..., Any], live_server: Any, demo_company: None, viewport: dict[str, int]
) -> None:
    page = new_page(**viewport)
    login(page, live_server, "manager", DEMO_PASSWORD)  # 王磊: a team, a manager, direct reports
    width = viewport["width"]

    home_label = {"en": "Home", "zh-hans": "首页"}
    for code in each_language(page):
        assert page.locator("html").get_attribute("lang") == code
        assert home_label[code] in page.locator("aside").text_content()  # collapsed on a phone
        assert "王磊" in page.locator("h1").inner_text()
        assert "华东销售一部" in page.locator("main").inner_text()
        screenshot(page, f"home-manager-{code}-{width}")
        assert not has_horizontal_overflow(page), f"the home page scrolls sideways at {width} px ({code})"
    assert page.errors == []
