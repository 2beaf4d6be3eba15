"""The KPI administration in a real browser: the rates grid saves a cell in place, a custom KPI
is defined through its form (which redraws for the chosen records), and the three pages fit a
phone in both languages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tandem.kpis.models import ExchangeRate, KpiDefinition
from tandem.org.demo import DEMO_PASSWORD

from .harness import DESKTOP, PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = ("kpis:company-settings", "kpis:exchange-rates", "kpis:kpi-list", "kpis:kpi-create")


def test_an_administrator_keeps_rates_and_defines_a_kpi(
    page: Any, live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "admin", DEMO_PASSWORD)
    assert visit(page, live_server, "kpis:exchange-rates") == 200
    month = f"{timezone.localdate():%Y-%m}"
    cell = page.locator(f'input[name="rate-{month}-USD"]')
    cell.fill("7.1234")
    cell.press("Tab")  # leaving the cell saves it (htmx), no page load
    page.locator(f"td#cell-rate-{month}-USD .text-success").wait_for()
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("7.1234")
    bad = page.locator(f'input[name="rate-{month}-EUR"]')
    bad.fill("seven")
    bad.press("Tab")
    page.locator(f"td#cell-rate-{month}-EUR .invalid-feedback").wait_for()
    assert not ExchangeRate.objects.filter(currency="EUR").exists()

    assert visit(page, live_server, "kpis:kpi-create") == 200
    form = page.locator("#kpi-form")
    form.locator('input[name="name"]').fill("Customer visits")
    form.locator('input[name="code"]').fill("customer_visits")
    form.locator('select[name="source"]').select_option("activity")
    page.locator('#kpi-form input[name="filter_kind"][value="visit"]').wait_for()  # redrawn for follow-ups
    assert page.locator('#kpi-form input[name="filter_status"]').count() == 0
    assert page.locator('#kpi-form input[name="name"]').input_value() == "Customer visits"
    page.locator('#kpi-form input[name="filter_kind"][value="visit"]').check()
    with page.expect_navigation():
        page.locator('#kpi-form button[type="submit"]').click()
    saved = KpiDefinition.objects.get(code="customer_visits")
    assert (saved.source, saved.date_field, saved.filters) == ("activity", "occurred_at", {"kind": ["visit"]})
    assert "Customer visits" in page.locator("main").inner_text()
    screenshot(page, "kpi-list-admin-en-1366")
    # The refused cell answered 400 (its inline error); the browser logs that, nothing else is wrong.
    assert [e for e in page.errors if "status of 400" not in e] == []


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]])
def test_the_kpi_pages_fit_desktop_and_phone_in_both_languages(
    new_page: Any, live_server: Any, demo_company: None, width: int
) -> None:
    ExchangeRate.objects.create(month=datetime.date(2025, 1, 1), currency="USD", rate=Decimal("7.2"))
    page = new_page(width, DESKTOP["height"] if width == DESKTOP["width"] else PHONE["height"])
    login(page, live_server, "admin", DEMO_PASSWORD)
    for name in PAGES:
        assert visit(page, live_server, name) == 200
        for code in each_language(page):
            screenshot(page, f"{name.replace(':', '-')}-admin-{code}-{width}")
            assert not has_horizontal_overflow(page), f"{name} scrolls sideways at {width} px ({code})"
    assert page.errors == []
