"""The OpenAPI schema and Swagger UI are served to signed-in people (the schema also to token holders)."""

from __future__ import annotations

from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.security import services as security

SCHEMA = "/api/schema/"
DOCS = "/api/docs/"


def test_it_refuses_the_schema_to_anonymous_callers(db: None) -> None:
    response = APIClient().get(SCHEMA, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert "paths" not in response.content.decode()


def test_it_sends_anonymous_visitors_of_the_docs_to_sign_in(db: None) -> None:
    response = APIClient().get(DOCS)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    assert "next=/api/docs/" in response["Location"]
    script = APIClient().get(DOCS, {"script": ""})
    assert script.status_code == 302


def test_it_serves_the_schema_and_the_docs_to_a_signed_in_person(world: World) -> None:
    client = APIClient()
    client.force_login(world.outsider)
    schema = client.get(SCHEMA, HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/accounts/" in schema.json()["paths"]
    docs = client.get(DOCS)
    assert docs.status_code == 200
    assert client.get(DOCS, {"script": ""}).status_code == 200


def test_it_serves_the_schema_to_a_token_holder(world: World) -> None:
    _token, key = security.token_create(actor=world.actor(world.owner), name="schema")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(SCHEMA, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/deals/" in response.json()["paths"]


def test_it_refuses_the_schema_for_a_revoked_token(world: World) -> None:
    token, key = security.token_create(actor=world.actor(world.owner), name="schema")
    security.token_revoke(actor=world.actor(world.owner), token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(SCHEMA, HTTP_ACCEPT="application/json").status_code == 401
