"""Ownership in a real browser, on the demo company: who a deal may go to, where it went, a
customer's open deals going along with it, and a departure previewed, split and carried out.

The demo's 曹阳 is technical support: nobody may give him a deal. 何静 (South China sales) is
made a member of East China sales one too: within 王磊's reach, but what she receives goes to her
own team, out of his sight.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tandem.core.models import Notification
from tandem.customers.models import Account, Pool
from tandem.deals.models import Deal
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Membership, Team, User

from .harness import (
    DESKTOP,
    PHONE,
    each_language,
    has_horizontal_overflow,
    login,
    screenshot,
    visit,
    wait_for_toast,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def options(page: Page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(f"{selector} option").all_inner_texts()]


def open_reassign(page: Page) -> None:
    page.locator('#deal-page [data-bs-toggle="dropdown"]').first.click()
    page.locator('a.dropdown-item[href="#reassign-panel"]').click()
    page.locator("#reassign-panel select[name=owner]").wait_for(state="visible")


def test_a_deal_goes_only_to_who_may_own_it_and_the_giver_learns_where_it_went(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    east = Team.objects.get(name="华东销售一部")
    he_jing = User.objects.get(username="he.jing")
    Membership.objects.create(user=he_jing, team=east, is_primary=False)
    deal = Deal.objects.filter(owner__username="rep", status="open").order_by("pk").first()
    assert deal is not None
    for viewport in (DESKTOP, PHONE):
        page = new_page(**viewport)
        login(page, live_server, "manager", DEMO_PASSWORD)
        visit(page, live_server, "deals:deal-detail", deal.pk)
        for code in each_language(page):
            open_reassign(page)
            offered = options(page, "#reassign-panel select[name=owner]")
            assert any("张伟" in o for o in offered) and any("何静" in o for o in offered)
            assert not any("曹阳" in o for o in offered), offered
            screenshot(page, f"ownership-deal-reassign-{code}-{viewport['width']}")
            assert not has_horizontal_overflow(page)
        assert page.errors == []

    page = new_page()
    login(page, live_server, "manager", DEMO_PASSWORD)  # reads Chinese: the last language chosen
    visit(page, live_server, "deals:deal-detail", deal.pk)
    open_reassign(page)
    page.locator("#reassign-panel select[name=owner]").select_option(str(he_jing.pk))
    with page.expect_navigation():
        page.locator('#reassign-panel button[type="submit"]').click()
    assert page.url.endswith(reverse("deals:deal-list"))
    toast = wait_for_toast(page, "success")
    assert f"商机「{deal.name}」已转给 何静（华南销售一部），你已无法查看。" in toast
    screenshot(page, "ownership-deal-went-out-of-sight-zh-hans-1366", full_page=False)
    assert Deal.objects.get(pk=deal.pk).owner == he_jing
    assert Notification.objects.filter(recipient=he_jing, kind="deal_assigned").exists()
    assert page.errors == []


def test_a_customers_open_deals_go_along_when_it_changes_hands(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    account = (
        Account.objects.filter(owner__username="rep", deals__status="open", deals__owner__username="rep")
        .order_by("pk")
        .first()
    )
    assert account is not None
    open_deals = list(Deal.objects.filter(account=account, owner__username="rep", status="open"))
    for viewport in (DESKTOP, PHONE):
        page = new_page(**viewport)
        login(page, live_server, "manager", DEMO_PASSWORD)
        visit(page, live_server, "customers:account-assign", account.pk)
        for code in each_language(page):
            assert page.locator('input[name="move_related"]').is_checked()
            assert not any("曹阳" in o for o in options(page, "select[name=owner]"))
            screenshot(page, f"ownership-account-assign-{code}-{viewport['width']}")
            assert not has_horizontal_overflow(page)
    page = new_page()
    login(page, live_server, "manager", DEMO_PASSWORD)
    visit(page, live_server, "customers:account-assign", account.pk)
    zhang_wei = User.objects.get(username="zhang.wei")
    page.locator("select[name=owner]").select_option(str(zhang_wei.pk))
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()
    assert "一并转移" in wait_for_toast(page, "success")
    screenshot(page, "ownership-account-assigned-zh-hans-1366", full_page=False)
    assert {d.owner_id for d in Deal.objects.filter(pk__in=[d.pk for d in open_deals])} == {zhang_wei.pk}
    assert page.errors == []


def test_an_administrator_previews_splits_and_carries_out_a_departure(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    rep = User.objects.get(username="rep")
    zhang_wei = User.objects.get(username="zhang.wei")
    liu_yang = User.objects.get(username="liu.yang")
    pool = Pool.objects.get(name="华东公海")
    accounts = Account.objects.filter(owner=rep).count()
    deals = Deal.all_objects.filter(owner=rep).count()
    assert accounts and deals
    for viewport in (DESKTOP, PHONE):
        page = new_page(**viewport)
        login(page, live_server, "admin", DEMO_PASSWORD)
        visit(page, live_server, "org:person-deactivate", rep.pk)
        for code in each_language(page):
            form = page.locator("#transfer-form")
            form.locator('select[name="target"]').select_option(str(zhang_wei.pk))
            form.locator("details.transfer-split summary").click()
            form.locator('select[name="to_deal"]').select_option(str(liu_yang.pk))
            form.locator('select[name="pool_account"]').select_option(str(pool.pk))
            screenshot(page, f"ownership-deactivate-form-{code}-{viewport['width']}")
            with page.expect_navigation():
                form.locator('button[name="preview"]').click()
            preview = page.locator("#transfer-preview")
            assert preview.is_visible()
            assert "刘洋" in preview.inner_text() and "华东公海" in preview.inner_text()
            screenshot(page, f"ownership-deactivate-preview-{code}-{viewport['width']}")
            assert not has_horizontal_overflow(page), (
                f"the preview scrolls sideways at {viewport['width']} px"
            )
        assert User.objects.get(pk=rep.pk).is_active  # a preview moves nothing
        assert page.errors == []

    page = new_page()
    login(page, live_server, "admin", DEMO_PASSWORD)
    visit(page, live_server, "org:person-deactivate", rep.pk)
    form = page.locator("#transfer-form")
    form.locator('select[name="target"]').select_option(str(zhang_wei.pk))
    form.locator("details.transfer-split summary").click()
    form.locator('select[name="to_deal"]').select_option(str(liu_yang.pk))
    form.locator('select[name="pool_account"]').select_option(str(pool.pk))
    form.locator('button[type="submit"]:not([name])').click()
    with page.expect_navigation():
        page.locator("#confirm-ok").click()
    wait_for_toast(page, "success")
    assert not User.objects.get(pk=rep.pk).is_active
    assert Account.objects.filter(owner=rep).count() == 0
    assert Account.objects.filter(previous_owner=rep, owner__isnull=True, pool=pool).count() >= accounts
    assert Deal.all_objects.filter(owner=liu_yang).count() >= deals
    assert Notification.objects.filter(recipient=liu_yang, kind="transfer_received").count() == 1
    for viewport in (DESKTOP, PHONE):
        page = new_page(**viewport)
        login(page, live_server, "admin", DEMO_PASSWORD)
        visit(page, live_server, "org:transfers")
        for code in each_language(page):
            assert "华东公海" in page.locator("main").inner_text()
            screenshot(page, f"ownership-transfers-log-{code}-{viewport['width']}")
            assert not has_horizontal_overflow(page)
        assert page.errors == []
