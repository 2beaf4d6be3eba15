"""What generated requests (test_schemathesis) found, each kept as a plain test: 400 or 404, never 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import Role

BEYOND_64_BITS = [2**64, 2**63, 10**30]


def admin(world: World) -> APIClient:
    client = APIClient()
    client.force_login(world.admin)
    return client


def test_a_role_grant_without_its_scope_answers_400_and_changes_nothing(world: World) -> None:
    role = Role.objects.get(code="sales-rep")
    before = list(role.grants.order_by("resource").values_list("resource", "actions", "scope"))
    response = admin(world).patch(
        f"/api/v1/roles/{role.pk}/", {"grants": [{"resource": "deal", "actions": ["view"]}]}, format="json"
    )
    assert response.status_code == 400
    assert "scope" in str(response.json()["grants"])
    assert list(role.grants.order_by("resource").values_list("resource", "actions", "scope")) == before


@pytest.mark.parametrize("big", BEYOND_64_BITS)
def test_assigning_an_id_beyond_64_bits_answers_400(world: World, big: int) -> None:
    lead = LeadFactory(owner=None)
    response = admin(world).post(
        "/api/v1/assignment/assign/", {"resource": "lead", "ids": [lead.pk, big]}, format="json"
    )
    assert response.status_code == 400
    assert "ids" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/{big}/",
        "/api/v1/users/{big}/",
        "/api/v1/deals/{big}/",
        "/api/v1/imports/{big}/",
        "/api/v1/tokens/{big}/",
        "/api/v1/assignment-rules/{big}/",
    ],
)
@pytest.mark.parametrize("big", BEYOND_64_BITS)
def test_a_path_id_beyond_64_bits_answers_404(world: World, path: str, big: int) -> None:
    assert admin(world).get(path.format(big=big)).status_code in (404, 405)


@pytest.mark.parametrize("big", BEYOND_64_BITS)
def test_a_filter_or_reference_beyond_64_bits_answers_400(world: World, big: int) -> None:
    client = admin(world)
    assert client.get("/api/v1/accounts/", {"owner": big}).status_code == 400
    assert client.get("/api/v1/deals/", {"account": big}).status_code == 400
    response = client.post("/api/v1/deals/", {"name": "Glass", "account": big}, format="json")
    assert response.status_code == 400 and "account" in response.json()


def test_a_number_too_large_for_the_database_that_no_field_bounded_answers_400() -> None:
    """The last guard: an OverflowError from the database driver (SQLite) is the caller's 400."""
    from tandem.core.rest import exception_handler

    response = exception_handler(OverflowError("Python int too large to convert to SQLite INTEGER"), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["A number in the request is too large."]}


def test_the_schema_bounds_ids_and_documents_errors(world: World) -> None:
    schema = admin(world).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    detail = schema["paths"]["/api/v1/accounts/{id}/"]["get"]
    (id_parameter,) = [p for p in detail["parameters"] if p["name"] == "id"]
    assert id_parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert {"200", "401", "403", "404"} <= set(detail["responses"])
    listing = schema["paths"]["/api/v1/accounts/"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(listing["responses"])
    assert "text/csv" in listing["responses"]["200"]["content"]
    owner = schema["components"]["schemas"]["PatchedAccountInputRequest"]["properties"]["owner"]
    assert (owner["minimum"], owner["maximum"]) == (1, 2**63 - 1)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/contacts/", {"tag": "²"}),
        ("/api/v1/accounts/", {"tag": "²"}),
        ("/api/v1/accounts/", {"level": "²"}),
        ("/api/v1/users/", {"role": "²"}),
        ("/api/v1/contacts/", {"tag": str(10**30)}),
    ],
)
def test_a_filter_with_digits_that_are_no_number_answers_400(
    world: World, path: str, query: dict[str, str]
) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` fails: a superscript two was a 500."""
    response = admin(world).get(path, query)
    assert response.status_code == 400
    assert list(response.json()) == list(query)


@pytest.mark.parametrize(
    "cursor", ["2026-01-01T00:00:00+00:00|follow_up|²", f"2026-01-01T00:00:00+00:00|history|{10**30}"]
)
def test_a_timeline_cursor_with_a_bad_id_answers_400(world: World, cursor: str) -> None:
    from tandem.customers.tests.factories import AccountFactory

    account = AccountFactory(owner=world.owner)
    response = admin(world).get(f"/api/v1/accounts/{account.pk}/timeline/", {"before": cursor})
    assert response.status_code == 400 and list(response.json()) == ["before"]


@pytest.mark.urls("config.urls")
def test_web_pages_take_digits_that_are_no_id_as_no_id(world: World) -> None:
    from django.test import Client

    from tandem.customers.models import Account
    from tandem.customers.tests.factories import AccountFactory

    client = Client()
    client.force_login(world.admin)
    for query in ("²", str(10**30)):
        assert client.get("/customers/contacts/new/", {"account": query}).status_code == 200
        assert client.get("/deals/form/contacts/", {"account": query}).status_code == 200
        assert client.post("/customers/duplicates/merge/", {"keep": query, "merge": "1"}).status_code == 404
    account = AccountFactory(owner=world.owner)
    response = client.post(
        "/customers/accounts/bulk/",
        {"action": "tag", "tag": "vip", "ids": [str(account.pk), "²", str(10**30)]},
    )
    assert response.status_code == 302  # back to the list, saying which choice was not valid
    assert not Account.objects.get(pk=account.pk).tags.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("²", None),
        ("٣", None),
        ("0", None),
        ("-1", None),
        (str(2**63), None),
        ("", None),
        (None, None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_parse_id_reads_only_ids_a_row_can_have(text: str | None, expected: int | None) -> None:
    from tandem.core.ids import parse_id

    assert parse_id(text) == expected


@pytest.mark.parametrize("offset", ["+17:34", "-23:59", "+00:00"])
def test_an_instant_filter_with_any_iso_offset_answers_200(world: World, offset: str) -> None:
    """PostgreSQL holds offsets up to ±15:59; ISO 8601 and Python allow ±23:59 (a 500 on PostgreSQL)."""
    response = admin(world).get("/api/v1/activities/", {"occurred_after": f"2025-03-30T19:22:03{offset}"})
    assert response.status_code == 200


def test_an_instant_filter_that_leaves_the_calendar_answers_400(world: World) -> None:
    response = admin(world).get("/api/v1/activities/", {"occurred_after": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400


def test_a_form_encoded_primary_team_of_null_is_refused_and_json_null_keeps_the_teams(world: World) -> None:
    """A form cannot say null: "null" is a team that does not exist (400). JSON null means "no
    primary team chosen": the person keeps their teams, the first one primary."""
    client = admin(world)
    url = f"/api/v1/users/{world.owner.pk}/"
    form = client.patch(url, "primary_team=null", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 400 and list(form.json()) == ["primary_team"]
    response = client.patch(url, {"primary_team": None}, format="json")
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["teams"]] == ["East sales"]
