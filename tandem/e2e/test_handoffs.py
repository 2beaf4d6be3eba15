"""A won deal handed off in a real browser: the rep sends it to the account manager with the
checklist ticked and a note; the account manager finds it in their incoming handoffs and accepts;
the deal is theirs, and the rep stays on its team. Pages checked in both languages at 375 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.handoffs.models import Handoff, HandoffStatus
from tandem.handoffs.tests.factories import template
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User
from tandem.recordteams.selectors import membership

from .harness import PHONE, each_language, has_horizontal_overflow, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_rep_hands_a_won_deal_to_the_account_manager_who_accepts(
    page: Any, new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    am = User.objects.get(username="am")
    tpl = template()
    account = AccountFactory(owner=rep, lifecycle="customer")
    deal: Any = DealFactory(owner=rep, account=account, stage=stage_named("Won"))

    login(page, live_server, "rep", DEMO_PASSWORD)
    visit(page, live_server, "deals:deal-detail", deal.pk)
    send_url = f"/handoffs/send/deal/{deal.pk}/{tpl.pk}/"
    page.locator(f'[data-handoffs-card] a[href="{send_url}"]').click()
    page.wait_for_load_state()
    page.select_option("select[name=recipient]", str(am.pk))
    page.locator('input[name=checked][value="0"]').check()
    page.locator('input[name=checked][value="1"]').check()
    page.fill("textarea[name=note]", "客户 IT 对接人是王工。")
    with page.expect_navigation():
        page.locator("form.form-card button[type=submit]").click()
    handoff = Handoff.objects.get(deal=deal)
    assert handoff.status == HandoffStatus.PENDING and handoff.recipient_id == am.pk
    logout(page, live_server)

    login(page, live_server, "am", DEMO_PASSWORD)
    visit(page, live_server, "handoffs:list")
    page.locator(f'a[href="/handoffs/{handoff.pk}/"]').first.click()
    page.wait_for_load_state()
    for code in each_language(page):
        screenshot(page, f"handoff-detail-{code}-1366")
    with page.expect_navigation():
        page.locator(f'form[action="/handoffs/{handoff.pk}/accept/"] button[type=submit]').click()
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED
    assert Deal.objects.get(pk=deal.pk).owner_id == am.pk
    assert membership(rep, deal) is not None

    phone = new_page(**PHONE)
    login(phone, live_server, "am", DEMO_PASSWORD)
    for path in ("/handoffs/", f"/handoffs/{handoff.pk}/", f"/deals/{deal.pk}/", "/handoffs/figures/"):
        assert visit(phone, live_server, path) == 200
        for code in each_language(phone):
            assert not has_horizontal_overflow(phone), f"{path} scrolls sideways at 375 px ({code})"
            screenshot(phone, f"handoffs-{path.strip('/').replace('/', '-')}-{code}-375")
