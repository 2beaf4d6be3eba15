"""Finding things in a real browser: the command palette finds 天祥精密 by its initials, on a phone,
in both languages (issue 13 §3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.customers.tests.factories import AccountFactory
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User

from .harness import PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_palette_finds_a_chinese_account_by_its_initials(
    new_page: Callable[..., Any], live_server: Any, demo_company: None, width: int
) -> None:
    rep = User.objects.get(username="rep")
    AccountFactory(owner=rep, name="天祥精密机械有限公司", city="上海")
    AccountFactory(owner=rep, name="北京精密仪器厂", city="北京")
    page = new_page(width=width, height=PHONE["height"] if width < 576 else 900)
    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "core:home") == 200
    for code in each_language(page):
        page.keyboard.press("Control+k")
        field = page.locator("#palette-input")
        field.wait_for(state="visible")
        field.fill("txjm")
        found = page.locator("#palette-list [role=option]", has_text="天祥精密机械有限公司")
        found.first.wait_for(state="visible")
        assert page.locator("#palette-list [role=option]", has_text="北京精密仪器厂").count() == 0
        assert not has_horizontal_overflow(page)
        screenshot(page, f"search-palette-txjm-{width}-{code}", full_page=False)
        field.fill("上海 精密")
        page.locator("#palette-list [role=option]", has_text="天祥精密机械有限公司").first.wait_for(
            state="visible"
        )
        page.keyboard.press("Enter")
        page.wait_for_url("**/customers/accounts/*/")
        assert "天祥精密机械有限公司" in page.locator("main").inner_text()
        visit(page, live_server, "core:home")
    assert page.errors == []
