"""Files as they come: nothing in them is dropped silently, the real cause is named, and a big file
is measured before it is read (with no transaction open while it is)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import Workbook
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory
from tandem.imports import reading
from tandem.imports.models import ImportJob
from tandem.imports.selectors import job_rows

from .helpers import run, upload, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def _messages(job: ImportJob) -> list[dict[str, str]]:
    return [m for row in job_rows(job=job) for m in row.messages]


# --- Nothing is dropped silently ------------------------------------------------------------


def test_cells_beyond_the_header_are_reported_on_their_row_by_value(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "city"],
            ["Alpha Ltd", "Ningbo", "forgotten note", "", "+86 138"],
            ["Beta Ltd", "Hangzhou"],
        ],
    )
    job = run(world.actor(world.manager), "account", path)
    assert job.created_count == 2
    row = job_rows(job=job).get(row_number=2)
    assert [m["level"] for m in row.messages] == ["warning"]
    assert "2 cells beyond the last named column" in row.messages[0]["message"]
    assert "“forgotten note”" in row.messages[0]["message"] and "“+86 138”" in row.messages[0]["message"]
    assert not job_rows(job=job).get(row_number=3).read_messages


def _two_sheets(path: Path) -> Path:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Notes"  # empty: the import reads the first sheet that holds anything
    accounts = workbook.create_sheet("Accounts")
    accounts.append(["name", "city"])
    accounts.append(["Alpha Ltd", "Ningbo"])
    contacts = workbook.create_sheet("People")
    contacts.append(["name", "mobile"])
    contacts.append(["Li Lei", "13900139000"])
    contacts.append(["Han Meimei", "13900139001"])
    workbook.save(path)
    return path


def test_a_workbook_reads_its_first_sheet_with_data_and_says_which_others_exist(
    world: World, tmp_path: Path
) -> None:
    job = upload(world.actor(world.manager), "account", _two_sheets(tmp_path / "book.xlsx"))
    assert (job.sheet, job.sheets) == ("Accounts", ["Accounts", "People"])
    assert job.headers == ["name", "city"] and job.total_rows == 1
    page = _client(world.manager).get(f"/imports/{job.pk}/mapping/")
    assert "This workbook has 2 sheets with data; this import reads “Accounts”." in page.content.decode()


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_sheet_is_chosen_at_upload_on_the_mapping_page_and_in_the_api(
    world: World, tmp_path: Path
) -> None:
    actor = world.actor(world.manager)
    book = _two_sheets(tmp_path / "book.xlsx")
    job = upload(actor, "contact", book, sheet="People")
    assert (job.sheet, job.total_rows, job.headers) == ("People", 2, ["name", "mobile"])
    job = run(actor, "contact", book, sheet="People")
    assert set(Contact.objects.values_list("name", flat=True)) == {"Li Lei", "Han Meimei"}

    job = upload(actor, "account", book)
    response = _client(world.manager).post(f"/imports/{job.pk}/sheet/", {"sheet": "People"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.sheet, job.headers, job.total_rows) == ("People", ["name", "mobile"], 2)
    assert job.mapping["columns"] == {"name": "name", "mobile": "mobile"} or "name" in job.mapping["columns"]

    api = APIClient()
    api.force_authenticate(world.manager)
    with book.open("rb") as handle:
        created = api.post(
            "/api/v1/imports/", {"resource": "account", "file": handle, "sheet": "People"}, format="multipart"
        )
    assert created.status_code == 201, created.json()
    assert created.json()["sheet"] == "People" and created.json()["sheets"] == ["Accounts", "People"]
    answer = api.post(f"/api/v1/imports/{created.json()['id']}/sheet/", {"sheet": "Nowhere"}, format="json")
    assert answer.status_code == 400
    assert "no sheet “Nowhere”" in str(answer.json())


def test_the_command_line_takes_a_sheet_and_names_the_others(world: World, tmp_path: Path) -> None:
    book = _two_sheets(tmp_path / "book.xlsx")
    out = io.StringIO()
    call_command("import", "contact", str(book), "--sheet", "People", "--user", "manager", stdout=out)
    assert "Reading the sheet 'People'; the workbook has other sheets with data: Accounts" in out.getvalue()
    assert Contact.objects.count() == 2


def test_merged_cells_are_filled_down_and_each_row_says_so(world: World, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["account", "name", "title", "notes"])
    sheet.append(["Acme Ltd", "Li Lei", "CEO", "Met at the fair"])
    sheet.append([None, "Han Meimei", "CFO", None])
    sheet.append([None, "Wang Wu", "CTO", None])
    sheet.append(["Bolt Ltd", "Zhao Liu", "Buyer", None])
    sheet.merge_cells("A2:A4")  # one customer over its three contacts
    sheet.merge_cells("C5:D5")  # a title spilling over the notes column
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    AccountFactory(name="Acme Ltd", owner=world.owner)
    AccountFactory(name="Bolt Ltd", owner=world.owner)
    job = run(world.actor(world.manager), "contact", path)
    assert job.created_count == 4, _messages(job)
    assert set(Contact.objects.filter(account__name="Acme Ltd").values_list("name", flat=True)) == {
        "Li Lei",
        "Han Meimei",
        "Wang Wu",
    }
    third = job_rows(job=job).get(row_number=3).read_messages
    assert third == [
        {
            "column": "account",
            "message": "Filled in from the merged cell A2:A4 above: “Acme Ltd”.",
            "level": "warning",
        }
    ]
    assert not job_rows(job=job).get(row_number=2).messages
    fifth = job_rows(job=job).get(row_number=5).read_messages
    assert fifth[0]["column"] == "title" and "merged across “notes” (C5:D5)" in fifth[0]["message"]


# --- Messages say the real cause ------------------------------------------------------------


def test_a_cell_longer_than_the_limit_is_named_as_such_not_an_unreadable_file(
    world: World, tmp_path: Path
) -> None:
    big = "x" * 1_000_000
    path = write_csv(tmp_path / "a.csv", [["name", "description"], ["Alpha Ltd", big], ["Beta Ltd", "short"]])
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert job.created_count == 1 and job.failed_count == 1
    [message] = job_rows(job=job).get(row_number=2).messages
    assert message["column"] == "description"
    assert message["message"].startswith("This cell is longer than 32,767 characters (it has 1,000,000).")
    assert Account.objects.get().name == "Beta Ltd"


def test_a_long_cell_in_a_column_left_out_stops_nothing(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["name", "essay"], ["Alpha Ltd", "y" * 40_000]])
    job = run(world.actor(world.manager), "account", path, columns={"name": "name"})
    assert job.created_count == 1 and job.failed_count == 0


def test_a_file_with_only_a_header_row_says_so_and_the_command_fails(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["name", "city"], ["", ""]])
    with pytest.raises(ValidationError) as caught:
        upload(world.actor(world.manager), "account", path)
    assert caught.value.message_dict["file"] == [
        "The file has a row of column names and no rows below it: there is nothing to import."
    ]
    with pytest.raises(CommandError, match="no rows below it"):
        call_command("import", "account", str(path), "--user", "manager", stdout=io.StringIO())
    assert not ImportJob.objects.exists()


def test_a_duplicate_owned_by_an_administrator_names_them(world: World, tmp_path: Path) -> None:
    from tandem.org.tests.factories import UserFactory

    root = UserFactory(username="root", display_name="", roles=["administrator"], is_superuser=True)
    AccountFactory(name="Acme Ltd", owner=root)
    path = write_csv(tmp_path / "a.csv", [["name"], ["Acme Ltd"]])
    job = run(world.actor(world.admin), "account", path, commit=False)
    [message] = job_rows(job=job).get(row_number=2).messages
    assert "(owner: root)" in message["message"]


def test_the_command_line_names_its_own_flag_for_possible_duplicates(world: World, tmp_path: Path) -> None:
    AccountFactory(name="Acme Ltd", owner=world.owner, phone="+8613800138000")
    path = write_csv(tmp_path / "a.csv", [["name", "phone"], ["Acme Trading", "13800138000"]])
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "account", str(path), "--user", "manager", "--dry-run", stdout=out)
    assert "Run the import again with --import-duplicates to import it anyway." in out.getvalue()
    assert "Tick" not in out.getvalue()


@pytest.mark.parametrize("command", ["import", "export"])
def test_every_flag_of_the_commands_has_help(command: str) -> None:
    from django.core.management import load_command_class

    parser = load_command_class("tandem.imports", command).create_parser("tandem", command)
    ours = [a for a in parser._actions if a.dest not in _DJANGO_OWN]
    assert ours
    for action in ours:
        assert action.help, f"{command} {action.option_strings or action.dest} has no help"


_DJANGO_OWN = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}


# --- Big files cannot hurt others -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_read_with_no_transaction_open(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["name"], ["Alpha Ltd"], ["Beta Ltd"]])
    seen: list[tuple[str, bool]] = []

    def spy(name: str, real: Any) -> Any:
        def read(*args: Any, **kwargs: Any) -> Any:
            seen.append((name, connection.in_atomic_block))
            return real(*args, **kwargs)

        return read

    with (
        mock.patch.object(reading, "inspect", spy("inspect", reading.inspect)),
        mock.patch.object(reading, "count_rows", spy("count_rows", reading.count_rows)),
        mock.patch.object(reading, "read_headers", spy("read_headers", reading.read_headers)),
    ):
        job = upload(world.actor(world.manager), "account", path)
    assert job.total_rows == 2
    assert seen == [("inspect", False), ("count_rows", False), ("read_headers", False)]


def _sheet_xml(rows: int) -> bytes:
    """Rows without their optional numbers, all alike: a few KB zipped, megabytes unpacked."""
    body = '<row><c t="inlineStr"><is><t>Acme</t></is></c></row>' * rows
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def _workbook_with_sheet(path: Path, sheet_xml: bytes) -> Path:
    """A real workbook (openpyxl's) whose first sheet is replaced by ``sheet_xml``."""
    plain = write_xlsx(path.with_suffix(".plain.xlsx"), [["name"], ["x"]])
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item.filename, data)
    return path


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_anything_is_unpacked(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.TANDEM_IMPORT_MAX_UNPACKED_MB = 1
    path = _workbook_with_sheet(tmp_path / "bomb.xlsx", _sheet_xml(30_000))
    assert path.stat().st_size < 50_000  # small to upload, megabytes unpacked
    with (
        mock.patch("openpyxl.load_workbook", side_effect=AssertionError("the workbook was opened")),
        mock.patch.object(reading, "scan_sheet", side_effect=AssertionError("the sheet was unpacked")),
        pytest.raises(ValidationError) as caught,
    ):
        upload(world.actor(world.manager), "account", path)
    [message] = caught.value.message_dict["file"]
    assert message.startswith("This workbook unpacks to 2 MB, more than an import takes (1 MB)")
    assert not ImportJob.objects.exists()


def test_a_workbook_with_more_rows_than_allowed_is_counted_no_further_and_refused(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.TANDEM_IMPORT_MAX_ROWS = 1000
    path = _workbook_with_sheet(tmp_path / "many.xlsx", _sheet_xml(50_000))
    scanned: list[int] = []
    real_scan = reading.scan_sheet

    def scan(*args: Any, **kwargs: Any) -> reading.SheetScan:
        found = real_scan(*args, **kwargs)
        scanned.append(found.data_rows)
        return found

    with (
        mock.patch("openpyxl.load_workbook", side_effect=AssertionError("the workbook was opened")),
        mock.patch.object(reading, "scan_sheet", scan),
        pytest.raises(ValidationError) as caught,
    ):
        upload(world.actor(world.manager), "account", path)
    assert caught.value.message_dict["file"] == [
        "This file has more than 1,000 rows, more than an import takes: split it into smaller files."
    ]
    assert max(scanned) == 1001  # it stopped one row past the limit


def test_a_csv_with_more_rows_than_allowed_is_refused(world: World, tmp_path: Path, settings: Any) -> None:
    settings.TANDEM_IMPORT_MAX_ROWS = 3
    path = write_csv(tmp_path / "a.csv", [["name"], *[[f"Account {i}"] for i in range(5)]])
    with pytest.raises(ValidationError, match="more than 3 rows"):
        upload(world.actor(world.manager), "account", path)


def test_the_scan_counts_the_rows_the_reader_reads(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "city"])
    sheet.append(["Alpha", "Ningbo"])
    sheet.append([None, None])
    sheet.append(["Beta", None])
    sheet["A9"] = "Gamma"
    sheet["B12"].number_format = "0.00"  # a formatted, empty cell: not a row with data
    path = tmp_path / "gaps.xlsx"
    workbook.save(path)
    info = reading.inspect(path, path.name)
    rows = list(reading.iter_rows(path, info))
    assert [number for number, _cells in rows] == [2, 4, 9]
    assert reading.count_rows(path, info) == 3
