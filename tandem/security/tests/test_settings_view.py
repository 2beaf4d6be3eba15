from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.conftest import World
from tandem.org.models import User
from tandem.security import services
from tandem.security.models import ApiToken, hash_key

SETTINGS = "/auth/settings/"


def profile(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "王小明",
        "email": "xiaoming@example.com",
        "phone": "13800138000",
        "language": "zh-hans",
        "time_zone": "Asia/Shanghai",
    }
    data.update(overrides)
    return data


def test_it_shows_the_persons_profile_and_token_card(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="王小明"' in html
    assert 'value="owner@example.com"' in html
    assert 'id="tokens-card"' in html
    assert "No API tokens yet." in html
    assert "security/security.js" in html


def test_it_saves_the_profile_through_the_service(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(SETTINGS, profile(phone="+86 138 0013 8000"))
    assert response.status_code == 302
    owner = User.objects.get(pk=world.owner.pk)
    assert owner.email == "xiaoming@example.com"
    assert owner.language == "zh-hans"
    assert owner.phone != ""
    # The next page follows the new language.
    assert "设置已保存" in client.get(SETTINGS).content.decode()


def test_it_shows_the_services_field_error_inline_and_changes_nothing(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(SETTINGS, profile(phone="not a phone", email="new@example.com"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid phone number" in html
    assert "is-invalid" in html
    owner = User.objects.get(pk=world.owner.pk)
    assert owner.email == "owner@example.com"
    assert owner.language == "en"


def test_it_refuses_an_unknown_time_zone_inline(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(SETTINGS, profile(time_zone="Mars/Olympus"))
    assert response.status_code == 400
    assert User.objects.get(pk=world.owner.pk).time_zone == "Asia/Shanghai"


def test_it_creates_a_token_and_shows_its_key_once(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(reverse("auth:token-create"), {"name": "Reporting script"})
    assert response.status_code == 200
    html = response.content.decode()
    token = ApiToken.objects.get(user=world.owner)
    key = response.context["new_key"]
    assert token.key_hash == hash_key(key)
    assert f'value="{key}"' in html
    assert "data-copy-target" in html
    assert "It is shown only this once" in html
    # Never again.
    assert key not in client.get(SETTINGS).content.decode()


def test_it_answers_htmx_with_the_tokens_card_alone(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(reverse("auth:token-create"), {"name": "Zapier"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card" id="tokens-card">')
    assert "<html" not in html
    assert response.context["new_key"] in html


def test_it_shows_a_missing_token_name_inline(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(reverse("auth:token-create"), {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_lists_the_persons_tokens_with_prefix_and_last_use(client: Client, world: World) -> None:
    token, _ = services.token_create(actor=world.actor(world.owner), name="Nightly import")
    services.token_create(actor=world.actor(world.teammate), name="Teammate's token")
    client.force_login(world.owner)
    html = client.get(SETTINGS).content.decode()
    assert "Nightly import" in html
    assert f"{token.prefix}…" in html
    assert "Never" in html
    assert "Teammate&#x27;s token" not in html and "Teammate's token" not in html


def test_it_revokes_the_persons_own_token(client: Client, world: World) -> None:
    token, _ = services.token_create(actor=world.actor(world.owner), name="Old")
    client.force_login(world.owner)
    response = client.post(reverse("auth:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("who", ["teammate", "manager", "admin", "outsider"])
def test_it_answers_404_when_someone_else_revokes_a_token_and_changes_nothing(
    client: Client, world: World, who: str
) -> None:
    token, _ = services.token_create(actor=world.actor(world.owner), name="Mine")
    client.force_login(getattr(world, who))
    response = client.post(reverse("auth:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_does_not_revoke_on_get(client: Client, world: World) -> None:
    token, _ = services.token_create(actor=world.actor(world.owner), name="Mine")
    client.force_login(world.owner)
    assert client.get(reverse("auth:token-revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_shows_the_settings_page_in_chinese(client: Client, world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client.force_login(world.owner)
    html = client.get(SETTINGS).content.decode()
    assert "个人资料" in html and "API 令牌" in html and "还没有 API 令牌" in html


def _settings_queries(client: Client, world: World, n: int) -> int:
    actor = world.actor(world.owner)
    ApiToken.objects.filter(user=world.owner).delete()
    for i in range(n):
        services.token_create(actor=actor, name=f"token {i}")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(SETTINGS).status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_tokens_in_a_constant_number_of_queries(client: Client, world: World) -> None:
    client.force_login(world.owner)
    client.get(SETTINGS)  # warm caches (content types, session)
    assert _settings_queries(client, world, 5) == _settings_queries(client, world, 50)
