"""django-axes: 5 failures lock a username, and separately an address, for 15 minutes."""

from __future__ import annotations

from typing import Any

from django.test import Client, RequestFactory

from tandem.conftest import World
from tandem.org.tests.factories import PASSWORD
from tandem.security.lockout import client_ip, lockout_message

LOGIN = "/auth/login/"
LOCK_TEXT = "Too many failed sign-in attempts"


def fail(client: Client, username: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)


def sign_in(client: Client, username: str, ip: str) -> object:
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def test_it_locks_a_person_after_five_wrong_passwords_even_with_the_right_one(
    client: Client, world: World
) -> None:
    fail(client, "owner", 5, ip="10.0.0.1")
    # From another address, so only the per-person lock applies.
    response = sign_in(client, "owner", ip="10.0.0.2")
    assert response.status_code == 429
    assert LOCK_TEXT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_still_lets_a_person_in_after_four_wrong_passwords(client: Client, world: World) -> None:
    fail(client, "owner", 4)
    response = sign_in(client, "owner", ip="10.0.0.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.owner.pk)


def test_it_locks_an_address_for_every_username_after_five_failures(client: Client, world: World) -> None:
    for name in ["nobody1", "nobody2", "nobody3", "nobody4", "nobody5"]:
        fail(client, name, 1, ip="10.0.0.9")
    response = sign_in(client, "teammate", ip="10.0.0.9")
    assert response.status_code == 429
    assert LOCK_TEXT in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert sign_in(client, "teammate", ip="10.0.0.10").status_code == 302


def test_it_shows_the_lockout_message_with_the_cool_off_time_on_a_styled_page(
    client: Client, world: World
) -> None:
    fail(client, "owner", 5)
    response = client.post(LOGIN, {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    html = response.content.decode()
    assert response.status_code == 429
    assert lockout_message() in html
    assert "15 minutes" in html
    assert "container-tight" in html


def test_it_shows_the_lockout_message_in_chinese(client: Client, world: World) -> None:
    fail(client, "owner", 5)
    client.cookies["django_language"] = "zh-hans"
    response = sign_in(client, "owner", ip="10.0.0.1")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_it_resets_the_failure_count_after_a_successful_sign_in(client: Client, world: World) -> None:
    fail(client, "owner", 4)
    assert sign_in(client, "owner", ip="10.0.0.1").status_code == 302
    client.post("/auth/logout/")
    fail(client, "owner", 4)
    assert sign_in(client, "owner", ip="10.0.0.1").status_code == 302


def test_it_counts_the_connection_address_not_a_forged_forwarded_header(
    rf: RequestFactory, settings: Any
) -> None:
    settings.TANDEM_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"


def test_it_counts_the_client_address_behind_a_trusted_proxy(rf: RequestFactory, settings: Any) -> None:
    settings.TANDEM_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"
