"""Import runs: claimed once, alive by their heartbeat, swept when stale, resumed or restarted by a
retry, never written twice, and never stopped by a cache (Redis) that is away."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app
from tandem.conftest import World
from tandem.core import scheduler
from tandem.core.models import HistoryAction, HistoryEntry
from tandem.customers.models import Account, DuplicateRule
from tandem.customers.tests.factories import distinct_name
from tandem.imports import engine, reading, runs, services
from tandem.imports.models import ImportJob, ImportRowResult, ImportStatus
from tandem.imports.tasks import run_import

from .helpers import upload, write_csv

BATCH = 10
ROWS = 30
NAMES = [distinct_name("Run", n) for n in range(ROWS)]  # no two alike (查重)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BATCH_SIZE", BATCH)
    monkeypatch.setattr(engine, "SQLITE_BATCH_SIZE", BATCH)


def _file(tmp_path: Path, rows: list[list[str]] | None = None) -> Path:
    return write_csv(tmp_path / "accounts.csv", rows or [["name"], *([n] for n in NAMES)])


def _without_duplicate_checks() -> None:
    """No duplicate rule in the way: a row written twice shows as a second record."""
    DuplicateRule.objects.update(is_active=False)


def _mapped(world: World, path: Path, mode: str, **kwargs: Any) -> ImportJob:
    actor = world.actor(world.manager)
    job = upload(actor, "account", path, mode=mode, **kwargs)
    return services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)


def _on_batch(monkeypatch: pytest.MonkeyPatch, number: int, action: Callable[[], None]) -> None:
    """Run ``action`` when the ``number``-th batch is about to be checked (1 = the first)."""
    original = engine.Importer.check_batch
    seen = {"n": 0}

    def check(self: engine.Importer, rows: list[tuple[int, list[str]]]) -> list[engine.Plan]:
        seen["n"] += 1
        if seen["n"] == number:
            action()
        return original(self, rows)

    monkeypatch.setattr(engine.Importer, "check_batch", check)


def _on_row(monkeypatch: pytest.MonkeyPatch, number: int, action: Callable[[], None]) -> None:
    """Run ``action`` when the file's row ``number`` is read: between batches, outside their
    transactions (the header is row 1)."""
    original = reading.iter_rows

    def rows(*args: Any, **kwargs: Any) -> Iterator[tuple[int, list[str]]]:
        for row, cells in original(*args, **kwargs):
            if row == number:
                action()
            yield row, cells

    monkeypatch.setattr(reading, "iter_rows", rows)


def _sweep_until_marked() -> None:
    """The sweep, from the stale period on; again until it holds (a batch landing meanwhile moves
    the heartbeat on, and a job that moved on is left alone)."""
    while not services.job_sweep_stale(now=_later()):
        time.sleep(0.02)


def _later() -> datetime.datetime:
    return timezone.now() + runs.stale_after() + datetime.timedelta(seconds=1)


def _names() -> list[str]:
    return sorted(Account.objects.values_list("name", flat=True))


# --- One run per start -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_task_delivered_again_while_the_job_runs_does_nothing(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None
) -> None:
    _without_duplicate_checks()
    job = _mapped(world, _file(tmp_path), "skip")

    def deliver_again() -> None:
        current = ImportJob.objects.get(pk=job.pk)
        run_import(current.pk, True, "en", str(current.run_token))

    _on_batch(monkeypatch, 2, deliver_again)
    job = services.job_commit(actor=world.actor(world.manager), job=job)

    assert job.status == ImportStatus.DONE and job.created_count == ROWS
    assert _names() == sorted(NAMES)  # not 2 x 30, nor 30 + 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL")
@pytest.mark.parametrize("mode", ["skip", "all"])
def test_two_workers_given_the_same_task_at_once_import_it_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None, mode: str
) -> None:
    _without_duplicate_checks()
    job = _mapped(world, _file(tmp_path), mode)
    sent: dict[str, Any] = {}
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    monkeypatch.setattr("django.conf.settings.CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: sent.update(args=args, kwargs=kwargs))
    services.job_commit(actor=world.actor(world.manager), job=job)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            run_import(*sent["args"], **sent["kwargs"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == ROWS
    assert _names() == sorted(NAMES)
    assert HistoryEntry.objects.filter(message=f"import #{job.pk}").count() == ROWS


# --- A run that lost its job writes nothing more -------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the sweep's mark is committed on its own, as it would be
def test_a_run_marked_interrupted_while_it_still_runs_writes_nothing_more(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None
) -> None:
    # A worker stalled past the stale period (a frozen machine, a long pause) is swept while it is
    # still alive: its next commit is refused, so a retry started meanwhile is the only writer.
    # (All-or-nothing on SQLite cannot be swept while it runs: it holds the one write lock.)
    job = _mapped(world, _file(tmp_path), "skip")

    def stall() -> None:  # once the first batch is in (on PostgreSQL it may still be in flight)
        while ImportJob.objects.get(pk=job.pk).progress < BATCH:
            time.sleep(0.02)
        _sweep_until_marked()

    _on_row(monkeypatch, BATCH + 2, stall)  # the first row of the second batch

    job = services.job_commit(actor=world.actor(world.manager), job=job)

    assert job.status == ImportStatus.INTERRUPTED
    assert Account.objects.count() == BATCH == ImportJob.objects.get(pk=job.pk).progress
    monkeypatch.undo()
    job = services.job_retry(actor=world.actor(world.manager), job=job)
    assert job.status == ImportStatus.DONE and _names() == sorted(NAMES)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the writer and the sent statements: PostgreSQL"
)
@pytest.mark.parametrize(("mode", "resource"), [("skip", "account"), ("skip", "contact"), ("all", "account")])
def test_on_postgresql_a_run_that_lost_its_job_writes_nothing_more(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_batches: None,
    mode: str,
    resource: str,
) -> None:
    # Outside a transaction PostgreSQL writes on a second connection: a statement a batch (new
    # accounts in skip mode), a writer thread (other records), or one writer transaction
    # (all-or-nothing): each refuses a batch of a run that no longer owns its job.
    actor = world.actor(world.manager)
    rows = [["name", "email"], *([f"Person {n}", f"p{n}@example.com"] for n in range(ROWS))]
    if resource == "account":
        rows = [["name"], *([n] for n in NAMES)]
    job = upload(actor, resource, write_csv(tmp_path / "f.csv", rows), mode=mode)
    job = services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
    _on_batch(monkeypatch, 2, _sweep_until_marked)

    job = services.job_commit(actor=actor, job=job)

    assert job.status == ImportStatus.INTERRUPTED
    model = engine.MODELS[resource]
    assert model.objects.count() <= (2 * BATCH if mode == "skip" else 0)  # a batch in flight may land
    written = model.objects.count()
    assert ImportJob.objects.get(pk=job.pk).progress == written
    monkeypatch.undo()
    job = services.job_retry(actor=actor, job=job)
    assert job.status == ImportStatus.DONE and model.objects.count() == ROWS
    assert ImportRowResult.objects.filter(job=job).count() == ROWS


def test_a_batch_is_committed_once(world: World, tmp_path: Path, db: None) -> None:
    job = _mapped(world, _file(tmp_path), "skip")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, run_token=runs.new_token())
    job.refresh_from_db()
    runs.commit_progress(job, done=10, previous=0)
    with pytest.raises(runs.RunLost):
        runs.commit_progress(job, done=10, previous=0)  # the same batch again
    assert ImportJob.objects.get(pk=job.pk).progress == 10


# --- Stale jobs ----------------------------------------------------------------------------------


def _running(
    job: ImportJob, *, beat: datetime.datetime | None, writes: bool = True, progress: int = 0
) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING if writes else ImportStatus.VALIDATING,
        run_writes=writes,
        run_token=runs.new_token(),
        heartbeat_at=beat,
        started_at=beat or timezone.now(),
        progress=progress,
    )
    job.refresh_from_db()


@pytest.mark.django_db
def test_the_sweep_marks_only_jobs_without_progress_for_the_stale_period(
    world: World, tmp_path: Path
) -> None:
    now = timezone.now()
    limit = runs.stale_after()
    fresh = _mapped(world, _file(tmp_path), "skip")
    _running(fresh, beat=now - limit + datetime.timedelta(seconds=30))
    stale = _mapped(world, _file(tmp_path), "skip")
    _running(stale, beat=now - limit, progress=40)
    checking = _mapped(world, _file(tmp_path), "skip")
    _running(checking, beat=now - 2 * limit, writes=False)
    queued = _mapped(world, _file(tmp_path), "all")
    _running(queued, beat=None)  # no worker has taken it yet: it waits longer
    ImportJob.objects.filter(pk=queued.pk).update(started_at=now - 2 * limit)

    assert services.job_sweep_stale(now=now) == 2

    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses[fresh.pk] == statuses[queued.pk] == ImportStatus.IMPORTING
    stale.refresh_from_db()
    assert stale.status == ImportStatus.INTERRUPTED and stale.can_retry and stale.finished_at == now
    assert "after row 41" in stale.error and "The rows up to it were imported" in stale.error
    checking.refresh_from_db()
    assert checking.status == ImportStatus.INTERRUPTED and "Retry to check the file again" in checking.error

    assert services.job_sweep_stale(now=now + runs.stale_after() * runs.QUEUED_FACTOR) == 2
    queued.refresh_from_db()
    assert "did not start" in queued.error


@pytest.mark.django_db
def test_the_sweep_speaks_the_language_of_the_person_who_started_the_import(
    world: World, tmp_path: Path
) -> None:
    world.manager.language = "zh-hans"
    world.manager.save(update_fields=["language"])
    job = _mapped(world, _file(tmp_path), "all")
    _running(job, beat=timezone.now() - 2 * runs.stale_after())
    services.job_sweep_stale()
    job.refresh_from_db()
    assert "未写入任何数据" in job.error


@pytest.mark.django_db
def test_a_job_that_moved_on_after_it_was_read_is_not_marked(world: World, tmp_path: Path) -> None:
    job = _mapped(world, _file(tmp_path), "skip")
    _running(job, beat=timezone.now() - 2 * runs.stale_after())
    seen = ImportJob.objects.get(pk=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())  # its run beats meanwhile
    assert not runs.interrupt(seen, error="x", now=timezone.now())
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.IMPORTING


@pytest.mark.django_db
def test_the_sweep_is_scheduled_and_runs_under_the_embedded_scheduler(
    world: World, tmp_path: Path, settings: Any
) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["import-sweep"]["task"] == "tandem.imports.tasks.sweep_stale_imports"
    job = _mapped(world, _file(tmp_path), "skip")
    _running(job, beat=timezone.now() - 2 * runs.stale_after())

    assert "import-sweep" in scheduler.run_due()

    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.INTERRUPTED


# --- Retry ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_skip_import_that_stopped_goes_on_after_its_committed_batches(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None
) -> None:
    # Row 3 names as its parent the account of row 28 (in a batch the first run never reached);
    # rows 4 and 29 carry the same external id: the second is still refused as a repeat of row 4,
    # not taken as an update of the account row 4 created.
    rows = [["name", "parent", "external_id"], *([n, "", f"X-{i}"] for i, n in enumerate(NAMES))]
    rows[2][1] = NAMES[26]
    rows[28][2] = "X-2"
    path = write_csv(tmp_path / "accounts.csv", rows)
    job = _mapped(world, path, "skip")

    def crash() -> None:
        raise RuntimeError("worker lost its database")

    _on_batch(monkeypatch, 3, crash)
    job = services.job_commit(actor=world.actor(world.manager), job=job)

    assert job.status == ImportStatus.INTERRUPTED and job.can_retry and job.partly_written
    assert "after row 21" in job.error and "RuntimeError" in job.error
    assert (job.created_count, job.failed_count) == (2 * BATCH, 0)  # what is in, shown as such
    first = dict(Account.objects.values_list("name", "pk"))
    assert len(first) == 2 * BATCH
    with pytest.raises(ValidationError):  # a new mapping would import the first rows again
        services.job_set_mapping(actor=world.actor(world.manager), job=job, mapping=job.mapping)
    with pytest.raises(ValidationError):
        services.job_commit(actor=world.actor(world.manager), job=job)
    monkeypatch.undo()  # (and batches of the usual size from here: a resumed run need not match)

    job = services.job_retry(actor=world.actor(world.manager), job=job)

    assert (job.status, job.resumed_from) == (ImportStatus.DONE, 2 * BATCH)
    assert (job.total_rows, job.created_count, job.failed_count) == (ROWS, ROWS - 1, 1)
    assert sorted(first.items()) == sorted(
        (name, pk) for name, pk in Account.objects.values_list("name", "pk") if name in first
    )
    assert _names() == sorted(n for n in NAMES if n != NAMES[27])
    repeat = ImportRowResult.objects.get(job=job, row_number=29)
    assert repeat.status == "error" and "also on row 4" in repeat.messages[0]["message"]
    assert Account.objects.get(name=NAMES[1]).parent == Account.objects.get(name=NAMES[26])
    assert ImportRowResult.objects.filter(job=job).count() == ROWS
    created = HistoryEntry.objects.filter(message=f"import #{job.pk}", action=HistoryAction.CREATE)
    assert created.count() == ROWS - 1


@pytest.mark.django_db
def test_an_all_or_nothing_import_that_stopped_wrote_nothing_and_starts_over(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None
) -> None:
    job = services.job_dry_run(actor=world.actor(world.manager), job=_mapped(world, _file(tmp_path), "all"))
    assert job.created_count == ROWS  # would be created

    def crash() -> None:
        raise RuntimeError("worker lost its database")

    _on_batch(monkeypatch, 2, crash)
    job = services.job_commit(actor=world.actor(world.manager), job=job)
    assert job.status == ImportStatus.INTERRUPTED and "nothing was written" in job.error
    assert job.created_count == 0  # not the check's "would be created"
    assert not Account.objects.exists() and not job.partly_written
    monkeypatch.undo()

    job = services.job_retry(actor=world.actor(world.manager), job=job)

    assert (job.status, job.resumed_from, job.created_count) == (ImportStatus.DONE, 0, ROWS)
    assert _names() == sorted(NAMES)


@pytest.mark.django_db
def test_a_running_job_is_retried_only_once_it_shows_no_progress(world: World, tmp_path: Path) -> None:
    job = _mapped(world, _file(tmp_path), "all")
    _running(job, beat=timezone.now())
    with pytest.raises(ValidationError, match="running"):
        services.job_retry(actor=world.actor(world.manager), job=job)
    assert not job.can_retry

    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - 2 * runs.stale_after())
    job.refresh_from_db()
    assert job.can_retry
    job = services.job_retry(actor=world.actor(world.manager), job=job)
    assert job.status == ImportStatus.DONE and _names() == sorted(NAMES)


@pytest.mark.django_db
def test_only_an_import_that_stopped_can_be_retried(world: World, tmp_path: Path) -> None:
    actor = world.actor(world.manager)
    job = services.job_commit(actor=actor, job=_mapped(world, _file(tmp_path), "skip"))
    assert job.status == ImportStatus.DONE
    with pytest.raises(ValidationError, match="imported already"):
        services.job_retry(actor=actor, job=job)
    checked = services.job_dry_run(actor=actor, job=_mapped(world, _file(tmp_path), "skip"))
    with pytest.raises(ValidationError, match="stopped before the end"):
        services.job_retry(actor=actor, job=checked)


# --- Retry in the web and the API ----------------------------------------------------------------


@pytest.fixture
def stopped(world: World, tmp_path: Path) -> ImportJob:
    job = _mapped(world, _file(tmp_path), "skip")
    _running(job, beat=timezone.now() - 2 * runs.stale_after(), progress=0)
    services.job_sweep_stale()
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_page_of_an_interrupted_import_offers_a_retry_that_finishes_it(
    world: World, stopped: ImportJob
) -> None:
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("imports:job-detail", args=[stopped.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert reverse("imports:job-retry", args=[stopped.pk]) in content and stopped.error in content

    response = client.post(reverse("imports:job-retry", args=[stopped.pk]))

    assert response.status_code == 302
    assert ImportJob.objects.get(pk=stopped.pk).status == ImportStatus.DONE
    assert _names() == sorted(NAMES)


@pytest.mark.django_db
def test_the_api_retries_an_interrupted_import_for_its_owner_only(world: World, stopped: ImportJob) -> None:
    outsider = APIClient()
    outsider.force_authenticate(world.outsider)
    assert outsider.post(f"/api/v1/imports/{stopped.pk}/retry/").status_code == 404
    assert (
        ImportJob.objects.get(pk=stopped.pk).status == ImportStatus.INTERRUPTED
        and not Account.objects.exists()
    )

    client = APIClient()
    client.force_authenticate(world.manager)
    shown = client.get(f"/api/v1/imports/{stopped.pk}/").json()
    assert (shown["status"], shown["can_retry"]) == ("interrupted", True)

    response = client.post(f"/api/v1/imports/{stopped.pk}/retry/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_retry"]) == ("done", False)
    again = client.post(f"/api/v1/imports/{stopped.pk}/retry/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 400 and "已经导入" in str(again.json())


@pytest.mark.django_db(transaction=True)  # the task is sent once the job's start is committed
def test_with_the_queue_away_the_api_answers_503_and_the_page_says_so(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    job = services.job_dry_run(actor=world.actor(world.manager), job=_mapped(world, _file(tmp_path), "skip"))
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    monkeypatch.setattr("django.conf.settings.CELERY_TASK_ALWAYS_EAGER", False)

    def refused(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_import, "apply_async", refused)
    client = APIClient()
    client.force_authenticate(world.manager)
    response = client.post(f"/api/v1/imports/{job.pk}/commit/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert "连接不上后台任务队列" in response.json()["detail"]
    web = Client()
    web.force_login(world.manager)
    page = web.post(reverse("imports:job-commit", args=[job.pk]), follow=True)
    assert page.status_code == 200 and "task queue cannot be reached" in page.content.decode()
    job.refresh_from_db()
    assert (job.status, job.run_token, job.run_writes) == (ImportStatus.VALIDATED, None, False)
    assert not Account.objects.exists()


# --- The cache (Redis) away ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_and_its_pages_carry_on_without_the_cache(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    for name in ("get", "set", "delete_many"):
        monkeypatch.setattr(cache, name, down)
    job = services.job_commit(actor=world.actor(world.manager), job=_mapped(world, _file(tmp_path), "skip"))
    assert job.status == ImportStatus.DONE and Account.objects.count() == ROWS
    _running(job, beat=timezone.now(), progress=10)
    client = Client()
    client.force_login(world.manager)
    assert client.get(reverse("imports:job-progress", args=[job.pk])).status_code == 200
    assert client.get(reverse("imports:job-detail", args=[job.pk])).status_code == 200


# --- Celery ------------------------------------------------------------------------------------


def test_import_tasks_are_acknowledged_after_they_run_one_at_a_time_on_their_own_queue() -> None:
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert run_import.acks_late and run_import.reject_on_worker_lost
    assert app.amqp.router.route({}, run_import.name)["queue"].name == "imports"
    assert {"celery", "imports"} <= set(app.amqp.queues)  # a plain worker serves both
