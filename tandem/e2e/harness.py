"""Helpers for browser tests: sign in and out, switch language, take screenshots.

Pages are driven the way a person drives them (fields, buttons, the language select), and
elements are found by stable attributes (``name``, ``id``, form ``action``) rather than by
visible text, so restyling a page or translating it does not break the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Locator, Page

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
LANGUAGES = ("en", "zh-hans")

# Screenshots taken in this process, for the summary line at the end of the run.
TAKEN: list[Path] = []


class LiveServer(Protocol):
    url: str


def screenshot_dir() -> Path:
    """``var/screenshots/`` (under TANDEM_VAR_DIR when that is set); created on first use."""
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save the page as ``var/screenshots/<name>.png`` and return the path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
    path = screenshot_dir() / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    TAKEN.append(path)
    return path


def url(live_server: LiveServer, name_or_path: str, *args: Any) -> str:
    """An absolute URL on the live server from a URL name (``core:home``) or a path (``/org/``)."""
    path = name_or_path if name_or_path.startswith("/") else reverse(name_or_path, args=args)
    return f"{live_server.url}{path}"


def visit(page: Page, live_server: LiveServer, name_or_path: str, *args: Any) -> int:
    """Open a page by URL name or path and return its HTTP status (404 pages render too)."""
    response = page.goto(url(live_server, name_or_path, *args))
    assert response is not None, f"no response for {name_or_path}"
    page.wait_for_load_state()
    return response.status


def _submit(form: Locator) -> Locator:
    return form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first


def login(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Sign in through the login form; fails the test with the page's message when refused."""
    page.goto(url(live_server, "auth:login"))
    password_field = page.locator('input[name="password"]')
    form = page.locator("form", has=password_field)
    form.locator('input[name="username"]').fill(username)
    password_field.fill(password)
    with page.expect_navigation():
        _submit(form).click()
    if reverse("auth:login") in page.url:
        message = page.locator("main, body").first.inner_text()
        raise AssertionError(f"signing in as {username!r} failed; the page says:\n{message}")


def logout(page: Page, live_server: LiveServer) -> None:
    """Sign out with the person menu's "Sign out" button (a POST form)."""
    form = page.locator(f'form[action="{reverse("auth:logout")}"]').first
    button = _submit(form)
    if not button.is_visible():
        toggle = page.locator(".dropdown", has=form).locator('[data-bs-toggle="dropdown"]').first
        if toggle.count():
            toggle.click()
    with page.expect_navigation():
        if button.is_visible():
            button.click()
        else:  # a menu this helper does not know how to open: submit the form as the button would
            form.evaluate("f => f.requestSubmit()")
    page.wait_for_load_state()


def switch_language(page: Page, code: str) -> None:
    """Choose a language in the top bar's select (``en`` or ``zh-hans``); the page reloads in it."""
    with page.expect_navigation():
        page.select_option("#language-select", code)
    page.wait_for_load_state()


def each_language(page: Page) -> Iterator[str]:
    """Show the current page in English, then in 简体中文 (via the language select), yielding the code."""
    for code in LANGUAGES:
        if page.locator("#language-select").input_value() != code:
            switch_language(page, code)
        yield code


def has_horizontal_overflow(page: Page) -> bool:
    """Does the page scroll sideways? (At 375 px it must not: reps use Tandem on their phones.)"""
    # Not window.innerWidth: on a phone (is_mobile) the layout viewport grows to fit what overflows,
    # so innerWidth grew with it and this never fired; the root's client width stays the screen's.
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    )


def toast_texts(page: Page) -> list[str]:
    """The texts of the toasts on screen now (server messages and htmx/JS ones alike)."""
    return [text.strip() for text in page.locator("#toasts .toast").all_inner_texts()]


def wait_for_toast(page: Page, level: str = "", timeout: float = 10_000) -> str:
    """Wait for a toast (``success`` or ``danger``, or any) and return its text."""
    selector = f"#toasts .toast.text-bg-{level}" if level else "#toasts .toast"
    toast = page.locator(selector).last
    toast.wait_for(state="visible", timeout=timeout)
    return toast.inner_text().strip()


def drag_and_drop(page: Page, source: Locator, target: Locator, *, steps: int = 12) -> None:
    """Drag ``source`` onto ``target`` the way a person does: press, move in steps, release.

    SortableJS (the pipeline board) needs the intermediate moves; ``Locator.drag_to`` jumps. The
    drop point is a spot of the target that is on screen and not covered (by the sticky top bar
    or a toast).
    """
    source.hover()  # also settles the page after a full-page screenshot, which breaks a drag otherwise
    start = source.bounding_box()
    end = target.bounding_box()
    viewport = page.viewport_size
    assert start is not None and end is not None and viewport is not None, "drag: not on screen"
    top, bottom = max(end["y"], 0), min(end["y"] + end["height"], viewport["height"])
    x = end["x"] + end["width"] / 2
    spots = [top + (bottom - top) * f for f in (0.5, 0.3, 0.7, 0.15, 0.85)]
    handle = target.element_handle()
    drop = next(
        (
            y
            for y in spots
            if page.evaluate("([el, x, y]) => el.contains(document.elementFromPoint(x, y))", [handle, x, y])
        ),
        None,
    )
    assert drop is not None, "drag: the drop target is covered or off screen"
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + min(start["height"] / 2, 24)
    page.mouse.move(x0, y0)
    page.mouse.down()
    # Step by step with a pause, as a hand moves: SortableJS swaps items while it animates, and
    # a pointer that outruns the animation leaves the item short of where it was dropped.
    for step in range(1, steps + 1):
        page.mouse.move(x0 + (x - x0) * step / steps, y0 + (drop - y0) * step / steps)
        page.wait_for_timeout(25)
    page.wait_for_timeout(200)
    page.mouse.move(x, drop + 2, steps=2)
    page.wait_for_timeout(100)
    page.mouse.up()
