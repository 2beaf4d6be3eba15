"""Generated requests over the whole OpenAPI schema (schemathesis), as an administrator.

Every operation of ``/api/schema/`` is called with data generated from the schema — data the schema
allows and data it does not — on a small seeded company. No answer may be a server error, and every
answer must be one the schema documents: its status code, its content type and its body.

Generated ids are random; to reach real rows, half of them (the even ones) are turned into ids of
the seeded records of the right kind — in the path and in the body's references — and half of the
versioned writes send the record's current version. Examples per operation are bounded
(``EXAMPLES``, 25) to keep the run to a few minutes on two cores. Deeper runs:
``TANDEM_SCHEMATHESIS_EXAMPLES=200`` and ``TANDEM_SCHEMATHESIS_COVERAGE=1`` (schemathesis' coverage
phase: every boundary of every parameter, hundreds of cases an operation).
``TANDEM_SCHEMATHESIS_STATS=<file>`` writes one line per call (operation, generation mode, status)
to measure how much of the data the schema allows the API accepts.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.files import File
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS

from tandem.activities.tests.factories import ActivityFactory
from tandem.approvals import services as approval_flows
from tandem.assignment import services as assignment
from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals import services as deal_services
from tandem.deals.tests.factories import DealFactory, ProductFactory
from tandem.imports import services as imports
from tandem.leads.tests.factories import LeadFactory
from tandem.org.tests.factories import PositionFactory
from tandem.security import services as security

EXAMPLES = int(os.environ.get("TANDEM_SCHEMATHESIS_EXAMPLES", "25"))
COVERAGE = os.environ.get("TANDEM_SCHEMATHESIS_COVERAGE", "") == "1"
STATS = os.environ.get("TANDEM_SCHEMATHESIS_STATS", "")
APP = WSGIHandler()

schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20261201,
            "generation": {"max-examples": EXAMPLES, "mode": "all"},
            "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
        }
    ),
)

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)

# The model each path's records and each body reference name.
PATH_MODELS = {
    "users": "org.User",
    "teams": "org.Team",
    "positions": "org.Position",
    "roles": "org.Role",
    "accounts": "customers.Account",
    "contacts": "customers.Contact",
    "pools": "customers.Pool",
    "leads": "leads.Lead",
    "deals": "deals.Deal",
    "pipelines": "deals.Pipeline",
    "stages": "deals.Stage",
    "products": "deals.Product",
    "activities": "activities.Activity",
    "imports": "imports.ImportJob",
    "tokens": "security.ApiToken",
    "assignment-rules": "assignment.AssignmentRule",
    "approvals": "approvals.ApprovalRequest",
    "approval-flows": "approvals.ApprovalFlow",
}
REFERENCE_MODELS = {
    "owner": "org.User",
    "manager": "org.User",
    "user": "org.User",
    "successor": "org.User",
    "target": "org.User",
    "leader": "org.User",
    "team": "org.Team",
    "parent": "org.Team",
    "primary_team": "org.Team",
    "position": "org.Position",
    "reports_to": "org.Position",
    "account": "customers.Account",
    "contact": "customers.Contact",
    "pool": "customers.Pool",
    "lead": "leads.Lead",
    "deal": "deals.Deal",
    "pipeline": "deals.Pipeline",
    "stage": "deals.Stage",
    "deal_stage": "deals.Stage",
    "product": "deals.Product",
}
VERSIONED = {"accounts", "contacts", "leads", "deals"}


def _checks() -> list[Any]:
    by_name = {check.__name__: check for check in CHECKS.get_all()}
    return [by_name[name] for name in CHECK_NAMES]


@pytest.fixture
def in_process() -> Iterator[None]:
    """Requests run inside the test's transaction: Django must not close the connection when one
    ends (as its own test client arranges: on PostgreSQL it would end the test's transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def company(world: World, in_process: None) -> dict[str, Any]:
    """A small company with a record of every kind, and the administrator's API token."""
    admin = world.actor(world.admin)
    pool = PoolFactory(name="East pool", teams=[world.east_sales], admins=[world.manager])
    account = AccountFactory(owner=world.owner, name="Harbour Glass", phone="+8613812345678")
    AccountFactory(owner=None, pool=pool, name="Quay Foods")
    ContactFactory(account=account, name="Li Lei", owner=world.owner)
    LeadFactory(owner=world.owner, name="Han Meimei", company="Inland Tools")
    deal = DealFactory(owner=world.owner, account=account, name="Glass renewal")
    ActivityFactory(author=world.owner, account=account, deal=deal, subject="Call")
    ProductFactory(name="Tempered glass")
    PositionFactory(title="Account manager")
    security.token_create(actor=world.actor(world.owner), name="A rep's script")
    assignment.rule_save(
        actor=admin,
        data={"name": "East", "resource": "lead", "strategy": "round_robin", "provinces": ["上海"]},
    )
    upload = File(io.BytesIO(b"name,phone\nRiver Paper,13900139001\n"), name="accounts.csv")
    imports.job_create(actor=admin, resource="account", upload=upload)
    # Approvals: a discount flow whose approver is the administrator, and a discount it holds.
    approval_flows.flow_save(
        actor=admin,
        flow=None,
        data={"name": "Discounts", "guard": "deal.discount", "min_discount": 15},
        steps=[{"approver_kind": "person", "user": world.admin}],
    )
    deal_services.deal_update(
        actor=world.actor(world.owner),
        deal=deal,
        data={},
        lines=[{"product": ProductFactory(name="Laminated glass"), "quantity": 1, "discount_percent": 20}],
    )
    _token, key = security.token_create(actor=admin, name="schemathesis")
    return {"headers": {"Authorization": f"Token {key}"}}


def _ids(label: str) -> list[int]:
    model = apps.get_model(label)
    rows = model._base_manager.order_by("pk")
    if label == "security.ApiToken":  # not the token the requests sign in with
        rows = rows.exclude(name="schemathesis")
    return list(rows.values_list("pk", flat=True))


def _seeded(generated: Any, label: str | None) -> Any:
    """An even generated id becomes one of the seeded records' ids; anything else stays."""
    if label is None or isinstance(generated, bool) or not isinstance(generated, int) or generated % 2:
        return generated
    ids = _ids(label)
    return ids[(generated // 2) % len(ids)] if ids else generated


def _aim_at_seeded_records(case: Any) -> None:
    parts = case.path.strip("/").split("/")
    collection = parts[2] if len(parts) > 2 else ""
    if "id" in (case.path_parameters or {}):
        case.path_parameters["id"] = _seeded(case.path_parameters["id"], PATH_MODELS.get(collection))
    for name, value in list((case.query or {}).items()):
        label = REFERENCE_MODELS.get(name) or ("org.User" if name == "author" else None)
        if collection == "teams" and name == "parent":
            label = "org.Team"
        if label is not None:
            case.query[name] = _seeded(value, label)
    if not isinstance(case.body, dict):
        return
    for name, value in list(case.body.items()):
        label = (
            "customers.Account"
            if (collection, name) == ("accounts", "parent")
            else REFERENCE_MODELS.get(name)
        )
        if label is not None:
            case.body[name] = _seeded(value, label)
    version, pk = case.body.get("version", 1), (case.path_parameters or {}).get("id")
    is_int = isinstance(version, int) and not isinstance(version, bool) and isinstance(pk, int)
    if collection in VERSIONED and is_int and isinstance(version, int) and version % 2:
        # A versioned write without a version, or with an odd one, sends the record's current
        # version; an even one stays (mostly stale: 409). 428 is tested on its own.
        record = apps.get_model(PATH_MODELS[collection])._base_manager.filter(pk=pk)
        current = record.values_list("version", flat=True).first()
        if current is not None:
            case.body["version"] = current
            if case.headers and "If-Match" in case.headers:
                case.headers["If-Match"] = f'"{current}"'


def _record(case: Any, response: Any) -> None:
    meta = getattr(case, "meta", None)
    mode = meta.generation.mode.value if meta is not None else "unknown"
    line = {"operation": f"{case.method} {case.path}", "mode": mode, "status": response.status_code}
    if 400 <= response.status_code < 500:
        line["body"] = response.text[:300]
    with open(STATS, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Any, company: dict[str, Any]) -> None:
    _aim_at_seeded_records(case)
    response = case.call_and_validate(app=APP, headers=company["headers"], checks=_checks())
    if STATS:
        _record(case, response)
