"""Record teams in a real browser: the rep adds technical support to a deal's team from the
deal page at 375 px (htmx, no reload), in both languages without sideways scrolling; support then
opens the deal they could not see before. Elements are found by names and data attributes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User
from tandem.recordteams.models import RecordMember

from .harness import PHONE, each_language, has_horizontal_overflow, login, logout, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_rep_adds_support_to_a_deal_team_on_a_phone(
    new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    support = User.objects.get(username="support")
    DealFactory(owner=rep, account=AccountFactory(owner=rep, name="Heron Logistics"), name="Heron WMS")
    deal = Deal.objects.get(name="Heron WMS")
    page = new_page(**PHONE)
    login(page, live_server, "support", DEMO_PASSWORD)
    assert visit(page, live_server, "deals:deal-detail", deal.pk) == 404
    logout(page, live_server)

    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "deals:deal-detail", deal.pk) == 200
    card = page.locator("#record-team")
    card.locator("details.card-footer > summary").click()
    form = card.locator('form[action$="/add/"]')
    search, person = form.locator('input[type="search"]'), form.locator('select[name="user"]')
    # The rep picks support while the search's answer is still on its way (held here): the
    # refreshed list must keep that choice, not fall back to "Choose a person". The search box
    # sits in the add form and must not take on the form's hx-disabled-elt either (htmx logged
    # "find button[type=submit] returned no matches").
    held: list[Route] = []
    page.route("**/people/?*", lambda route: held.append(route))
    search.fill("support")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the people search was not sent"
    person.select_option(str(support.pk))
    held[0].continue_()
    page.unroute("**/people/?*")
    expect(search).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    expect(person.locator("option")).not_to_have_count(0)
    expect(person).to_have_value(str(support.pk))
    form.locator('select[name="role"]').select_option("support")
    form.locator('button[type="submit"]').click()
    expect(page.locator(f'#record-team [data-member="{support.pk}"]')).to_be_visible()
    assert RecordMember.objects.filter(user=support, object_id=deal.pk).exists()
    for code in each_language(page):
        page.locator("#record-team").scroll_into_view_if_needed()
        assert not has_horizontal_overflow(page), code
        screenshot(page, f"record-team-deal-375-{code}")
    assert not [e for e in page.errors if "Failed to load resource" not in e]
    logout(page, live_server)

    login(page, live_server, "support", DEMO_PASSWORD)
    assert visit(page, live_server, "deals:deal-detail", deal.pk) == 200
