"""A NUL character anywhere a person or program can type answers 400, never a database error
(core.middleware.NulCharacterMiddleware)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.org.models import User

pytestmark = pytest.mark.django_db

MESSAGE = "Null characters are not allowed."


def web(user: User, language: str = "en") -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "address",
    [
        "/deals/?tag=a%00b",
        "/customers/accounts/?level=a%00b",
        "/customers/accounts/?tag=%00",
        "/search/?q=a%00b",
        "/projects/?q=a%00b",
        "/deals/?a%00b=1",
    ],
)
def test_a_page_asked_with_a_nul_answers_400_naming_the_parameter(world: World, address: str) -> None:
    answer = web(world.owner).get(address)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert MESSAGE in page and "Field:" in page


def test_the_page_speaks_the_persons_language(world: World) -> None:
    page = web(world.owner, "zh-hans").get("/deals/?tag=a%00b").content.decode()
    assert "Tandem 无法处理此请求" in page and "字段：tag。" in page


def test_a_form_posted_with_a_nul_writes_nothing(world: World) -> None:
    before = Account.objects.count()
    answer = web(world.owner).post("/customers/accounts/new/", {"name": "Acme\x00 Ltd", "lifecycle": "lead"})
    assert answer.status_code == 400 and "name" in answer.content.decode()
    assert Account.objects.count() == before


def test_the_api_names_the_parameter_or_the_body(world: World) -> None:
    client = api(world.owner)
    answer = client.get("/api/v1/accounts/?tag=a%00b")
    assert answer.status_code == 400 and answer.json() == {"tag": [MESSAGE]}
    before = Account.objects.count()
    body = json.dumps({"name": "Acme\x00 Ltd"})
    assert "\\u0000" in body
    answer = client.post("/api/v1/accounts/", body, content_type="application/json")
    assert answer.status_code == 400 and answer.json() == {"non_field_errors": [MESSAGE]}
    assert Account.objects.count() == before


def test_a_backslash_and_u0000_written_out_is_text_not_a_nul(world: World) -> None:
    body = json.dumps({"name": "Escapes like \\u0000 in names"})
    answer = api(world.owner).post("/api/v1/accounts/", body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert Account.objects.get(pk=answer.json()["id"]).name == "Escapes like \\u0000 in names"


def test_follow_ups_from_the_year_1_are_refused_on_the_field(world: World) -> None:
    for query in (
        "occurred_after=0001-01-01",
        "occurred_before=0001-01-01T00:00:00Z",
        "occurred_after=2101-01-01",
    ):
        answer = web(world.owner).get(f"/follow-ups/?{query}")
        assert answer.status_code in (200, 400), query
        assert "Enter a date between 1900-01-01 and 2100-12-31." in answer.content.decode(), query
        assert api(world.owner).get(f"/api/v1/activities/?{query}").status_code == 400
