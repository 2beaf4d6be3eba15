"""Headers, cookies, CSP-safe templates, password hashing and CSRF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.test import Client, override_settings

from config import settings as project_settings
from tandem.conftest import World
from tandem.org.models import User
from tandem.org.tests.factories import PASSWORD

LOGIN = "/auth/login/"
TANDEM = Path(__file__).resolve().parents[2]


def test_it_sends_a_content_security_policy_without_inline_scripts(client: Client, db: None) -> None:
    response = client.get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp


def test_it_sends_the_policy_on_signed_in_pages_too(client: Client, world: World) -> None:
    client.force_login(world.owner)
    assert "Content-Security-Policy" in client.get("/auth/settings/")


def test_it_forbids_framing_sniffing_and_leaking_referrers(client: Client, db: None) -> None:
    response = client.get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_it_keeps_the_session_cookie_away_from_scripts(client: Client, world: World) -> None:
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_it_marks_cookies_secure_over_https(client: Client, world: World) -> None:
    page = client.get(LOGIN)
    assert page.cookies["csrftoken"]["secure"] is True
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


def test_it_refuses_a_sign_in_without_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_it_accepts_a_sign_in_with_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_it_refuses_a_settings_change_without_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    response = client.post(
        "/auth/settings/", {"display_name": "Hacked", "language": "en", "time_zone": "UTC"}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=world.owner.pk).display_name == "王小明"


def test_it_hashes_passwords_with_argon2_by_default(db: None) -> None:
    hashers = project_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=hashers):
        assert get_hasher("default").algorithm == "argon2"
        encoded = make_password("a-long-pass-phrase")
        assert encoded.startswith("argon2$")
        assert check_password("a-long-pass-phrase", encoded)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
HX_ON = re.compile(r"\shx-on(?::|-)", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _tags(text: str) -> list[str]:
    """The markup of each tag, so prose such as "log on=..." outside a tag is not flagged."""
    return re.findall(r"<[a-zA-Z][^<>]*>", text)


def test_no_template_has_inline_scripts_or_event_handlers() -> None:
    """The CSP allows scripts from 'self' only: inline code would be blocked in the browser."""
    problems: list[str] = []
    templates = sorted(
        p for p in TANDEM.rglob("templates/**/*") if p.is_file() and p.suffix in {".html", ".txt", ".svg"}
    )
    assert templates, "no templates found"
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{path.relative_to(TANDEM.parent)}:{number}"
            if INLINE_SCRIPT.search(line):
                problems.append(f"{where}: inline <script> (use a static file)")
            if JS_URL.search(line):
                problems.append(f"{where}: javascript: URL")
        for tag in _tags(text):
            tag_line = text[: text.index(tag)].count("\n") + 1
            where = f"{path.relative_to(TANDEM.parent)}:{tag_line}"
            if EVENT_HANDLER.search(tag):
                problems.append(f"{where}: inline event handler in {tag[:80]}")
            if HX_ON.search(tag):
                problems.append(f"{where}: hx-on attribute in {tag[:80]}")
    assert not problems, "CSP-unsafe markup:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("markup", "flagged"),
    [
        ('<script src="/static/x.js"></script>', False),
        ("<script>alert(1)</script>", True),
        ('<script type="module">x()</script>', True),
        ('<button onclick="x()">', True),
        ('<div class="x" onmouseover = "y">', True),
        ('<form hx-on:submit="x">', True),
        ("<p>Sign on=never</p>", False),
    ],
)
def test_the_template_scan_tells_safe_from_unsafe_markup(markup: str, flagged: bool) -> None:
    found = bool(INLINE_SCRIPT.search(markup)) or any(
        EVENT_HANDLER.search(tag) or HX_ON.search(tag) for tag in _tags(markup)
    )
    assert found is flagged
