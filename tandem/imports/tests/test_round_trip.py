"""Tandem's own exports import back: exported and imported with no change, nothing is created and
nothing is updated — for every kind of record, from ``tandem export`` and from the API's export
(whose headers are labels in the reader's language), as CSV and as XLSX."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.customers.models import Account, AccountLevel, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.models import Deal, DealLine, Product
from tandem.deals.tests.factories import DealFactory, ProductFactory, stage_named
from tandem.imports.models import ImportJob
from tandem.imports.selectors import job_rows
from tandem.leads.models import Lead, LeadStatus
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

from .helpers import run, write_csv

pytestmark = pytest.mark.django_db

MODELS: dict[str, Any] = {
    "account": Account,
    "contact": Contact,
    "lead": Lead,
    "deal": Deal,
    "product": Product,
    "activity": Activity,
}
API_LISTS = {
    "account": "/api/v1/accounts/",
    "contact": "/api/v1/contacts/",
    "lead": "/api/v1/leads/",
    "deal": "/api/v1/deals/",
    "product": "/api/v1/products/",
    "activity": "/api/v1/activities/",
}


def _company(world: World) -> None:
    """Records of every kind, with what tends to break a round trip: a formula-like text, a
    masked pool customer, a parent, a converted lead, a deal following its stage's probability
    and one with its own, won and lost deals, a deal with two line items, products with Chinese
    names, a follow-up whose next follow-up date has passed."""
    level = AccountLevel.objects.order_by("order").first()
    acme = AccountFactory(
        name="Acme Ltd",
        owner=world.owner,
        phone="+8613800138000",
        email="buyer@acme.example",
        city="Ningbo",
        industry="=1+2",
        level=level,
        website="https://acme.example",
        next_follow_up_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    AccountFactory(name="Bolt Ltd", owner=world.teammate, external_id="B-1", parent=acme, description="-")
    AccountFactory(
        name="Pooled Ltd", owner=None, pool=PoolFactory(members=[world.manager]), phone="+8613900139000"
    )
    ContactFactory(
        name="Li Lei",
        account=acme,
        mobile="+8613700137000",
        email="li@acme.example",
        birthday=datetime.date(1990, 5, 17),
        title="@CEO",
    )
    LeadFactory(name="Han Meimei", owner=world.owner, email="han@example.com", mobile="+8613600136000")
    LeadFactory(name="Wang Wu", owner=world.owner, status=LeadStatus.CONVERTED)
    widget = ProductFactory(name="Widget", names={"zh-hans": "小部件"}, list_price=Decimal("100.00"))
    gadget = ProductFactory(name="Gadget", names={"zh-hans": "小工具"}, is_active=False)
    DealFactory(name="Big deal", owner=world.owner, account=acme, amount=Decimal("123.45"))
    DealFactory(name="Own odds", owner=world.owner, account=acme, probability=35)
    DealFactory(name="Won deal", owner=world.teammate, account=acme, stage=stage_named("Won"))
    DealFactory(name="Lost deal", owner=world.owner, account=acme, stage=stage_named("Lost"))
    lined = DealFactory(name="Two lines", owner=world.owner, account=acme, amount=Decimal("300.00"))
    DealLine.objects.create(
        deal=lined, product=widget, quantity=1, unit_price=Decimal("100.00"), amount=Decimal("100.00")
    )
    DealLine.objects.create(
        deal=lined, product=gadget, quantity=1, unit_price=Decimal("200.00"), amount=Decimal("200.00")
    )
    ActivityFactory(
        author=world.owner,
        account=acme,
        subject="Call",
        content="Talked prices",
        next_follow_up_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    ActivityFactory(author=world.teammate, deal=lined, kind="visit", subject="", content="+ visited the site")


def _who(world: World, resource: str) -> User:
    return world.admin if resource == "product" else world.manager


def _snapshot(resource: str) -> Any:
    model = MODELS[resource]
    return (
        list(model.all_objects.order_by("pk").values()) if hasattr(model, "all_objects") else None,
        list(model.objects.order_by("pk").values()),
        list(DealLine.objects.order_by("pk").values()),
        HistoryEntry.objects.count(),
    )


def _export(world: World, resource: str, how: str, tmp_path: Path) -> Path:
    source, fmt = how.rsplit("-", 1)
    user = _who(world, resource)
    path = tmp_path / f"{resource}.{fmt}"
    if source == "cli":
        call_command("export", resource, str(path), "--user", user.username, stdout=io.StringIO())
        return path
    client = APIClient()
    client.force_authenticate(user)
    language = "zh-hans" if source == "api-zh" else "en"
    response = client.get(API_LISTS[resource], {"format": fmt}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    path.write_bytes(b"".join(response.streaming_content))
    return path


def _problems(job: ImportJob) -> list[Any]:
    return [(row.row_number, row.messages) for row in job_rows(job=job, status="problems")]


@pytest.mark.parametrize("resource", list(MODELS))
@pytest.mark.parametrize("how", ["cli-csv", "cli-xlsx", "api-en-csv", "api-zh-csv", "api-zh-xlsx"])
def test_an_export_imported_back_unchanged_creates_and_updates_nothing(
    world: World, tmp_path: Path, resource: str, how: str
) -> None:
    _company(world)
    path = _export(world, resource, how, tmp_path)
    before = _snapshot(resource)
    job = run(world.actor(_who(world, resource)), resource, path)
    rows = MODELS[resource].objects.count()
    assert job.mapping["columns"][job.headers[0]] == "tandem_id"
    assert _problems(job) == []
    assert (job.status, job.created_count, job.updated_count, job.failed_count) == ("done", 0, 0, 0)
    assert job.skipped_count == job.total_rows == rows
    assert set(job_rows(job=job).values_list("status", flat=True)) == {"skipped"}
    assert _snapshot(resource) == before


def test_an_edited_exported_row_updates_only_its_record(world: World, tmp_path: Path) -> None:
    _company(world)
    path = _export(world, "deal", "cli-csv", tmp_path)
    text = path.read_text(encoding="utf-8-sig").replace("Big deal", "Bigger deal")
    path.write_text(text, encoding="utf-8-sig")
    job = run(world.actor(world.manager), "deal", path)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 1, Deal.objects.count() - 1)
    assert Deal.objects.filter(name="Bigger deal").count() == 1
    [(_row, update)] = HistoryEntry.objects.filter(action="update").values_list("object_id", "changes")
    assert update == {"name": ["Big deal", "Bigger deal"]}
    lined = Deal.objects.get(name="Two lines")
    assert sorted(lined.lines.values_list("product__name", flat=True)) == ["Gadget", "Widget"]


def test_a_record_the_importer_may_only_see_is_skipped_unchanged_and_refused_changed(
    world: World, tmp_path: Path
) -> None:
    _company(world)
    path = _export(world, "account", "api-en-csv", tmp_path)
    pooled = Account.objects.get(name="Pooled Ltd")
    text = path.read_text(encoding="utf-8-sig")
    assert "+86 139****9000" in text  # the manager sees the pool customer masked
    job = run(world.actor(world.manager), "account", path)
    assert (job.updated_count, job.failed_count) == (0, 0)
    edited = text.replace("Pooled Ltd,", "Pooled Ltd,").replace(",Ningbo,", ",Ningbo,")
    lines = edited.splitlines()
    lines = [line.replace(",Pooled Ltd,", ",Pooled Renamed,") for line in lines]
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert job.failed_count == 1 and job.updated_count == 0
    [(_number, messages)] = _problems(job)
    assert messages[0]["message"] == "You may see this record but not change it, and this row changes it."
    pooled.refresh_from_db()
    assert (pooled.name, pooled.phone) == ("Pooled Ltd", "+8613900139000")


def test_a_tandem_id_the_importer_cannot_see_is_refused_as_if_missing(world: World, tmp_path: Path) -> None:
    hidden = AccountFactory(name="West Ltd", owner=world.outsider)
    path = write_csv(
        tmp_path / "a.csv",
        [["tandem_id", "name"], [str(hidden.pk), "Mine now"], ["999999", "Nobody"], ["x1", "Odd"]],
    )
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert (job.created_count, job.updated_count, job.failed_count) == (0, 0, 3)
    messages = [m[1][0]["message"] for m in _problems(job)]
    assert messages == [
        f"There is no record with the Tandem ID {hidden.pk} that you can see.",
        "There is no record with the Tandem ID 999999 that you can see.",
        "“x1” is not a Tandem ID: that is a whole number, such as 1024.",
    ]
    hidden.refresh_from_db()
    assert hidden.name == "West Ltd"


def test_another_systems_id_column_stays_an_external_id(world: World, tmp_path: Path) -> None:
    mine = AccountFactory(name="Mine Ltd", owner=world.owner)
    path = write_csv(
        tmp_path / "a.csv",
        [["ID", "Name", "Owner", "Phone", "Email"], [str(mine.pk), "Other Ltd", "", "", ""]],
    )
    job = run(world.actor(world.manager), "account", path)
    assert job.mapping["columns"]["ID"] == "external_id"
    assert job.created_count == 1
    mine.refresh_from_db()
    assert mine.name == "Mine Ltd"
    assert Account.objects.get(name="Other Ltd").external_id == str(mine.pk)


def test_the_command_line_export_writes_times_in_the_persons_zone_and_reads_them_back(
    world: World, tmp_path: Path
) -> None:
    User.objects.filter(pk=world.manager.pk).update(time_zone="America/Los_Angeles")
    when = datetime.datetime(2026, 3, 2, 18, 30, 15, 123456, tzinfo=datetime.UTC)
    ActivityFactory(author=world.owner, account=AccountFactory(owner=world.owner), occurred_at=when)
    path = tmp_path / "follow-ups.csv"
    call_command("export", "activity", str(path), "--user", "manager", stdout=io.StringIO())
    assert ",2026-03-02 10:30," in path.read_text(encoding="utf-8-sig")  # 18:30 UTC, in Los Angeles
    job = run(world.actor(User.objects.get(pk=world.manager.pk)), "activity", path)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 1)
    assert Activity.objects.get().occurred_at == when


def test_an_exported_follow_up_edited_and_imported_back_is_updated(world: World, tmp_path: Path) -> None:
    from django.test import Client

    _company(world)
    path = _export(world, "activity", "api-en-csv", tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8-sig").replace("Talked prices", "Talked prices and dates"),
        encoding="utf-8-sig",
    )
    job = run(world.actor(world.manager), "activity", path)
    assert (job.created_count, job.updated_count, job.skipped_count, job.failed_count) == (0, 1, 1, 0)
    assert Activity.objects.filter(content="Talked prices and dates").count() == 1
    assert Activity.objects.count() == 2
    client = Client()
    client.force_login(world.manager)
    page = client.get(f"/imports/{job.pk}/", {"show": "skipped"})
    assert page.status_code == 200 and "Unchanged" in page.content.decode()
