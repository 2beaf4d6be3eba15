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
