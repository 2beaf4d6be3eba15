"""Who runs an import job, and whether it is still alive.

Each start (or retry) of a job gives it a new run token; the Celery task, or the thread of the
embedded default, carries it. Whatever runs the job first **claims** it (``claim``: one
conditional ``UPDATE``), so a task delivered twice — Celery acknowledges a task after it has
run, so a worker that dies hands it to another, and Redis hands a long one out again after its
visibility timeout — runs the job once.

While it runs, the job's **heartbeat** moves on with every batch: in skip mode with the batch's
own commit, which also moves the job's progress from the value this run last committed to the
new one (``commit_progress``); anything else (a batch of a run that lost its job, or one committed
twice) is refused and rolled back with the batch. All-or-nothing mode writes in one transaction,
so its heartbeat is written beside it (``beat``), and it ends with ``seal``: the job marked done
in the transaction that holds the rows. A job whose heartbeat has not moved for
``TANDEM_IMPORT_STALE_MINUTES`` is **stale**: the scheduled sweep marks it interrupted, and a
retry resumes it (skip mode: after the last committed batch) or starts it again.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tandem.core import caching

from . import wording
from .models import ImportJob, ImportStatus

if TYPE_CHECKING:
    from .engine import Totals


RUNNING = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)
# A job no run has claimed yet waits in the task queue, perhaps behind other imports: it counts
# as stale only after this many times the heartbeat's limit.
QUEUED_FACTOR = 6


class RunLost(Exception):
    """This run no longer owns its job (it was marked interrupted, and perhaps started again):
    it stops, and what it had not committed is rolled back."""


def new_token() -> uuid.UUID:
    return uuid.uuid4()


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.TANDEM_IMPORT_STALE_MINUTES)


def claim(job_id: int, token: uuid.UUID | None) -> bool:
    """Take the job for this run: True once per run token, False for any later delivery."""
    taken = ImportJob.objects.filter(
        pk=job_id, run_token=token, status__in=RUNNING, heartbeat_at__isnull=True
    ).update(heartbeat_at=timezone.now())
    return taken == 1


def _mine(job: ImportJob) -> Any:
    return ImportJob.objects.filter(pk=job.pk, run_token=job.run_token, status__in=RUNNING)


def commit_progress(job: ImportJob, *, done: int, previous: int) -> None:
    """In a batch's transaction: the job's progress goes from ``previous`` (what this run last
    committed) to ``done``, with a heartbeat. Raises ``RunLost`` (rolling the batch back) when the
    job is no longer this run's or the batch was committed already."""
    if _mine(job).filter(progress=previous).update(progress=done, heartbeat_at=timezone.now()) != 1:
        raise RunLost(f"import #{job.pk}: run {job.run_token} no longer owns the job")
    remember_progress(job.pk, done)


def beat(job: ImportJob, *, done: int | None = None) -> None:
    """A sign of life between commits. On a connection in the middle of a transaction (SQLite's
    all-or-nothing import holds the one write lock throughout) it goes to the cache only, where
    the process's own sweep sees it; elsewhere to the job's row too. Raises ``RunLost`` when the
    job is no longer this run's."""
    now = timezone.now()
    _cache_set(_beat_key(job.pk), now.timestamp())
    if done is not None:
        remember_progress(job.pk, done)
    if connection.in_atomic_block:
        return
    if _mine(job).update(heartbeat_at=now) != 1:
        raise RunLost(f"import #{job.pk}: run {job.run_token} no longer owns the job")


def seal(job: ImportJob, totals: Totals) -> None:
    """All-or-nothing: in the transaction that writes the rows, mark the job done with its totals,
    so the rows and the job's "done" commit together (or neither does). ``RunLost`` when the job is
    no longer this run's: then the transaction, rows and all, is rolled back."""
    from .engine import store_totals

    store_totals(job, totals)
    now = timezone.now()
    job.status, job.committed, job.finished_at, job.error, job.error_said = (
        ImportStatus.DONE,
        True,
        now,
        "",
        {},
    )
    fields = {
        "status": job.status,
        "committed": True,
        "finished_at": now,
        "error": "",
        "error_said": {},
        "heartbeat_at": now,
        "updated_at": now,
        **{name: getattr(job, name) for name in TOTAL_FIELDS},
    }
    if _mine(job).filter(status=ImportStatus.IMPORTING).update(**fields) != 1:
        raise RunLost(f"import #{job.pk}: run {job.run_token} no longer owns the job")


TOTAL_FIELDS = (
    "total_rows",
    "valid_rows",
    "created_count",
    "updated_count",
    "skipped_count",
    "failed_count",
    "warning_count",
    "problems",
    "fills",
    "progress",
)


def finish(job: ImportJob, fields: dict[str, Any]) -> bool:
    """The run's last word on its job (done, checked, failed): written only if the job is still
    this run's. False when it is not (the sweep marked it interrupted meanwhile)."""
    now = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    return _mine(job).update(**fields, updated_at=now) == 1


def last_sign(job: ImportJob) -> datetime.datetime | None:
    """The latest heartbeat of the job: its row's, or a newer one in this process's cache."""
    latest = job.heartbeat_at
    cached = _cache_get(_beat_key(job.pk))
    if isinstance(cached, int | float):
        at = datetime.datetime.fromtimestamp(cached, tz=datetime.UTC)
        if latest is None or at > latest:
            latest = at
    return latest


def is_stale(job: ImportJob, now: datetime.datetime | None = None) -> bool:
    """A running job with no heartbeat for ``TANDEM_IMPORT_STALE_MINUTES`` (a job no run has
    claimed yet: ``QUEUED_FACTOR`` times as long since it was started)."""
    if job.status not in RUNNING:
        return False
    now = now or timezone.now()
    last = last_sign(job)
    if last is None:
        return job.started_at is None or now - job.started_at >= stale_after() * QUEUED_FACTOR
    return now - last >= stale_after()


def interrupt(job: ImportJob, *, error: str, now: datetime.datetime) -> bool:
    """Mark a stale job interrupted, unless it moved on since it was read. True when marked."""
    fields = {
        "status": ImportStatus.INTERRUPTED,
        **wording.error_fields(error),
        "finished_at": now,
        **counts_so_far(job),
    }
    marked = (
        ImportJob.objects.filter(
            pk=job.pk, run_token=job.run_token, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(**fields, updated_at=now)
        == 1
    )
    if marked:
        for name, value in fields.items():
            setattr(job, name, value)
    return marked


def counts_so_far(job: ImportJob) -> dict[str, Any]:
    """The counts of a run that stopped: what it committed (an import in skip mode), else nothing
    (all-or-nothing rolled back; a check is not finished) — not the counts of an earlier check."""
    from .engine import Totals, stored_totals

    totals = stored_totals(job) if job.run_writes and job.mode == "skip" else Totals()
    return {
        "valid_rows": totals.valid,
        "created_count": totals.created,
        "updated_count": totals.updated,
        "skipped_count": 0,
        "failed_count": totals.failed,
        "warning_count": totals.warnings,
        "problems": totals.problem_summary(),
    }


# --- Progress and heartbeats in the cache (Redis in production): never a reason to fail ---------


def progress_key(job_id: int) -> str:
    return f"imports:job:{job_id}:progress"


def _beat_key(job_id: int) -> str:
    return f"imports:job:{job_id}:beat"


def remember_progress(job_id: int, done: int) -> None:
    _cache_set(progress_key(job_id), done)


def recall_progress(job_id: int) -> int | None:
    value = _cache_get(progress_key(job_id))
    return value if isinstance(value, int) else None


def forget(job_id: int) -> None:
    caching.forget([progress_key(job_id), _beat_key(job_id)])


def _cache_set(key: str, value: Any) -> None:
    caching.put(key, value, 3600)  # Redis away: the database has the job's progress


def _cache_get(key: str) -> Any:
    return caching.get(key)
