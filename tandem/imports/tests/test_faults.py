"""Faults with real processes: a worker killed in the middle of an import, Redis away at commit.

A child process runs the import as a Celery worker would (the job's id and run token) and is
killed with SIGKILL while it reads the file. The job is then found stale by the sweep, marked
interrupted, and retried: skip mode goes on after the batches the dead worker committed, all-or-
nothing (which had written nothing) starts over; either way every row of the file is in exactly
once. These tests commit for real (``transaction=True``): the child cannot see an open transaction.
"""

from __future__ import annotations

import datetime
import json
import signal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.customers.models import Account
from tandem.customers.tests.factories import distinct_name
from tandem.imports import runs, services
from tandem.imports.models import ImportJob, ImportRowResult, ImportStatus
from tandem.imports.tasks import run_import

from . import child
from .helpers import upload, write_csv

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 100
EXPECTED = sorted(distinct_name("Fault", n) for n in range(ROWS))  # no two alike (查重)
PAUSE_AT = 62  # the file's row 62 (its 61st account): three batches of 20 are in by then


def _queued(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> tuple[Any, dict[str, Any]]:
    """A job started from the web as in production: its task handed to the broker, not run."""
    path = write_csv(
        tmp_path / "accounts.csv",
        [["name", "city"], *([name, "Hangzhou"] for name in EXPECTED)],
    )
    actor = world.actor(world.manager)
    job = upload(actor, "account", path, mode=mode)
    job = services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
    sent: dict[str, Any] = {}
    monkeypatch.setattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: sent.update(args=args, kwargs=kwargs))
    job = services.job_commit(actor=actor, job=job)
    assert job.status == ImportStatus.IMPORTING and sent["kwargs"]["token"] == str(job.run_token)
    monkeypatch.undo()  # from here on the test itself runs what it starts
    return job, sent


def _kill_mid_import(job: ImportJob, tmp_path: Path) -> None:
    worker = child.spawn(child.environment(tmp_path), "run", str(job.pk), str(job.run_token), str(PAUSE_AT))
    try:
        child.wait_for_line(worker, "PAUSED")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    child.take_back(tmp_path)


def _after_the_stale_period() -> datetime.datetime:
    return timezone.now() + runs.stale_after() + datetime.timedelta(seconds=1)


def _names() -> list[str]:
    return sorted(Account.objects.values_list("name", flat=True))


def test_a_worker_killed_mid_import_in_skip_mode_is_resumed_after_its_last_batch(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job, _sent = _queued(world, tmp_path, monkeypatch, "skip")
    _kill_mid_import(job, tmp_path)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING  # nobody has told it yet
    kept = job.progress
    assert kept in (40, 60)  # whole batches (the last one perhaps still in flight when killed)
    before = dict(Account.objects.values_list("name", "pk"))
    assert len(before) == kept
    assert services.job_sweep_stale(now=timezone.now()) == 0  # its heartbeat is recent

    assert services.job_sweep_stale(now=_after_the_stale_period()) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.INTERRUPTED and job.can_retry
    assert f"stopped after row {kept + 1}" in job.error and "retry to import the rest" in job.error

    job = services.job_retry(actor=world.actor(world.manager), job=job)

    assert (job.status, job.committed, job.resumed_from) == (ImportStatus.DONE, True, kept)
    assert _names() == EXPECTED  # every row once: none written twice, none left out
    assert {name: pk for name, pk in Account.objects.values_list("name", "pk") if name in before} == before
    assert (job.created_count, job.failed_count, job.total_rows) == (ROWS, 0, ROWS)
    assert ImportRowResult.objects.filter(job=job, status="created").count() == ROWS
    assert HistoryEntry.objects.filter(message=f"import #{job.pk}").count() == ROWS


def test_a_worker_killed_mid_import_in_all_or_nothing_mode_wrote_nothing_and_starts_over(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job, _sent = _queued(world, tmp_path, monkeypatch, "all")
    _kill_mid_import(job, tmp_path)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    assert not Account.objects.exists()  # its one transaction died with it

    assert services.job_sweep_stale(now=_after_the_stale_period()) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.INTERRUPTED and "Nothing was written" in job.error

    job = services.job_retry(actor=world.actor(world.manager), job=job)

    assert (job.status, job.resumed_from, job.created_count) == (ImportStatus.DONE, 0, ROWS)
    assert _names() == EXPECTED


def test_the_task_delivered_again_after_the_worker_died_does_not_run_the_job_twice(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Celery hands an unacknowledged task to another worker when the first dies: the job was
    # claimed by the dead worker's run, so the second delivery does nothing; the sweep and a
    # retry finish it.
    job, sent = _queued(world, tmp_path, monkeypatch, "skip")
    _kill_mid_import(job, tmp_path)
    kept = Account.objects.count()

    run_import(*sent["args"], **sent["kwargs"])

    assert Account.objects.count() == kept
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.IMPORTING


def test_with_redis_away_starting_an_import_answers_clearly_and_leaves_the_job_as_it_was(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "accounts.csv", [["name"], ["Queue Down Ltd"]])
    actor = world.actor(world.manager)
    job = upload(actor, "account", path, mode="skip")
    job = services.job_dry_run(
        actor=actor, job=services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
    )
    assert job.status == ImportStatus.VALIDATED

    env = child.environment(tmp_path, REDIS_URL="redis://127.0.0.1:9/0")  # nothing listens there
    web = child.spawn(env, "start", str(job.pk), str(world.manager.pk))
    line = child.wait_for_line(web, "ANSWER")
    web.wait(timeout=30)
    child.take_back(tmp_path)

    answer = json.loads(line.removeprefix("ANSWER "))
    status, body = answer["api"]
    assert status == 503
    assert "task queue cannot be reached" in body["detail"]
    assert answer["page"] == 200 and answer["progress"] == 200
    assert answer["web"][0] == 200 and "task queue cannot be reached" in answer["web"][1]
    job.refresh_from_db()
    assert (job.status, job.run_token, job.committed) == (ImportStatus.VALIDATED, None, False)
    assert not Account.objects.exists()
