"""Lists open on what the person works on, in a real browser on the demo company (decision 0028).

王小明 (rep) opens the customers list and sees his own customers, the default shown as a chip;
王磊 (manager of 华东销售一部) saves a view for his team; 张伟 (his teammate) finds it under
"Team views". At 1440 px and on a 375 px phone, in English and in 简体中文.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.core.models import SavedView
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Team, User

from .harness import PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDE = {"width": 1440, "height": 900}
# One filter per saved view: a list whose query is already a saved view offers no "Save view".
STAGES = {
    (1440, "en"): "customer",
    (1440, "zh-hans"): "prospect",
    (375, "en"): "loyal",
    (375, "zh-hans"): "lead",
}


def test_a_rep_opens_customers_on_his_own(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    rep = User.objects.get(username="rep")
    for viewport in (WIDE, PHONE):
        page = new_page(**viewport)
        login(page, live_server, "rep", DEMO_PASSWORD)
        visit(page, live_server, "customers:account-list")
        for code in each_language(page):
            chip = page.locator(".filter-chip", has_text="我的" if code == "zh-hans" else "Mine")
            assert chip.count() == 1
            assert page.locator("#filter-whose").input_value() == "me"
            owners = page.locator("table.account-table tbody td.text-nowrap", has=page.locator(".avatar"))
            assert owners.count() > 0
            assert all(rep.display_name in text for text in owners.all_inner_texts())
            assert page.locator("table.account-table .bi-water").count() == 0  # no pool customers
            screenshot(page, f"lists-rep-customers-{viewport['width']}-{code}")
            assert not has_horizontal_overflow(page)
        # Removing the chip shows everything he may see, the pools' customers too.
        with page.expect_navigation():
            page.locator(".filter-chip").first.click()
        assert page.url.endswith("?whose=all")
        assert page.locator("#filter-whose").input_value() == "all"
        assert page.errors == []


def test_a_manager_saves_a_view_for_the_team_and_a_teammate_sees_it(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    east = Team.objects.get(name="华东销售一部")
    for viewport in (WIDE, PHONE):
        width = viewport["width"]
        page = new_page(**viewport)
        login(page, live_server, "manager", DEMO_PASSWORD)
        visit(page, live_server, "/customers/accounts/?lifecycle=customer")
        for code in each_language(page):
            stage = STAGES[(width, code)]
            visit(page, live_server, f"/customers/accounts/?lifecycle={stage}")
            name = f"East {code} {width}"
            page.locator("button.dropdown-toggle:has(.bi-bookmark-plus)").first.click()
            page.locator("#saved-view-name").fill(name)
            page.locator("#saved-view-share").select_option(f"team-{east.pk}")
            screenshot(page, f"lists-manager-save-team-view-{width}-{code}", full_page=False)
            with page.expect_navigation():
                page.locator('form[action="/views/save/"] button').click()
            assert page.locator(f'[data-saved-view="{name}"] .nav-link.active').count() == 1
            assert page.locator("[data-team-views]").count() == 1
            assert not has_horizontal_overflow(page)
        assert page.errors == []
        assert SavedView.objects.filter(team=east, name__endswith=str(width)).count() == 2

        mate = new_page(**viewport)
        login(mate, live_server, "zhang.wei", DEMO_PASSWORD)
        visit(mate, live_server, "customers:account-list")
        for code in each_language(mate):
            heading = mate.locator("[data-team-views]")
            assert heading.count() == 1
            assert mate.locator(f'[data-saved-view="East {code} {width}"]').count() == 1
            with mate.expect_navigation():
                mate.locator(f'[data-saved-view="East {code} {width}"] a').click()
            assert f"lifecycle={STAGES[(width, code)]}" in mate.url
            # Not his to delete: no delete button on a teammate's view.
            assert mate.locator(f'[data-saved-view="East {code} {width}"] form').count() == 0
            screenshot(mate, f"lists-teammate-sees-team-view-{width}-{code}", full_page=False)
            assert not has_horizontal_overflow(mate)
            visit(mate, live_server, "customers:account-list")
        assert mate.errors == []


def test_deals_and_leads_open_on_the_persons_own_and_fit_a_phone(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    for username, name, whose in (("manager", "deals:deal-list", "team"), ("rep", "leads:lead-list", "me")):
        for viewport in (WIDE, PHONE):
            page = new_page(**viewport)
            login(page, live_server, username, DEMO_PASSWORD)
            visit(page, live_server, name)
            for code in each_language(page):
                assert page.locator("#filter-whose").input_value() == whose
                assert page.locator(".filter-chip").count() == 1
                assert page.locator("[data-default-view].active").count() == 1
                what = name.split(":")[1].removesuffix("-list")
                screenshot(page, f"lists-{username}-{what}s-{viewport['width']}-{code}")
                assert not has_horizontal_overflow(page)
            assert page.errors == []


def test_with_more_people_than_a_page_the_owner_filter_searches(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None, monkeypatch: Any
) -> None:
    from tandem.core import listing

    monkeypatch.setattr(listing, "OWNER_OPTIONS", 3)  # the live server runs in this process
    zhao = User.objects.get(username="zhao.min")
    page = new_page(**WIDE)
    login(page, live_server, "admin", DEMO_PASSWORD)
    visit(page, live_server, "customers:account-list")
    assert page.locator("#filter-owner option").count() == 4  # "any" and the first three
    search = page.locator('input[form="filter-owner-search"]')
    search.fill(zhao.display_name)
    page.locator(f'#filter-owner option[value="{zhao.pk}"]').wait_for(state="attached")
    assert page.locator("#filter-owner option").count() == 2
    assert "/people/options/" not in page.url
    page.locator("#filter-owner").select_option(str(zhao.pk))  # filters the list in place
    page.wait_for_url(f"**owner={zhao.pk}**")
    assert page.locator("table.account-table tbody tr").count() > 0
    screenshot(
        page, "lists-owner-search-1440-" + page.locator("html").get_attribute("lang").lower(), full_page=False
    )
    assert page.errors == []
