from __future__ import annotations

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.org.models import User
from tandem.org.tests.factories import PASSWORD
from tandem.security import services
from tandem.security.models import ApiToken, hash_key

LOGIN = "/api/v1/auth/token/"
TOKENS = "/api/v1/tokens/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- POST /api/v1/auth/token/ --------------------------------------------------------------------


def test_it_exchanges_a_username_and_password_for_a_working_token(api: APIClient, world: World) -> None:
    response = api.post(LOGIN, {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(key_hash=hash_key(key))
    assert token.user == world.owner
    assert token.name == f"API login {timezone.localdate():%Y-%m-%d}"
    assert with_token(key).get(TOKENS).status_code == 200
    assert User.objects.get(pk=world.owner.pk).last_login is not None


def test_it_answers_400_with_a_message_for_wrong_credentials(api: APIClient, world: World) -> None:
    response = api.post(LOGIN, {"username": "owner", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Please enter a correct username and password. Note that both fields may be case-sensitive."
        ]
    }
    assert not ApiToken.objects.exists()


def test_it_answers_in_chinese_when_asked(api: APIClient, world: World) -> None:
    response = api.post(
        LOGIN, {"username": "owner", "password": "wrong"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()["non_field_errors"] == ["请输入正确的用户名和密码。注意两者都可能区分大小写。"]


def test_it_answers_400_with_field_messages_for_missing_fields(api: APIClient, db: None) -> None:
    response = api.post(LOGIN, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_it_refuses_a_deactivated_person(api: APIClient, world: World) -> None:
    response = api.post(LOGIN, {"username": "gone", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_it_locks_api_sign_in_with_429_after_five_failures(api: APIClient, world: World) -> None:
    for _ in range(5):
        api.post(LOGIN, {"username": "owner", "password": "wrong"}, format="json", REMOTE_ADDR="10.1.0.1")
    response = api.post(
        LOGIN, {"username": "owner", "password": PASSWORD}, format="json", REMOTE_ADDR="10.1.0.2"
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_it_shares_the_lockout_with_the_sign_in_page(api: APIClient, world: World) -> None:
    for _ in range(5):
        api.post(LOGIN, {"username": "owner", "password": "wrong"}, format="json", REMOTE_ADDR="10.1.0.1")
    from django.test import Client

    response = Client().post(
        "/auth/login/", {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="10.1.0.3"
    )
    assert response.status_code == 429


def test_it_needs_no_csrf_token_for_api_sign_in(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200


# --- /api/v1/tokens/ -------------------------------------------------------------------------------


def test_it_lists_only_the_callers_tokens_without_keys(world: World) -> None:
    _token, key = services.token_create(actor=world.actor(world.owner), name="Script")
    services.token_create(actor=world.actor(world.teammate), name="Not mine")
    response = with_token(key).get(TOKENS)
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["results"]] == ["Script"]
    assert set(body["results"][0]) == {"id", "name", "prefix", "created_at", "last_used_at"}
    assert key not in str(body)


def test_it_records_when_a_token_was_last_used(world: World) -> None:
    token, key = services.token_create(actor=world.actor(world.owner), name="Script")
    with_token(key).get(TOKENS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_creates_a_token_and_returns_its_key_once(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.owner)
    response = client.post(TOKENS, {"name": "Zapier"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Zapier"
    assert ApiToken.objects.get(pk=body["id"]).key_hash == hash_key(body["key"])
    assert with_token(body["key"]).get(TOKENS).status_code == 200
    assert "key" not in client.get(TOKENS).json()["results"][0]


def test_it_answers_400_for_a_token_without_a_name(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.owner)
    response = client.post(TOKENS, {"name": ""}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert not ApiToken.objects.exists()


def test_it_revokes_the_callers_own_token(world: World) -> None:
    _token, key = services.token_create(actor=world.actor(world.owner), name="Keep")
    other, other_key = services.token_create(actor=world.actor(world.owner), name="Drop")
    response = with_token(key).delete(f"{TOKENS}{other.pk}/")
    assert response.status_code == 204
    assert with_token(other_key).get(TOKENS).status_code == 401


@pytest.mark.parametrize("who", ["teammate", "manager", "admin", "outsider"])
def test_it_answers_404_for_another_persons_token_and_changes_nothing(world: World, who: str) -> None:
    token, _ = services.token_create(actor=world.actor(world.owner), name="Mine")
    _, their_key = services.token_create(actor=world.actor(getattr(world, who)), name="Theirs")
    response = with_token(their_key).delete(f"{TOKENS}{token.pk}/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_answers_401_without_credentials(api: APIClient, db: None) -> None:
    assert api.get(TOKENS).status_code == 401


def test_it_answers_401_for_a_revoked_token(world: World) -> None:
    token, key = services.token_create(actor=world.actor(world.owner), name="Script")
    services.token_revoke(actor=world.actor(world.owner), token=token)
    response = with_token(key).get(TOKENS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_answers_401_for_a_deactivated_persons_token(world: World) -> None:
    _token, key = services.token_create(actor=world.actor(world.owner), name="Script")
    User.objects.filter(pk=world.owner.pk).update(is_active=False)
    assert with_token(key).get(TOKENS).status_code == 401


def test_it_answers_401_for_an_unknown_or_malformed_token(db: None) -> None:
    assert with_token("not-a-real-key").get(TOKENS).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token a b")
    assert client.get(TOKENS).status_code == 401


def _list_queries(world: World, n: int) -> int:
    ApiToken.objects.all().delete()
    actor = world.actor(world.owner)
    for i in range(n):
        services.token_create(actor=actor, name=f"t{i}")
    client = APIClient()
    client.force_authenticate(world.owner)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(TOKENS, {"page_size": 100}).status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_tokens_in_a_constant_number_of_queries(world: World) -> None:
    assert _list_queries(world, 5) == _list_queries(world, 50)


def test_it_documents_the_endpoints_in_a_valid_schema(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.admin)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/tokens/" in schema["paths"]
    assert "/api/v1/tokens/{id}/" in schema["paths"]
    login = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert {"200", "400", "429"} <= set(login["responses"])
