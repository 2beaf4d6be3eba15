"""Field visits on a 375 px phone (issue 15 §4), in both languages: a rep searches their account,
records their location (allowed in one language, refused in the other: said, and the check-in
still goes through), adds a photo, checks in, sees the open visit's card and checks out; the
follow-up is on the account. Then their manager's day view shows the visit and its points, and
no page scrolls sideways. Screenshots ``phone-visits-<step>-<lang>``."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, expect

from tandem.activities.models import Activity
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User
from tandem.visits.models import CheckIn

from .harness import LANGUAGES, PHONE, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def test_a_rep_checks_in_and_out_on_a_phone_and_the_manager_sees_the_day(
    new_page: Any, live_server: Any, demo_company: None
) -> None:
    rep = User.objects.get(username="rep")
    for code in LANGUAGES:
        User.objects.filter(username__in=["rep", "manager"]).update(language=code)
        account = cast(Account, AccountFactory(owner=rep, name=f"Visit target {code}"))
        page = new_page(**PHONE)
        allowed = code == "en"
        if allowed:
            page.context.grant_permissions(["geolocation"])
            page.context.set_geolocation({"latitude": 31.2304, "longitude": 121.4737, "accuracy": 20})
        login(page, live_server, "rep", DEMO_PASSWORD)
        assert visit(page, live_server, "visits:checkin") == 200
        assert not has_horizontal_overflow(page)
        page.fill(".account-picker input[name=q]", account.name)
        option: Locator = page.locator(f"#id_account option[value='{account.pk}']")
        expect(option).to_have_count(1)
        page.select_option("#id_account", str(account.pk))
        page.click("[data-geo-locate]")
        status = page.locator("[data-geo-status]")
        expect(status).to_contain_text("±20" if allowed else ("refused" if code == "en" else "拒绝"))
        page.fill("#id_note", "Brought the renewal quote")
        page.set_input_files(
            "#id_photo", files=[{"name": "shop.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
        )
        screenshot(page, f"phone-visits-check-in-{code}")
        page.click("form[data-geo-form] button[type=submit]")
        expect(page.locator("#open-visit")).to_be_visible()
        assert not has_horizontal_overflow(page)
        expect(page.locator("#open-visit img")).to_be_visible()
        screenshot(page, f"phone-visits-open-{code}")
        checkin = CheckIn.objects.get(account=account)
        assert (checkin.in_latitude is not None) is allowed
        page.click("#open-visit form[data-geo-form] button[type=submit]")
        expect(page.locator("#toasts .toast")).to_contain_text(account.name)
        checkin.refresh_from_db()
        assert not checkin.is_open and checkin.activity_id is not None
        assert Activity.objects.filter(account=account, kind="visit").count() == 1
        assert not page.errors, page.errors

        manager = new_page(**PHONE)
        login(manager, live_server, "manager", DEMO_PASSWORD)
        assert visit(manager, live_server, reverse("visits:day")) == 200
        expect(manager.locator("table td.cell-title").filter(has_text=account.name)).to_be_visible()
        if allowed:
            canvas: Locator = manager.locator("#visit-map canvas")
            expect(canvas).to_have_count(1)
        assert not has_horizontal_overflow(manager)
        screenshot(manager, f"phone-visits-day-{code}")
        assert not manager.errors, manager.errors
