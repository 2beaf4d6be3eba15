"""Approvals in a real browser: a rep's discount waits on the deal page, the manager approves it
from a phone, in both languages, and the deal then carries it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from tandem.approvals.tests.factories import discount_flow
from tandem.conftest import World
from tandem.deals import services as deal_services
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, ProductFactory
from tandem.org.tests.factories import PASSWORD

from .harness import PHONE, each_language, has_horizontal_overflow, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_held_discount_is_shown_and_approved_from_a_phone(
    new_page: Any, live_server: Any, world: World
) -> None:
    discount_flow(steps=[{"approver_kind": "manager"}])
    deal = cast(Deal, DealFactory(owner=world.owner, name="Harbour glass renewal"))
    line = {
        "product": ProductFactory(list_price=Decimal("1000")),
        "quantity": 2,
        "discount_percent": Decimal("20"),
    }
    saved = deal_services.deal_update(actor=world.actor(world.owner), deal=deal, data={}, lines=[line])
    [request] = getattr(saved, "held_approvals")  # noqa: B009

    page = new_page(**PHONE)
    login(page, live_server, "owner", PASSWORD)
    assert visit(page, live_server, f"/deals/{deal.pk}/") == 200
    assert page.locator("[data-held-change]").count() == 1
    logout(page, live_server)

    login(page, live_server, "manager", PASSWORD)
    assert visit(page, live_server, "/approvals/?box=waiting") == 200
    for code in each_language(page):
        assert page.locator(f'[data-approval-row="{request.pk}"]').count() == 1
        assert not has_horizontal_overflow(page)
        screenshot(page, f"approvals-waiting-phone-{code}")
    assert visit(page, live_server, f"/approvals/{request.pk}/") == 200
    for code in each_language(page):
        assert not has_horizontal_overflow(page)
        screenshot(page, f"approvals-detail-phone-{code}")
    page.locator(f'form[action="/approvals/{request.pk}/approve/"] button[type="submit"]').click()
    page.wait_for_load_state()
    assert Deal.objects.get(pk=deal.pk).lines.count() == 1
