"""Browser-test fixtures: one headless Chromium per test process, a fresh context per test.

Every browser test is marked ``browser`` and placed in the xdist group ``browser`` (meant to keep
them on one test process; under pytest 9 pytest-xdist spreads them anyway, and each process
launches its own Chromium)::

    pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

    def test_it_shows_the_org_chart(page, live_server, demo_company):
        login(page, live_server, "admin", DEMO_PASSWORD)
        assert visit(page, live_server, "org:chart") == 200
        for code in each_language(page):
            screenshot(page, f"org-chart-{code}-1366")

Chromium comes from Debian (``apt-get install chromium``); when it is missing the tests fail
with a message saying so, they are never skipped.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from tandem.core.tests.snapshot import seed_demo

from .harness import CHROMIUM_ARGS, DESKTOP, TAKEN, screenshot_dir

# Playwright's sync API runs an event loop in this thread; Django would then refuse database
# calls from it (SynchronousOnlyOperation), although nothing here is actually async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Assertions wait as long as actions do (15 s, below): Playwright's own 5 s for ``expect`` failed
# a test on a busy CI machine while the live server was still answering an htmx post.
expect.set_options(timeout=15_000)

CHROMIUM_PATH = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
MISSING_CHROMIUM = (
    f"Chromium is not installed at {CHROMIUM_PATH}. The browser tests need it: "
    "`apt-get install chromium chromium-driver fonts-wqy-microhei` (.ci/run does this), "
    "or point TANDEM_CHROMIUM at a Chromium binary."
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, launched once per test process."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM_PATH} did not start: {exc}", pytrace=False)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (own cookies) of the given width.

    Console errors and uncaught exceptions are collected on ``page.errors`` (a list of str): a
    CSP violation or a broken script shows up there. (So does the browser's own "Failed to load
    resource" line when a test opens a page that answers 404 or 403 on purpose.)
    """
    contexts: list[Any] = []

    def open_page(width: int = DESKTOP["width"], height: int = DESKTOP["height"]) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="en-GB",
            timezone_id="Asia/Shanghai",
            is_mobile=width < 576,
            has_touch=width < 576,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.on(
            "console",
            lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        page.errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()
    _wait_for_requests_in_flight()


def _wait_for_requests_in_flight(seconds: float = 30) -> None:
    """Let the live server finish what the closed pages had asked for (an htmx card loading when
    the test ended) before the test's database is emptied: on SQLite the server's threads share
    the test's connection, and a request still reading while the flush deletes deadlocks both."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
        thread.is_alive() and thread.name.endswith("(process_request_thread)")
        for thread in threading.enumerate()
    ):
        time.sleep(0.05)


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1366 × 900) in a fresh browser context."""
    return new_page()


@pytest.fixture
def demo_company(live_server: Any) -> None:
    """The demo company of `tandem seed-demo` (logins in tandem.org.demo.DEMO_LOGINS), without its CRM.

    Seeded once per test process, then restored from a copy of its rows (core.tests.snapshot).
    """
    seed_demo("--no-crm")


@pytest.fixture
def demo_crm(live_server: Any) -> None:
    """The demo company with its year of CRM (accounts, pools, deals, follow-ups): `tandem seed-demo`."""
    seed_demo()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say once where the screenshots went (only in this process: xdist workers cannot print)."""
    if TAKEN:
        terminalreporter.write_line(f"{len(TAKEN)} browser screenshot(s) in {screenshot_dir()}/")
