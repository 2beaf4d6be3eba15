"""Words in the reader's language, in a real browser (issue 13 §4–5, decision 0030).

An administrator adds a lost reason with a name in each language; a rep loses a deal with it
from the deal page (and meets the board's lost dialog); the deal page reads the reason in each
language; a notification reads in its reader's language. At 1440 px and 375 px, in English and
in Chinese. Elements are found by ids, names and data attributes, never by visible text.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from playwright.sync_api import Page, expect

from tandem.core.access import Actor
from tandem.deals import services
from tandem.deals.models import Deal, DealStatus, LostReason
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User

from .harness import (
    LANGUAGES,
    PHONE,
    has_horizontal_overflow,
    login,
    logout,
    screenshot,
    switch_language,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDE = {"width": 1440, "height": 900}
WIDTHS = (WIDE, PHONE)


def _language(page: Page, code: str) -> None:
    if page.locator("#language-select").input_value() != code:
        switch_language(page, code)


def _fits(page: Page) -> None:
    if page.viewport_size and page.viewport_size["width"] <= PHONE["width"]:
        assert not has_horizontal_overflow(page), f"{page.url} scrolls sideways at 375 px"


def _add_reason(page: Page, live_server: Any, width: int) -> LostReason:
    """The administrator's part: a new reason named in both languages."""
    name = f"Built it in-house {width}"
    visit(page, live_server, "deals:lost-reason-create")
    page.fill('input[name="name"]', name)
    page.fill('input[name="name_en"]', name)
    page.fill('input[name="name_zh_hans"]', f"客户自研 {width}")
    with page.expect_navigation():
        page.locator('form.form-card button[type="submit"]').click()
    reason = LostReason.objects.get(name=name)
    assert reason.names == {"en": name, "zh-hans": f"客户自研 {width}"}
    for code in LANGUAGES:
        _language(page, code)
        row = page.locator(f'[data-lost-reason-row="{reason.pk}"]')
        expect(row).to_contain_text(f"客户自研 {width}" if code == "zh-hans" else name)
        _fits(page)
        screenshot(page, f"words-lost-reasons-{width}-{code}")
    return reason


def _lose_on_the_deal_page(page: Page, live_server: Any, deal: Deal, reason: LostReason, width: int) -> None:
    visit(page, live_server, "deals:deal-detail", deal.pk)
    _language(page, "en")
    toggle = page.locator(".dropdown", has=page.locator('a[href="#lost-panel"]')).locator(
        '[data-bs-toggle="dropdown"]'
    )
    toggle.first.click()
    page.locator('.dropdown-menu a[href="#lost-panel"]').first.click()
    panel = page.locator("#lost-panel")
    expect(panel).to_be_visible()
    # "Other" without a note is refused beside the field, and nothing changes.
    other = LostReason.objects.get(is_other=True)
    panel.locator('select[name="lost_reason"]').select_option(str(other.pk))
    panel.locator('button[type="submit"]').click()
    expect(page.locator("#lost-panel .invalid-feedback, #lost-panel .alert").first).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.OPEN
    screenshot(page, f"words-lost-refused-{width}-en")
    panel = page.locator("#lost-panel")
    panel.locator('select[name="lost_reason"]').select_option(str(reason.pk))
    panel.locator('input[name="lost_note"]').fill("Their IT team wrote one")
    panel.locator('button[type="submit"]').click()
    expect(page.locator("[data-lost-reason]")).to_be_visible()
    lost = Deal.objects.get(pk=deal.pk)
    assert (lost.status, lost.lost_reason_ref_id, lost.lost_reason) == (
        DealStatus.LOST,
        reason.pk,
        "Their IT team wrote one",
    )
    visit(page, live_server, "deals:deal-detail", deal.pk)
    for code in LANGUAGES:
        _language(page, code)
        shown = page.locator("[data-lost-reason]")
        expect(shown).to_contain_text(reason.names[code])
        expect(shown).to_contain_text("Their IT team wrote one")
        _fits(page)
        screenshot(page, f"words-deal-lost-{width}-{code}")


def _board_dialog(page: Page, live_server: Any, deal: Deal, reason: LostReason, width: int) -> None:
    """The board's lost dialog offers the reasons by their name in the reader's language."""
    visit(page, live_server, "deals:board")
    for code in LANGUAGES:
        _language(page, code)
        options = page.locator("#lost-reason option")
        expect(options.filter(has_text=reason.names[code])).to_have_count(1)
        page.evaluate("() => window.tabler && window.tabler.Modal.getOrCreateInstance('#lost-modal').show()")
        expect(page.locator("#lost-modal")).to_be_visible()
        page.locator("#lost-reason").select_option(str(LostReason.objects.get(is_other=True).pk))
        expect(page.locator("#lost-note")).to_have_attribute("required", "")
        screenshot(page, f"words-board-lost-dialog-{width}-{code}", full_page=False)
        page.locator('#lost-modal .modal-footer [data-bs-dismiss="modal"]').click()
        expect(page.locator("#lost-modal")).to_be_hidden()


def _notification_in_the_readers_language(page: Page, live_server: Any, rep: User, width: int) -> None:
    """The administrator (in English) gives the rep a deal: the rep is told in the rep's language."""
    admin = User.objects.get(username="admin")
    deal = cast(Deal, DealFactory(owner=admin, name=f"Handover {width}"))
    services.deal_update(actor=Actor.for_user(admin), deal=deal, data={}, owner=rep)
    visit(page, live_server, "core:notifications")
    for code in LANGUAGES:
        _language(page, code)
        text = page.locator("main").inner_text()
        assert f"Handover {width}" in text
        assert ("商机" in text) if code == "zh-hans" else ("gave you the deal" in text), text[:500]
        _fits(page)
        screenshot(page, f"words-notification-{width}-{code}")


@pytest.mark.parametrize("size", WIDTHS, ids=["1440", "375"])
def test_lost_reasons_and_notifications_read_in_each_language(
    new_page: Any, live_server: Any, demo_company: None, size: dict[str, int]
) -> None:
    width = size["width"]
    page = new_page(**size)
    login(page, live_server, "admin", DEMO_PASSWORD)
    reason = _add_reason(page, live_server, width)
    logout(page, live_server)

    rep = User.objects.get(username="rep")
    deal = cast(
        Deal, DealFactory(owner=rep, name=f"Lathe upgrade {width}", stage=stage_named("Qualification"))
    )
    login(page, live_server, "rep", DEMO_PASSWORD)
    _lose_on_the_deal_page(page, live_server, deal, reason, width)
    DealFactory(owner=rep, name=f"Spindle retrofit {width}", stage=stage_named("Qualification"))
    _board_dialog(page, live_server, deal, reason, width)
    _notification_in_the_readers_language(page, live_server, rep, width)
    assert not [e for e in page.errors if "Failed to load resource" not in e], page.errors


# --- An import's messages (issue 13 §5, decision 0030's addendum) ------------------------------

IMPORT_MESSAGES = {
    "en": ("Enter a country name or a two-letter code such as CN or US.", "No person called “Nobody”."),
    "zh-hans": ("请输入国家名称或两位字母代码，例如 CN 或 US。", "没有名为“Nobody”的成员。"),
}


@pytest.mark.parametrize("size", WIDTHS, ids=["1440", "375"])
@pytest.mark.parametrize("written_in", LANGUAGES)
def test_an_import_run_reads_in_the_readers_language(
    new_page: Any, live_server: Any, demo_company: None, tmp_path: Any, size: dict[str, int], written_in: str
) -> None:
    """The manager checks a file in one language and reads the run page in each: the problem
    summary and every row's message follow the page's language, not the one of the check."""
    from django.utils import translation

    from tandem.imports.tests.helpers import run, write_csv

    width = size["width"]
    manager = User.objects.get(username="manager")
    rows = [["Name", "Country", "Owner"], *[[f"Firm {i}", "Atlantis", "Nobody"] for i in range(3)]]
    with translation.override(written_in):
        job = run(
            Actor.for_user(manager),
            "account",
            write_csv(tmp_path / "accounts.csv", rows),
            commit=False,
            columns={"Name": "name", "Country": "country", "Owner": "owner"},
        )
    page = new_page(**size)
    login(page, live_server, "manager", DEMO_PASSWORD)
    visit(page, live_server, "imports:job-detail", job.pk)
    for code in LANGUAGES:
        _language(page, code)
        other = IMPORT_MESSAGES["en" if code == "zh-hans" else "zh-hans"]
        problems = " ".join(page.locator("[data-import-problem]").all_inner_texts())
        messages = " ".join(page.locator("[data-import-message]").all_inner_texts())
        for text in IMPORT_MESSAGES[code]:
            assert text in problems and text in messages, (code, problems, messages)
        assert not any(text in problems + messages for text in other)
        _fits(page)
        screenshot(page, f"words2-import-run-written-in-{written_in}-{width}-{code}")
    assert not [e for e in page.errors if "Failed to load resource" not in e], page.errors


# --- The demo's teams by their name in the reader's language --------------------------------


@pytest.mark.parametrize("size", WIDTHS, ids=["1440", "375"])
def test_the_demo_teams_read_in_each_language(
    new_page: Any, live_server: Any, demo_company: None, size: dict[str, int]
) -> None:
    """The people list and a team's page name the demo's teams in the page's language."""
    from tandem.org.models import Team

    width = size["width"]
    east = Team.objects.get(name="华东销售一部")
    page = new_page(**size)
    login(page, live_server, "admin", DEMO_PASSWORD)
    for code in LANGUAGES:
        visit(page, live_server, "org:people")
        _language(page, code)
        people = page.locator("main").inner_text()
        assert east.names[code] in people, people[:500]
        assert "East China Sales 1" not in people if code == "zh-hans" else "华东销售一部" not in people
        _fits(page)
        screenshot(page, f"words2-team-names-people-{width}-{code}")
        visit(page, live_server, "org:team-detail", east.pk)
        pretitle = page.locator(".page-pretitle").text_content() or ""
        assert ("华东大区" if code == "zh-hans" else "East China region") in pretitle, pretitle
        _fits(page)
        screenshot(page, f"words2-team-names-team-{width}-{code}")
    assert not [e for e in page.errors if "Failed to load resource" not in e], page.errors


# --- Account levels named per language (issue 13 §5) -------------------------------------------


@pytest.mark.parametrize("size", WIDTHS, ids=["1440", "375"])
def test_an_administrator_names_an_account_level_in_each_language(
    new_page: Any, live_server: Any, demo_company: None, size: dict[str, int]
) -> None:
    from tandem.customers.models import AccountLevel

    width = size["width"]
    page = new_page(**size)
    login(page, live_server, "admin", DEMO_PASSWORD)
    visit(page, live_server, "customers:account-level-create")
    page.fill('input[name="code"]', f"K{width}")
    page.fill('input[name="name"]', f"Key account {width}")
    page.fill('input[name="name_en"]', f"Key account {width}")
    page.fill('input[name="name_zh_hans"]', f"重点客户 {width}")
    with page.expect_navigation():
        page.locator('form.form-card button[type="submit"]').click()
    level = AccountLevel.objects.get(code=f"K{width}")
    assert level.names == {"en": f"Key account {width}", "zh-hans": f"重点客户 {width}"}
    for code in LANGUAGES:
        _language(page, code)
        visit(page, live_server, "customers:account-level-list")
        row = page.locator(f'[data-level-row="{level.pk}"] td.fw-medium')
        expect(row).to_have_text(f"Key account {width}" if code == "en" else f"重点客户 {width}")
        _fits(page)
        screenshot(page, f"words-account-levels-{width}-{code}")
