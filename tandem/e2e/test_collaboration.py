"""Issue 14 end to end in a real browser: a deal walks from the rep to the account manager to
technical support, with an approval for a discount on the way, and each person's inbox shows
what concerned them — in both languages.

1. The rep gives a 20 % discount on the deal's line: a flow holds it for the rep's manager.
2. The manager finds the request in the inbox, opens it and approves: the discount applies.
3. The deal is won; the rep hands it to the account manager with the checklist ticked.
4. The account manager accepts from the inbox: the deal is theirs, the rep stays on its team.
5. The account manager hands it to technical support, who accepts and joins the record team —
   technical support's roles give no scope on deals, the record team is what lets them in.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.approvals.models import ApprovalRequest
from tandem.approvals.tests.factories import discount_flow
from tandem.core.access import Actor
from tandem.core.models import Notification
from tandem.customers.tests.factories import AccountFactory
from tandem.deals import services as deal_services
from tandem.deals.models import Deal, DealLine
from tandem.deals.tests.factories import DealFactory, ProductFactory, stage_named
from tandem.handoffs.models import Handoff, HandoffStatus
from tandem.handoffs.tests.factories import template
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User
from tandem.recordteams.selectors import membership

from .harness import each_language, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _inbox(page: Any, live_server: Any, who: str, must_link: str) -> None:
    """The person's inbox lists a notification that opens ``must_link``: shown in both languages,
    then opened, as the person would (it marks it read and goes to the record)."""
    assert visit(page, live_server, "core:notifications") == 200
    for code in each_language(page):
        screenshot(page, f"collab-inbox-{who}-{code}")
    opens = page.locator("form[action$='/open/']:not(:has(input[name=stay]))")
    actions = [opens.nth(i).get_attribute("action") or "" for i in range(opens.count())]
    by_action = {a: Notification.objects.get(pk=int(a.split("/")[2])) for a in actions}
    mine = [a for a, n in by_action.items() if must_link in n.url]
    assert mine, [n.url for n in by_action.values()]
    assert by_action[mine[0]].recipient.username == who
    with page.expect_navigation():
        page.locator(f"form[action='{mine[0]}']:not(:has(input[name=stay])) button").click()
    assert must_link in page.url
    assert Notification.objects.get(pk=by_action[mine[0]].pk).read_at is not None


def _send_handoff(page: Any, deal: Deal, tpl_pk: int, recipient: User, checked: int) -> None:
    send_url = f"/handoffs/send/deal/{deal.pk}/{tpl_pk}/"
    page.locator(f'[data-handoffs-card] a[href="{send_url}"]').click()
    page.wait_for_load_state()
    page.select_option("select[name=recipient]", str(recipient.pk))
    for n in range(checked):
        page.locator(f'input[name=checked][value="{n}"]').check()
    page.fill("textarea[name=note]", "客户 IT 对接人是王工。Go-live on the 15th.")
    with page.expect_navigation():
        page.locator("form.form-card button[type=submit]").click()


def _accept(page: Any, live_server: Any, handoff: Handoff) -> None:
    visit(page, live_server, "handoffs:detail", handoff.pk)
    with page.expect_navigation():
        page.locator(f'form[action="/handoffs/{handoff.pk}/accept/"] button[type=submit]').click()


def test_a_deal_walks_from_rep_to_account_manager_to_support_with_an_approval(
    new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    rep, manager, am, support = (User.objects.get(username=u) for u in ("rep", "manager", "am", "support"))
    assert rep.manager_id == manager.pk
    discount_flow(min_discount="15")  # the rep's manager approves discounts of 15 % and more
    to_am = template()  # a won deal → the account manager, who becomes its owner
    to_support = template(
        name="Onboarding to technical support",
        names={"zh-hans": "交接给技术支持"},
        from_role="account_manager",
        to_role="support",
        trigger="manual",
        checklist=[],
        required_fields=[],
        on_accept="member",
        sender_stays=False,
        sender_role="",
    )
    product = ProductFactory(list_price=Decimal("50000"), currency="CNY")
    account = AccountFactory(owner=rep, lifecycle="customer")
    deal: Any = DealFactory(owner=rep, account=account, stage=stage_named("Negotiation"), currency="CNY")
    deal = deal_services.deal_update(
        actor=Actor.for_user(rep),
        deal=deal,
        data={},
        lines=[
            {"product": product, "quantity": Decimal("2"), "unit_price": None, "discount_percent": Decimal(0)}
        ],
    )

    # 1. The rep gives 20 %: held for approval, nothing applied yet.
    page = new_page()
    login(page, live_server, "rep", DEMO_PASSWORD)
    visit(page, live_server, "deals:deal-edit", deal.pk)
    page.locator("tr[data-line]:not([hidden])").first.locator("[data-line-discount_percent]").fill("20")
    with page.expect_navigation():
        page.locator("form[data-deal-lines] button[type=submit]").last.click()
    approval = ApprovalRequest.objects.get(status="pending")
    assert DealLine.objects.get(deal=deal).discount_percent == 0
    visit(page, live_server, "deals:deal-detail", deal.pk)
    for code in each_language(page):
        screenshot(page, f"collab-deal-held-{code}")
    logout(page, live_server)

    # 2. The manager approves from the inbox.
    login(page, live_server, "manager", DEMO_PASSWORD)
    _inbox(page, live_server, "manager", f"/approvals/{approval.pk}/")
    visit(page, live_server, "approvals:detail", approval.pk)
    page.fill("#approve-text", "OK for a two-year contract.")
    with page.expect_navigation():
        page.locator(f'form[action="/approvals/{approval.pk}/approve/"] button[type=submit]').click()
    approval.refresh_from_db()
    assert approval.status == "approved"
    assert DealLine.objects.get(deal=deal).discount_percent == Decimal(20)
    logout(page, live_server)

    # 3. Won, and handed to the account manager with the checklist ticked.
    deal = Deal.objects.get(pk=deal.pk)
    deal_services.deal_move(actor=Actor.for_user(rep), deal=deal, stage=stage_named("Won"))
    login(page, live_server, "rep", DEMO_PASSWORD)
    _inbox(page, live_server, "rep", f"/approvals/{approval.pk}/")
    visit(page, live_server, "deals:deal-detail", deal.pk)
    _send_handoff(page, deal, to_am.pk, am, checked=2)
    first = Handoff.objects.get(deal=deal, template=to_am)
    assert first.status == HandoffStatus.PENDING and first.recipient_id == am.pk
    logout(page, live_server)

    # 4. The account manager accepts from the inbox; then hands it to technical support.
    login(page, live_server, "am", DEMO_PASSWORD)
    _inbox(page, live_server, "am", f"/handoffs/{first.pk}/")
    _accept(page, live_server, first)
    assert Deal.objects.get(pk=deal.pk).owner_id == am.pk
    assert membership(rep, deal) is not None  # the rep stays on the deal's team
    visit(page, live_server, "deals:deal-detail", deal.pk)
    _send_handoff(page, deal, to_support.pk, support, checked=0)
    second = Handoff.objects.get(deal=deal, template=to_support)
    logout(page, live_server)

    # 5. Technical support accepts and is on the record team: the deal opens for them.
    login(page, live_server, "support", DEMO_PASSWORD)
    _inbox(page, live_server, "support", f"/handoffs/{second.pk}/")
    _accept(page, live_server, second)
    second.refresh_from_db()
    assert second.status == HandoffStatus.ACCEPTED
    assert membership(support, deal) is not None
    assert visit(page, live_server, "deals:deal-detail", deal.pk) == 200
    for code in each_language(page):
        screenshot(page, f"collab-deal-support-{code}")
    logout(page, live_server)

    # And the rep heard that the account manager accepted.
    login(page, live_server, "rep", DEMO_PASSWORD)
    _inbox(page, live_server, "rep", f"/handoffs/{first.pk}/")
    assert not page.errors, page.errors
