from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.org.models import User
from tandem.org.tests.factories import PASSWORD

NEW_PASSWORD = "a-much-longer-Passphrase-42"


def test_it_changes_the_password_of_a_signed_in_person_and_keeps_them_signed_in(
    client: Client, world: World
) -> None:
    client.force_login(world.owner)
    response = client.post(
        reverse("auth:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:settings")
    assert User.objects.get(pk=world.owner.pk).check_password(NEW_PASSWORD)
    assert client.get(reverse("auth:settings")).status_code == 200  # still signed in


def test_it_refuses_a_password_change_with_a_wrong_old_password_and_changes_nothing(
    client: Client, world: World
) -> None:
    client.force_login(world.owner)
    response = client.post(
        reverse("auth:password-change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert User.objects.get(pk=world.owner.pk).check_password(PASSWORD)


def test_it_refuses_a_weak_new_password_inline(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(
        reverse("auth:password-change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert User.objects.get(pk=world.owner.pk).check_password(PASSWORD)


def test_it_shows_the_password_change_page_in_chinese(client: Client, world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client.force_login(world.owner)
    assert "修改密码" in client.get(reverse("auth:password-change")).content.decode()


def _reset_link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/auth/password/reset/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_it_emails_a_reset_link_that_sets_a_new_password(client: Client, world: World) -> None:
    response = client.post(reverse("auth:password-reset"), {"email": "owner@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert message.subject == "Set a new Tandem password"
    assert "Your username is: owner" in message.body
    assert "expires in 3 days" in message.body

    link = _reset_link(message.body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert 'name="new_password1"' in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("auth:password-reset-complete")
    assert User.objects.get(pk=world.owner.pk).check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True)
    assert "This link has already been used or has expired" in again.content.decode()


def test_it_writes_the_reset_email_in_the_recipients_language(client: Client, world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client.post(reverse("auth:password-reset"), {"email": "owner@example.com"})
    message = mail.outbox[0]
    assert message.subject == "设置新的 Tandem 密码"
    assert "你的用户名是：owner" in message.body


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(client: Client, world: World) -> None:
    response = client.post(reverse("auth:password-reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:password-reset-done")
    assert mail.outbox == []


def test_it_sends_no_reset_link_to_a_deactivated_person(client: Client, world: World) -> None:
    client.post(reverse("auth:password-reset"), {"email": "gone@example.com"})
    assert mail.outbox == []


def test_it_shows_reset_pages_without_signing_in(client: Client, db: None) -> None:
    for name in ["auth:password-reset", "auth:password-reset-done", "auth:password-reset-complete"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "container-tight" in response.content.decode()


def test_it_says_a_bad_reset_link_has_expired(client: Client, db: None) -> None:
    response = client.get(reverse("auth:password-reset-confirm", args=["MQ", "bad-token"]))
    assert response.status_code == 200
    assert "This link has already been used or has expired" in response.content.decode()
