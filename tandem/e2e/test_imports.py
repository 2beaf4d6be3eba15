"""Imports in a real browser: an import whose worker stopped is finished from its page."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import distinct_name
from tandem.imports import engine, runs, services
from tandem.imports.models import ImportJob, ImportStatus
from tandem.imports.tests.helpers import upload, write_csv
from tandem.org.tests.factories import PASSWORD

from .harness import PHONE, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAMES = [distinct_name("Browser", n) for n in range(30)]


def _stopped_after_ten_rows(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImportJob:
    """A skip-mode import whose run died in its second batch of ten: ten rows are in."""
    actor = world.actor(world.manager)
    job = upload(
        actor, "account", write_csv(tmp_path / "客户.csv", [["name"], *([n] for n in NAMES)]), mode="skip"
    )
    job = services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
    monkeypatch.setattr(engine, "BATCH_SIZE", 10)
    monkeypatch.setattr(engine, "SQLITE_BATCH_SIZE", 10)
    original = engine.Importer.check_batch
    seen = {"n": 0}

    def check(self: engine.Importer, rows: list[tuple[int, list[str]]]) -> list[engine.Plan]:
        seen["n"] += 1
        if seen["n"] == 2:
            raise ConnectionError("the worker lost the database")
        return original(self, rows)

    monkeypatch.setattr(engine.Importer, "check_batch", check)
    job = services.job_commit(actor=actor, job=job)
    monkeypatch.undo()
    assert job.status == ImportStatus.INTERRUPTED and Account.objects.count() == 10
    return job


def test_a_manager_imports_the_rest_of_an_interrupted_import_from_its_page(
    page: Any, new_page: Any, live_server: Any, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _stopped_after_ten_rows(world, tmp_path, monkeypatch)
    login(page, live_server, "manager", PASSWORD)
    assert visit(page, live_server, "imports:job-detail", job.pk) == 200
    retry = page.locator(
        f'form[action="{reverse("imports:job-retry", args=[job.pk])}"] button[type="submit"]'
    )
    expect(retry).to_be_visible()
    assert page.locator(f'a[href="{reverse("imports:job-mapping", args=[job.pk])}"]').count() == 0
    for code in each_language(page):
        screenshot(page, f"import-interrupted-{code}-1366")
    phone = new_page(**PHONE)
    login(phone, live_server, "manager", PASSWORD)
    visit(phone, live_server, "imports:job-detail", job.pk)
    for code in each_language(phone):
        assert not has_horizontal_overflow(phone), code
        screenshot(phone, f"import-interrupted-{code}-375")

    with page.expect_navigation():
        page.locator(
            f'form[action="{reverse("imports:job-retry", args=[job.pk])}"] button[type="submit"]'
        ).click()

    job.refresh_from_db()
    assert (job.status, job.resumed_from, job.created_count) == (ImportStatus.DONE, 10, 30)
    assert sorted(Account.objects.values_list("name", flat=True)) == sorted(NAMES)
    expect(page.locator(".alert-info")).to_be_visible()  # it says it went on after its first rows
    screenshot(page, "import-resumed-zh-hans-1366")
    assert page.errors == []


def test_a_running_import_without_progress_offers_a_retry_in_its_progress_bar(
    page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    actor = world.actor(world.manager)
    job = upload(
        actor, "account", write_csv(tmp_path / "a.csv", [["name"], *([n] for n in NAMES)]), mode="all"
    )
    job = services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
    stale = timezone.now() - runs.stale_after() - datetime.timedelta(minutes=2)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING,
        run_writes=True,
        run_token=runs.new_token(),
        heartbeat_at=stale,
        started_at=stale,
    )
    login(page, live_server, "manager", PASSWORD)
    visit(page, live_server, "imports:job-detail", job.pk)
    bar = page.locator("#import-progress")
    expect(bar.locator(".alert-warning")).to_be_visible()
    for code in each_language(page):
        screenshot(page, f"import-stale-{code}-1366")

    with page.expect_navigation():
        bar.locator('button[type="submit"]').click()

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Account.objects.count() == 30
    assert page.errors == []
