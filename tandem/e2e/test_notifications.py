"""Notification channels in a real browser: the preferences page at phone width in both languages,
the bell's live count, an administrator's webhook page and a team leader's robots page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.conftest import World
from tandem.core.models import Notification
from tandem.notifications.models import Preference
from tandem.org.tests.factories import PASSWORD

from .harness import each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def test_preferences_fit_a_phone_in_both_languages(
    new_page: Callable[..., Any], live_server: Any, world: World
) -> None:
    page = new_page(width=375)
    login(page, live_server, "owner", PASSWORD)
    for language in each_language(page):
        assert visit(page, live_server, "notifications:preferences") == 200
        assert not has_horizontal_overflow(page)
        screenshot(page, f"notification-preferences-375-{language}")
    page.locator('input[name="mention-email"]').uncheck()
    page.locator("#preference-table").locator("xpath=ancestor::form").locator('button[type="submit"]').click()
    page.wait_for_load_state()
    assert Preference.objects.get(user=world.owner, kind="mention").email is False


def test_the_bell_counts_and_the_admin_pages_render(page: Any, live_server: Any, world: World) -> None:
    Notification.objects.create(recipient=world.admin, kind="mention", title="Look here", url="/")
    login(page, live_server, "admin", PASSWORD)
    assert page.locator("#notification-badge .badge").inner_text() == "1"
    for language in each_language(page):
        assert visit(page, live_server, "notifications:webhooks") == 200
        screenshot(page, f"webhooks-{language}")
        assert visit(page, live_server, "notifications:robots") == 200
        screenshot(page, f"team-robots-{language}")
