"""`tandem import` and `tandem export`: the same services as the screens."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tandem.conftest import World
from tandem.customers.models import Account

from .helpers import write_csv

pytestmark = pytest.mark.django_db


def test_it_imports_from_the_command_line_and_prints_the_report(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv", [["name", "phone"], ["Alpha Ltd", "13800138000"], ["Beta Ltd", "12"]]
    )
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "account", str(path), "--dry-run", "--user", "manager", stdout=out)
    assert "row 3 [phone] error" in out.getvalue()
    assert not Account.objects.exists()
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "account", str(path), "--mode", "skip", "--user", "manager", stdout=out)
    assert "created 1" in out.getvalue()
    assert Account.objects.get().owner == world.manager


def test_it_takes_a_mapping_file(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["Firma", "Ort"], ["Alpha Ltd", "Hangzhou"]])
    mapping = tmp_path / "m.json"
    mapping.write_text('{"Firma": "name", "Ort": "city"}')
    call_command(
        "import", "account", str(path), "--mapping", str(mapping), "--user", "manager", stdout=io.StringIO()
    )
    assert Account.objects.get().city == "Hangzhou"


def test_it_exports_what_the_person_may_see_and_imports_it_back(world: World, tmp_path: Path) -> None:
    from tandem.customers.tests.factories import AccountFactory

    AccountFactory(name="Mine Ltd", owner=world.teammate, external_id="M-1", city="Ningbo")
    AccountFactory(name="West Ltd", owner=world.outsider)
    target = tmp_path / "out.csv"
    call_command("export", "account", str(target), "--user", "manager", stdout=io.StringIO())
    text = target.read_text(encoding="utf-8-sig")
    assert "Mine Ltd" in text and "West Ltd" not in text
    call_command("import", "account", str(target), "--user", "manager", stdout=io.StringIO())
    assert Account.objects.count() == 2
    xlsx = tmp_path / "out.xlsx"
    call_command("export", "account", str(xlsx), "--user", "manager", stdout=io.StringIO())
    assert xlsx.stat().st_size > 0
