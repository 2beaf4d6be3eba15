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

    def failing(row: dict[str, Any]) -> str:  # the export's rows are values (``export_iterate``)
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return str(row["name"])

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


# --- Large exports run in the background ----------------------------------------------------


@pytest.fixture
def many_deals(world: World, settings: Any) -> None:
    """More deals than an export in the request may hold (the threshold lowered to 3)."""
    from tandem.deals.tests.factories import DealFactory

    settings.TANDEM_EXPORT_BACKGROUND_ROWS = 3
    for i in range(5):
        DealFactory(owner=world.owner, name=f"Deal {i}", next_step="=cmd|' /C calc'!A0" if i == 0 else "")
    DealFactory(owner=world.owner, name="Other")
    DealFactory(owner=world.outsider, name="Deal hidden")


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_large_api_export_answers_202_and_its_job_writes_the_whole_file(
    world: World, many_deals: None, django_capture_on_commit_callbacks: Any
) -> None:
    from tandem.imports import exportjobs
    from tandem.imports.models import ExportJob

    client = _api(world.manager)
    with django_capture_on_commit_callbacks() as started:
        response = client.get("/api/v1/deals/", {"format": "csv", "q": "Deal", "page_size": 2})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["download_url"] is None
    assert response["Location"] == body["url"] == f"/api/v1/exports/{body['id']}/"
    assert len(started) == 1  # the run starts once the job is committed
    job = ExportJob.objects.get()
    assert (job.requested_by_id, job.resource, job.format) == (world.manager.pk, "deal", "csv")
    assert "page_size" not in job.query and "q=Deal" in job.query

    exportjobs.run(job_id=job.pk)
    polled = client.get(body["url"]).json()
    assert (polled["status"], polled["total_rows"]) == ("done", 5)
    download = client.get(polled["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="deals-')
    rows = _csv(b"".join(download.streaming_content))
    assert rows[0][:2] == ["ID", "Name"]
    assert sorted(r[1] for r in rows[1:]) == [f"Deal {i}" for i in range(5)]  # filtered, in scope
    assert "'=cmd|' /C calc'!A0" in [cell for r in rows for cell in r]


def test_a_large_xlsx_export_is_a_whole_workbook(world: World, many_deals: None) -> None:
    from tandem.imports import exportjobs

    client = _api(world.manager)
    body = client.get("/api/v1/deals/", {"format": "xlsx"}).json()
    exportjobs.run(job_id=body["id"])
    content = b"".join(client.get(f"/api/v1/exports/{body['id']}/download/").streaming_content)
    assert len(_xlsx_cells(content)) == 1 + 6
    assert _no_formula_in(content)


def test_a_browser_is_taken_to_the_exports_page_which_offers_the_file(world: World, many_deals: None) -> None:
    from django.test import Client

    from tandem.imports import exportjobs
    from tandem.imports.models import ExportJob

    client = Client()
    client.force_login(world.manager)
    response = client.get("/api/v1/deals/", {"format": "csv"}, HTTP_ACCEPT="text/html,application/xhtml+xml")
    job = ExportJob.objects.get()
    assert response.status_code == 303 and response["Location"] == f"/exports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start…" in page and f"/exports/{job.pk}/progress/" in page
    exportjobs.run(job_id=job.pk)
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "6 rows written." in page and f"/exports/{job.pk}/download/" in page
    assert client.get("/exports/").status_code == 200
    assert b"Deal 0" in b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)


def test_only_the_person_who_asked_sees_an_export(world: World, many_deals: None) -> None:
    from django.test import Client

    from tandem.imports import exportjobs

    body = _api(world.manager).get("/api/v1/deals/", {"format": "csv"}).json()
    exportjobs.run(job_id=body["id"])
    for user in (world.teammate, world.admin, world.east_manager):
        api = _api(user)
        assert api.get(f"/api/v1/exports/{body['id']}/").status_code == 404
        assert api.get(f"/api/v1/exports/{body['id']}/download/").status_code == 404
        assert api.get("/api/v1/exports/").json()["results"] == []
        web = Client()
        web.force_login(user)
        assert web.get(f"/exports/{body['id']}/download/").status_code == 404


def test_a_job_delivered_twice_is_written_once(world: World, many_deals: None) -> None:
    from tandem.imports import exportjobs
    from tandem.imports.models import ExportJob

    body = _api(world.manager).get("/api/v1/deals/", {"format": "csv"}).json()
    exportjobs.run(job_id=body["id"])
    job = ExportJob.objects.get()
    exportjobs.run(job_id=body["id"])
    assert ExportJob.objects.get().file.name == job.file.name
    assert ExportJob.objects.get().finished_at == job.finished_at


def test_a_job_whose_requester_left_fails_without_a_file(world: World, many_deals: None) -> None:
    from tandem.imports import exportjobs
    from tandem.imports.models import ExportJob
    from tandem.org.models import User

    body = _api(world.manager).get("/api/v1/deals/", {"format": "csv"}).json()
    User.objects.filter(pk=world.manager.pk).update(is_active=False)
    exportjobs.run(job_id=body["id"])
    job = ExportJob.objects.get()
    assert (job.status, job.error, job.file.name) == ("failed", "You may no longer export these records.", "")


def test_old_exports_are_deleted_with_their_files_and_stuck_ones_fail(world: World, many_deals: None) -> None:
    import datetime

    from django.utils import timezone

    from tandem.imports import exportjobs
    from tandem.imports.models import ExportJob

    client = _api(world.manager)
    done = client.get("/api/v1/deals/", {"format": "csv"}).json()["id"]
    exportjobs.run(job_id=done)
    stuck = client.get("/api/v1/deals/", {"format": "xlsx"}).json()["id"]
    path = Path(ExportJob.objects.get(pk=done).file.path)
    assert path.exists()
    later = timezone.now() + datetime.timedelta(hours=7)
    assert exportjobs.delete_expired(now=later) == 0
    assert ExportJob.objects.get(pk=stuck).status == "failed"
    assert ExportJob.objects.get(pk=done).status == "done"
    assert exportjobs.delete_expired(now=timezone.now() + datetime.timedelta(days=8)) == 2
    assert not ExportJob.objects.exists() and not path.exists()


def test_the_cleanup_is_scheduled() -> None:
    from django.conf import settings

    from config.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "tandem.imports.tasks.delete_expired_exports" in tasks
    assert "tandem.imports.tasks.delete_expired_exports" in app.tasks


def test_an_export_the_task_queue_cannot_take_fails_saying_so(
    world: World, many_deals: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from unittest import mock

    from tandem.imports.models import ExportJob
    from tandem.imports.tasks import run_export

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with (
        mock.patch.object(run_export, "delay", side_effect=ConnectionError("redis is down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _api(world.manager).get("/api/v1/deals/", {"format": "csv"})
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.status == "failed"
    assert job.error.startswith("The export could not be started")
