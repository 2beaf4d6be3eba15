from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.org.tests.factories import PASSWORD

LOGIN = "/auth/login/"


def test_it_shows_the_sign_in_card_with_labels_forgot_link_and_language_switch(
    client: Client, db: None
) -> None:
    response = client.get(reverse("auth:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert reverse("auth:password-reset") in html
    assert reverse("core:set-language") in html and 'name="language"' in html
    assert "container-tight" in html
    assert "navbar-vertical" not in html  # no sidebar before sign-in


def test_it_signs_a_person_in_and_sends_them_home(client: Client, world: World) -> None:
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session["_auth_user_id"] == str(world.owner.pk)


def test_it_follows_a_safe_next_link_after_sign_in(client: Client, world: World) -> None:
    response = client.post(
        LOGIN + "?next=/auth/settings/",
        {"username": "owner", "password": PASSWORD, "next": "/auth/settings/"},
    )
    assert response["Location"] == "/auth/settings/"


def test_it_ignores_a_next_link_to_another_site(client: Client, world: World) -> None:
    response = client.post(
        LOGIN, {"username": "owner", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:home")


def test_it_shows_an_inline_error_for_a_wrong_password(client: Client, world: World) -> None:
    response = client.post(LOGIN, {"username": "owner", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_deactivated_person_with_the_same_message(client: Client, world: World) -> None:
    response = client.post(LOGIN, {"username": "gone", "password": PASSWORD})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_shows_field_errors_when_fields_are_empty(client: Client, db: None) -> None:
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "is-invalid" in html


def test_it_sends_a_signed_in_person_away_from_the_sign_in_page(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.get(LOGIN)
    assert response.status_code == 302


def test_it_asks_anonymous_visitors_to_sign_in_first(client: Client, db: None) -> None:
    response = client.get(reverse("auth:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


def test_it_signs_out_on_post_only(client: Client, world: World) -> None:
    client.force_login(world.owner)
    assert client.get(reverse("auth:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("auth:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_switches_the_sign_in_page_to_chinese_before_sign_in(client: Client) -> None:
    response = client.post(reverse("core:set-language"), {"language": "zh-hans", "next": LOGIN})
    assert response.status_code == 302
    page = client.get(LOGIN).content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert "忘记密码" in page


@pytest.mark.django_db
def test_it_shows_the_sign_in_page_in_the_browser_language(client: Client) -> None:
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "登录" in page
