"""An import gives records only to people who may own them, within the importer's reach (the same
rule as every owner picker: ``access.owner_candidates``), and refuses the row otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.conftest import World
from tandem.core.tests.people import cao
from tandem.customers.models import Account
from tandem.imports.models import ImportRowResult

from .helpers import run, write_csv

pytestmark = pytest.mark.django_db


def _accounts(tmp_path: Path, *rows: list[str]) -> Path:
    return write_csv(tmp_path / "accounts.csv", [["name", "owner"], *rows])


def test_a_row_giving_a_customer_to_support_is_refused_and_nothing_is_written(
    world: World, tmp_path: Path
) -> None:
    support = cao(world)
    job = run(world.actor(world.manager), "account", _accounts(tmp_path, ["Acme", support.username]))
    assert job.failed_count == 1 and job.created_count == 0
    assert not Account.objects.filter(name="Acme").exists()
    [message] = ImportRowResult.objects.get(job=job, row_number=2).messages
    assert message["column"] == "owner" and "曹阳" in message["message"]


def test_a_row_giving_a_customer_to_someone_out_of_reach_is_refused(world: World, tmp_path: Path) -> None:
    job = run(
        world.actor(world.manager),
        "account",
        _accounts(tmp_path, ["Acme", world.outsider.username], ["Beta", world.teammate.username]),
        mode="skip",
    )
    assert job.failed_count == 1 and job.created_count == 1
    assert list(Account.objects.values_list("name", "owner_id")) == [("Beta", world.teammate.pk)]
    assert "outside the teams" in ImportRowResult.objects.get(job=job, row_number=2).messages[0]["message"]
