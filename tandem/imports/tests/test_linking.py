"""An import links rows to records named in a column (a contact's account, a follow-up's deal): that
needs the right to change the named record, as it does in the forms and the API. A pool member who
may only view a pool customer cannot import contacts, deals or follow-ups onto it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals.models import Deal
from tandem.imports.models import ImportRowResult

from .helpers import run, write_csv


@pytest.fixture
def in_pool(world: World) -> Account:
    pool = PoolFactory(members=[world.manager])
    return AccountFactory(owner=None, pool=pool, name="Harbour Glass")


def _messages(job_id: int) -> list[str]:
    return [m["message"] for r in ImportRowResult.objects.filter(job_id=job_id) for m in r.messages]


@pytest.mark.parametrize(
    ("resource", "header", "model"),
    [("contact", ["name", "account"], Contact), ("deal", ["name", "account"], Deal)],
)
def test_an_import_cannot_link_rows_to_a_pool_customer_the_importer_may_only_view(
    world: World, tmp_path: Path, in_pool: Account, resource: str, header: list[str], model: type
) -> None:
    path = write_csv(tmp_path / "rows.csv", [header, ["Li Lei", "Harbour Glass"]])
    options = {"currency": "CNY"} if resource == "deal" else {}
    job = run(world.actor(world.manager), resource, path, mode="skip", **options)
    assert job.created_count == 0 and job.failed_count == 1
    assert any("Harbour Glass" in m and "but not change it" in m for m in _messages(job.pk))
    assert not model.objects.exists()


def test_an_imported_follow_up_cannot_touch_a_pool_customer(
    world: World, tmp_path: Path, in_pool: Account
) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["account", "subject", "next_follow_up_on"], ["Harbour Glass", "Called", "2099-01-01"]],
    )
    job = run(world.actor(world.manager), "activity", path, mode="skip")
    assert job.created_count == 0
    assert not Activity.objects.exists()
    in_pool.refresh_from_db()
    assert (in_pool.next_follow_up_on, in_pool.last_follow_up_at) == (None, None)


def test_an_import_links_rows_to_the_importers_own_customer(world: World, tmp_path: Path) -> None:
    AccountFactory(owner=world.manager, name="Quay Foods")
    path = write_csv(tmp_path / "rows.csv", [["name", "account"], ["Li Lei", "Quay Foods"]])
    job = run(world.actor(world.manager), "contact", path, mode="skip")
    assert job.created_count == 1, _messages(job.pk)
    assert Contact.objects.get().account.name == "Quay Foods"


def test_an_imported_follow_up_without_a_next_one_answers_what_was_due(world: World, tmp_path: Path) -> None:
    today = timezone.localdate()
    due = AccountFactory(
        owner=world.manager, name="Quay Foods", next_follow_up_on=today - datetime.timedelta(days=2)
    )
    later = AccountFactory(
        owner=world.manager, name="Pier Fish", next_follow_up_on=today + datetime.timedelta(days=5)
    )
    when = today.isoformat()
    path = write_csv(
        tmp_path / "f.csv",
        [["account", "subject", "date"], ["Quay Foods", "Called", when], ["Pier Fish", "Called", when]],
    )
    job = run(world.actor(world.manager), "activity", path, mode="skip")
    assert job.created_count == 2, _messages(job.pk)
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.next_follow_up_on, later.next_follow_up_on) == (None, today + datetime.timedelta(days=5))
