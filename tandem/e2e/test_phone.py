"""The phone as a first-class device (issue 13 §1, decision 0026), on the demo company's year of data.

Every demo person visits every page their menu offers, a detail page of each kind of record they
can see and each create form they may use, in both languages at 375 px: no page scrolls sideways
(a wide table may scroll inside its own box; the page itself must not). Then a rep's day on a
375 × 812 phone in both languages: claim a customer from the pool, log a follow-up, move a deal
to the next stage, search. Screenshots ``phone-<flow>-<lang>`` and, of the same pages at 1440 px,
``desk-<page>-<lang>``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tandem.activities.models import Activity
from tandem.core import access, nav
from tandem.customers.models import Account, Contact, Pool
from tandem.customers.selectors import pool_queryset
from tandem.deals.models import Deal
from tandem.leads.models import Lead
from tandem.org.demo import DEMO_LOGINS, DEMO_PASSWORD
from tandem.org.models import Position, Team, User

from .harness import (
    LANGUAGES,
    PHONE,
    has_horizontal_overflow,
    login,
    screenshot,
    switch_language,
    visit,
    wait_for_toast,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESK = {"width": 1440, "height": 900}

# (resource, model, detail URL name): a record page of each kind.
DETAILS: list[tuple[str, type[models.Model], str]] = [
    ("account", Account, "customers:account-detail"),
    ("contact", Contact, "customers:contact-detail"),
    ("lead", Lead, "leads:lead-detail"),
    ("deal", Deal, "deals:deal-detail"),
    ("user", User, "org:person-detail"),
    ("team", Team, "org:team-detail"),
    ("position", Position, "org:position-detail"),
]
CREATE_FORMS = [
    ("account", "customers:account-create"),
    ("contact", "customers:contact-create"),
    ("lead", "leads:lead-create"),
    ("deal", "deals:deal-create"),
]


def pages_for(username: str) -> list[tuple[str, str]]:
    """(name, path) of every page a person's menu offers, a record of each kind they see, each create form."""
    user = User.objects.get(username=username)
    actor = access.Actor.for_user(user)
    pages = [("home", reverse("core:home")), ("search", reverse("search:search") + "?q=精密")]
    pages += [(item.url_name, reverse(item.url_name)) for item in nav.items_for(actor)]
    for resource, model, url_name in DETAILS:
        if not actor.has(resource):
            continue
        record = access.visible(actor, resource, model._default_manager.order_by("pk")).first()
        if record is not None:
            pages.append((url_name, reverse(url_name, args=[record.pk])))
    pool = pool_queryset(actor).order_by("pk").first()  # the pools the person belongs to
    if pool is not None:
        pages.append(("customers:pool-detail", reverse("customers:pool-detail", args=[pool.pk])))
    follow_up = Activity.objects.filter(author=user).order_by("-pk").first()
    if follow_up is not None:
        pages.append(("activities:activity-edit", reverse("activities:activity-edit", args=[follow_up.pk])))
    pages += [
        (url_name, reverse(url_name)) for resource, url_name in CREATE_FORMS if actor.has(resource, "create")
    ]
    return pages


def overflows(page: Page) -> bool:
    """The page scrolls sideways: wider than the window (the brief's check) or than the root's box."""
    wider_than_window = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    return bool(wider_than_window) or has_horizontal_overflow(page)


def use_language(page: Page, code: str) -> None:
    """Show the site in ``code`` (the select reloads the page only when the language changes)."""
    if page.locator("#language-select").input_value() != code:
        switch_language(page, code)


def in_view(page: Page, element: Locator) -> bool:
    """The element is wholly inside the 375 px wide screen (not off to the right)."""
    box = element.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    return box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


# --- No page scrolls sideways on a phone -------------------------------------------------------


def test_no_page_scrolls_sideways_at_375_px_for_any_demo_person_in_either_language(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    overflow: list[str] = []
    broken: list[str] = []
    visited = 0
    for username, _label in DEMO_LOGINS:
        pages = pages_for(username)
        page = new_page(**PHONE)
        login(page, live_server, username, DEMO_PASSWORD)
        for code in LANGUAGES:
            use_language(page, code)
            for name, path in pages:
                status = visit(page, live_server, path)
                visited += 1
                if status >= 400:
                    broken.append(f"{username} {name} ({code}): {status}")
                    continue
                assert page.locator("html").get_attribute("lang") == code
                if overflows(page):
                    overflow.append(f"{username} {name} {path} ({code})")
        page.context.close()
    assert (broken, overflow) == ([], []), (
        "these pages answered with an error:\n" + "\n".join(broken) + "\n"
        "these pages scroll sideways at 375 px:\n" + "\n".join(overflow)
    )
    assert visited > 150


def test_the_phone_has_a_compact_top_bar_and_a_bottom_bar_and_the_desktop_keeps_its_sidebar(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    phone = new_page(**PHONE)
    login(phone, live_server, "rep", DEMO_PASSWORD)
    for code in LANGUAGES:
        assert visit(phone, live_server, "core:home") == 200
        use_language(phone, code)
        top = phone.locator("header.topbar").bounding_box()
        assert top is not None and top["height"] <= 56
        bar = phone.locator("nav.bottom-nav")
        expect(bar).to_be_visible()
        expect(phone.locator("#main-menu")).to_be_hidden()
        links = bar.locator("a.bottom-nav-item")
        expect(links).to_have_count(4)  # home, customers, deals, follow-ups; then "Menu"
        expect(bar.locator('a[aria-current="page"]')).to_have_attribute("href", reverse("core:home"))
        # "Menu" opens every other area; Esc closes it.
        bar.locator("[data-menu-toggle]").click()
        expect(phone.locator("#main-menu")).to_be_visible()
        expect(phone.locator(f'#main-menu a[href="{reverse("customers:pool-list")}"]')).to_be_visible()
        screenshot(phone, f"phone-menu-{code}", full_page=False)
        phone.keyboard.press("Escape")
        expect(phone.locator("#main-menu")).to_be_hidden()
        # The deals list is a list of cards: name, account, stage, amount and close date, no header row.
        assert visit(phone, live_server, "deals:deal-list") == 200
        expect(bar.locator('a[aria-current="page"]')).to_have_attribute("href", reverse("deals:deal-list"))
        expect(phone.locator(".deal-table thead")).to_be_hidden()
        card = phone.locator(".deal-table tbody tr").first
        expect(card.locator("td.cell-fact")).to_have_count(4)
        assert in_view(phone, card.locator("td.cell-fact").last)
        screenshot(phone, f"phone-deals-{code}", full_page=False)
    # Forms: one column, the phone's own keyboards and pickers.
    native = {
        "customers:account-create": {"phone": "tel", "next_follow_up_on": "date"},
        "customers:contact-create": {"mobile": "tel", "phone": "tel", "birthday": "date"},
        "leads:lead-create": {"mobile": "tel", "phone": "tel", "next_follow_up_on": "date"},
        "deals:deal-create": {"amount": "number", "expected_close_date": "date"},
    }
    for url_name, fields in native.items():
        assert visit(phone, live_server, url_name) == 200
        for name, kind in fields.items():
            field = phone.locator(f'form.form-card [name="{name}"]')
            assert field.get_attribute("type") == kind, (url_name, name)
            box = field.bounding_box()
            assert box is not None and box["width"] > 300, f"{url_name} {name} is not full width"
        assert not overflows(phone)
    assert phone.locator('form.form-card [name="amount"]').get_attribute("inputmode") == "decimal"
    screenshot(phone, "phone-new-deal-zh-hans", full_page=False)

    desk = new_page(**DESK)
    login(desk, live_server, "rep", DEMO_PASSWORD)
    expect(desk.locator("nav.bottom-nav")).to_be_hidden()
    expect(desk.locator("#main-menu")).to_be_visible()
    for code in LANGUAGES:
        use_language(desk, code)
        assert visit(desk, live_server, "deals:deal-list") == 200
        expect(desk.locator(".deal-table thead")).to_be_visible()
        screenshot(desk, f"desk-deals-{code}")
    assert phone.errors == [] and desk.errors == []


# --- A rep's day on a phone --------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_rep_claims_logs_a_follow_up_moves_a_deal_and_searches_on_a_phone(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None, code: str
) -> None:
    rep = User.objects.get(username="rep")
    pool = Pool.objects.get(name="华东公海")
    page = new_page(**PHONE)
    login(page, live_server, "rep", DEMO_PASSWORD)
    use_language(page, code)
    desk_pages: list[tuple[str, str]] = []

    # Claim: the pool is a list of cards, each with its claim button on screen.
    assert visit(page, live_server, "customers:pool-detail", pool.pk) == 200
    row_ids = [
        int(row_id.removeprefix("pool-row-"))
        for row_id in page.locator('#pool-list tr[id^="pool-row-"]').evaluate_all(
            "rows => rows.map(r => r.id)"
        )
    ]
    account = (
        Account.objects.filter(pk__in=row_ids, owner__isnull=True)
        .exclude(previous_owner=rep)
        .order_by("pk")
        .first()
    )
    assert account is not None
    claim = page.locator(f"#pool-row-{account.pk} button[hx-post]")
    claim.scroll_into_view_if_needed()
    assert in_view(page, claim), "the claim button is off screen"
    assert not overflows(page)
    screenshot(page, f"phone-claim-{code}", full_page=False)
    claim.tap()
    expect(page.locator(f"#pool-row-{account.pk}")).to_have_count(0)
    assert account.name in wait_for_toast(page, "success")
    account.refresh_from_db()
    assert account.owner == rep
    desk_pages.append(("pool", reverse("customers:pool-detail", args=[pool.pk])))

    # Log a follow-up on the customer just claimed; the text reads in lines, not a column.
    assert visit(page, live_server, "customers:account-detail", account.pk) == 200
    form = page.locator("form#quick-followup")
    text = (
        "上门拜访，客户确认下月上线，需要安排两场培训。"
        if code != "en"
        else "Visited: they go live next month."
    )
    form.locator('textarea[name="content"]').fill(text)
    next_on = timezone.localdate() + datetime.timedelta(days=3)
    next_field = form.locator('input[name="next_follow_up_on"]')
    assert next_field.get_attribute("type") == "date"
    next_field.fill(next_on.isoformat())
    form.locator('button[type="submit"]').tap()
    newest = page.locator("#followup-timeline > li").first
    expect(newest).to_contain_text(text)
    wait_for_toast(page, "success")
    activity = Activity.objects.filter(account=account).order_by("-pk").first()
    assert activity is not None and activity.content == text and activity.author == rep
    box = newest.bounding_box()
    assert box is not None and box["width"] > 250, "the follow-up's text is squeezed into a column"
    assert not overflows(page)
    newest.scroll_into_view_if_needed()
    screenshot(page, f"phone-follow-up-{code}", full_page=False)
    desk_pages.append(("account", reverse("customers:account-detail", args=[account.pk])))

    # The follow-ups list: cards with the text full width.
    assert visit(page, live_server, "activities:activity-list") == 200
    summary = page.locator("td.followup-summary").first.bounding_box()
    assert summary is not None and summary["width"] > 250
    assert not overflows(page)
    screenshot(page, f"phone-follow-ups-{code}", full_page=False)
    desk_pages.append(("follow-ups", reverse("activities:activity-list")))

    # Move a deal to the next stage from its page (a button, no drag on a touch screen).
    deal = Deal.objects.filter(owner=rep, status="open").order_by("pk").first()
    assert deal is not None
    stage_before = deal.stage_id
    assert visit(page, live_server, "deals:deal-detail", deal.pk) == 200
    buttons = page.locator(
        f'form[action="{reverse("deals:deal-stage", args=[deal.pk])}"] button[name="stage"]'
    )
    target = None
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if button.get_attribute("aria-describedby") is None:  # a stage whose required fields are filled
            target = button
            break
    assert target is not None, "no stage the deal can move to"
    stage_after = int(target.get_attribute("value") or 0)
    target.scroll_into_view_if_needed()
    assert not overflows(page)
    target.tap()
    wait_for_toast(page)
    deal.refresh_from_db()
    assert deal.stage_id == stage_after != stage_before
    page.locator(".stage-progress").scroll_into_view_if_needed()
    screenshot(page, f"phone-deal-stage-{code}", full_page=False)
    desk_pages.append(("deal", reverse("deals:deal-detail", args=[deal.pk])))

    # Search from the top bar.
    search = page.locator("#global-search")
    expect(search).to_be_visible()
    search.tap()
    search.fill("精密")
    with page.expect_navigation():
        search.press("Enter")
    page.wait_for_load_state()
    assert reverse("search:search") in page.url
    expect(page.locator("main a[href]").filter(has_text="精密").first).to_be_visible()
    assert not overflows(page)
    screenshot(page, f"phone-search-{code}", full_page=False)
    desk_pages.append(("search", reverse("search:search") + "?q=精密"))
    assert page.errors == []

    # The same pages at 1440 px: the desktop layout is unchanged.
    desk = new_page(**DESK)
    login(desk, live_server, "rep", DEMO_PASSWORD)
    use_language(desk, code)
    for name, path in desk_pages:
        assert visit(desk, live_server, path) == 200
        expect(desk.locator("nav.bottom-nav")).to_be_hidden()
        screenshot(desk, f"desk-{name}-{code}")
    assert desk.errors == []
