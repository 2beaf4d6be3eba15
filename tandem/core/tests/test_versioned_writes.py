"""A write to a versioned record says which version it changes, or is refused with 428.

Accounts, contacts, leads and deals carry a ``version``. A PATCH or PUT without it used to overwrite
whatever someone else had saved meanwhile; it now answers 428 Precondition Required saying what to
send: ``version`` in the body, or ``If-Match`` with the ETag a GET of the record returned. Moving a
deal to another stage is a versioned write too. Claims, releases, assignments and conversions are
not: they are transitions with their own preconditions (unowned, owned, not yet converted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

Make = Callable[[World], Any]

RESOURCES: list[tuple[str, Make, dict[str, Any]]] = [
    ("accounts", lambda w: AccountFactory(owner=w.owner, name="Harbour Glass"), {"industry": "Glass"}),
    ("contacts", lambda w: ContactFactory(owner=w.owner, name="Li Lei"), {"title": "CTO"}),
    ("leads", lambda w: LeadFactory(owner=w.owner, name="Han Meimei"), {"title": "Buyer"}),
    ("deals", lambda w: DealFactory(owner=w.owner, name="Glass renewal"), {"next_step": "Call back"}),
]
MODELS = {"accounts": Account, "contacts": Contact, "leads": Lead, "deals": Deal}


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _state(path: str, pk: int) -> tuple[Any, ...]:
    record = MODELS[path].objects.get(pk=pk)
    return (record.version, *(getattr(record, f, None) for f in ("industry", "title", "next_step", "name")))


@pytest.mark.parametrize(("path", "make", "change"), RESOURCES, ids=[r[0] for r in RESOURCES])
def test_a_patch_without_a_version_answers_428_and_changes_nothing(
    world: World, path: str, make: Make, change: dict[str, Any]
) -> None:
    record = make(world)
    before = _state(path, record.pk)
    response = api(world.owner).patch(f"/api/v1/{path}/{record.pk}/", change, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"] and "version" in response.json()["detail"]
    assert _state(path, record.pk) == before


@pytest.mark.parametrize(("path", "make", "change"), RESOURCES, ids=[r[0] for r in RESOURCES])
def test_a_put_without_a_version_answers_428(
    world: World, path: str, make: Make, change: dict[str, Any]
) -> None:
    record = make(world)
    client = api(world.owner)
    body = {k: v for k, v in client.get(f"/api/v1/{path}/{record.pk}/").json().items() if v is not None}
    body.pop("version")
    before = _state(path, record.pk)
    response = client.put(f"/api/v1/{path}/{record.pk}/", {**body, **change}, format="json")
    assert response.status_code == 428, response.json()
    assert _state(path, record.pk) == before


@pytest.mark.parametrize(("path", "make", "change"), RESOURCES, ids=[r[0] for r in RESOURCES])
def test_a_get_sends_the_version_as_etag_and_if_match_takes_it_back(
    world: World, path: str, make: Make, change: dict[str, Any]
) -> None:
    record = make(world)
    client = api(world.owner)
    read = client.get(f"/api/v1/{path}/{record.pk}/")
    assert read["ETag"] == f'"{read.json()["version"]}"'
    response = client.patch(f"/api/v1/{path}/{record.pk}/", change, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == read.json()["version"] + 1
    assert response["ETag"] == f'"{read.json()["version"] + 1}"'
    # The ETag read before the change is stale now: 409 with the current values.
    stale = client.patch(f"/api/v1/{path}/{record.pk}/", change, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 409
    assert stale.json()["version"] == read.json()["version"] + 1


@pytest.mark.parametrize(("path", "make", "change"), RESOURCES, ids=[r[0] for r in RESOURCES])
def test_a_patch_with_the_version_in_the_body_is_saved(
    world: World, path: str, make: Make, change: dict[str, Any]
) -> None:
    record = make(world)
    response = api(world.owner).patch(
        f"/api/v1/{path}/{record.pk}/", {**change, "version": record.version}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_someone_elses_change_is_not_overwritten_by_a_write_without_a_version(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Harbour Glass")
    manager, owner = api(world.manager), api(world.owner)
    read = manager.get(f"/api/v1/accounts/{account.pk}/").json()
    assert (
        owner.patch(
            f"/api/v1/accounts/{account.pk}/",
            {"industry": "Glass", "version": read["version"]},
            format="json",
        ).status_code
        == 200
    )
    late = manager.patch(f"/api/v1/accounts/{account.pk}/", {"industry": "Steel"}, format="json")
    assert late.status_code == 428
    assert Account.objects.get(pk=account.pk).industry == "Glass"


@pytest.mark.parametrize("header", ["3x", '"1", "2"', "", "W/abc"])
def test_it_refuses_an_if_match_that_is_not_a_version(world: World, header: str) -> None:
    account = AccountFactory(owner=world.owner)
    response = api(world.owner).patch(
        f"/api/v1/accounts/{account.pk}/", {"industry": "Glass"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    assert Account.objects.get(pk=account.pk).version == 1


def test_it_refuses_a_body_version_and_if_match_that_disagree(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = api(world.owner).patch(
        f"/api/v1/accounts/{account.pk}/",
        {"industry": "Glass", "version": 1},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 400 and list(response.json()) == ["version"]


def test_moving_a_deal_needs_its_version(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    target = stage_named("Needs analysis")
    client = api(world.owner)
    missing = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": target.pk}, format="json")
    assert missing.status_code == 428
    assert Deal.objects.get(pk=deal.pk).stage_id == deal.stage_id
    moved = client.post(
        f"/api/v1/deals/{deal.pk}/move/", {"stage": target.pk}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert moved.status_code == 200, moved.json()
    assert Deal.objects.get(pk=deal.pk).stage_id == target.pk


def test_the_schema_documents_428_and_if_match_on_every_versioned_write(world: World) -> None:
    client = api(world.admin)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    versioned: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("put", "patch", "post"):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            if "version" not in component.get("properties", {}):
                continue
            if method == "post" and not path.endswith("/move/"):
                continue  # creating a record: there is no version yet
            versioned.append(f"{method} {path}")
            assert "428" in operation["responses"], f"{method} {path}"
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            assert "If-Match" in headers, f"{method} {path}"
    # PUT and PATCH of accounts, contacts, leads, deals, KPIs, exchange rates and the company
    # settings, targets, forecast submissions, and a deal's move.
    assert len(versioned) == 19
