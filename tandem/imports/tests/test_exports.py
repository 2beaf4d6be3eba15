"""Every export path has the same rules: the API's list export, ``tandem export`` and the import's
error report neutralise formulas and mask what the reader sees masked."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory, PoolFactory

from .helpers import run, write_csv

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","click")'
PHONE_DIGITS = "13800138000"


@pytest.fixture
def pool_customer(world: World) -> Account:
    """A customer in a pool the manager is a member of: they see it, masked, and may not edit it."""
    pool = PoolFactory(members=[world.manager])
    return AccountFactory(
        name="Pooled Ltd", owner=None, pool=pool, phone=f"+86{PHONE_DIGITS}", industry=FORMULA
    )


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_cells(content: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def _no_formula_in(content: bytes) -> bool:
    return "<f>" not in _sheet_xml(content)


def _api_export(world: World, fmt: str) -> bytes:
    client = APIClient()
    client.force_authenticate(world.manager)
    response = client.get("/api/v1/accounts/", {"format": fmt, "in_pool": "true"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_api_export_neutralises_formulas_and_masks_a_pool_customer(
    world: World, pool_customer: Account
) -> None:
    rows = _csv(_api_export(world, "csv"))
    [row] = [r for r in rows if r[1] == "Pooled Ltd"]
    assert "'" + FORMULA in row
    assert "'+86 138****8000" in row
    content = _api_export(world, "xlsx")
    assert _no_formula_in(content)
    [row_x] = [r for r in _xlsx_cells(content) if r[1] == "Pooled Ltd"]
    assert FORMULA in row_x and "+86 138****8000" in row_x
    assert PHONE_DIGITS[3:7] not in content.decode("latin-1")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_command_line_export_neutralises_formulas_and_masks_a_pool_customer(
    world: World, pool_customer: Account, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"accounts.{suffix}"
    call_command("export", "account", str(target), "--user", "manager", stdout=io.StringIO())
    content = target.read_bytes()
    if suffix == "csv":
        [row] = [r for r in _csv(content) if "Pooled Ltd" in r]
        assert "'" + FORMULA in row
        assert "'+86 138****8000" in row
    else:
        assert _no_formula_in(content)
        [row_x] = [r for r in _xlsx_cells(content) if "Pooled Ltd" in r]
        assert FORMULA in row_x and "+86 138****8000" in row_x
    text = content.decode("utf-8-sig") if suffix == "csv" else _sheet_xml(content)
    assert PHONE_DIGITS not in text.replace(" ", "")


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_error_report_neutralises_formulas_and_keeps_a_pool_customer_masked(
    world: World, pool_customer: Account, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [["name", "industry", "phone"], ["Pooled Ltd", "=1+2", ""], ["@SUM(A1)", "-2+3", "12"]],
    )
    job = run(world.actor(world.manager), "account", path, commit=False)
    assert job.failed_count == 2
    client = APIClient()
    client.force_login(world.manager)
    content = client.get(f"/imports/{job.pk}/errors.csv").content
    rows = _csv(content)
    assert rows[1][:2] == ["Pooled Ltd", "'=1+2"]
    assert rows[2][:2] == ["'@SUM(A1)", "'-2+3"]
    assert PHONE_DIGITS[3:] not in content.decode("utf-8-sig")


def test_a_streamed_csv_that_fails_part_way_does_not_end_as_a_whole_file(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    from tandem.customers import api as customers_api

    for i in range(3):
        AccountFactory(owner=world.owner, name=f"Account {i}")
    calls = {"n": 0}

    def failing(account: Account) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return account.name

    columns = [("Name", failing)]
    client = APIClient()
    client.force_authenticate(world.manager)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(customers_api.AccountViewSet, "export_columns", lambda self: columns)
        response = client.get("/api/v1/accounts/", {"format": "csv"})
        assert response.status_code == 200  # the headers went out before the failure
        chunks = iter(response.streaming_content)
        received = [next(chunks), next(chunks), next(chunks)]  # BOM, header, first row
        with caplog.at_level(logging.ERROR, logger="tandem.core.export"), pytest.raises(RuntimeError):
            next(chunks)
    assert b"".join(received).decode("utf-8-sig").splitlines()[0] == "Name"
    assert "failed after 1 rows" in caplog.text
