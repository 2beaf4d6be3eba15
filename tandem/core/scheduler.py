"""The embedded scheduler: runs Celery beat's schedule in-process when there is no Redis.

Production runs ``celery -A config worker`` and ``celery -A config beat`` against Redis. The
embedded default (``make run``) has neither, so ``tandem serve`` starts this thread: every
30 seconds it runs the scheduled tasks that are due, in-process.

When a job last ran is kept in the database (``core.ScheduledRun``), and a process runs a job
only after moving that time on from the value it read (one conditional ``UPDATE``): with several
``tandem serve`` processes on one database each job still runs once per period, and a restart
does not run every job again at once. The tasks themselves are idempotent besides.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

log = logging.getLogger(__name__)


def _is_due(schedule: Any, last_run: datetime | None, now: datetime) -> bool:
    if last_run is None:
        return True
    if isinstance(schedule, int | float):
        schedule = timedelta(seconds=schedule)
    if isinstance(schedule, timedelta):
        return now - last_run >= schedule
    due, _next = schedule.is_due(last_run)
    return bool(due)


def claim(name: str, schedule: Any, now: datetime) -> bool:
    """Whether this process runs job ``name`` now: it is due and no other process took it first."""
    from .models import ScheduledRun

    row, _created = ScheduledRun.objects.get_or_create(name=name)
    if not _is_due(schedule, row.last_run_at, now):
        return False
    taken = ScheduledRun.objects.filter(pk=row.pk, last_run_at=row.last_run_at).update(last_run_at=now)
    return taken == 1


def run_due(now: datetime | None = None) -> list[str]:
    """Run every scheduled task that is due and not taken by another process; returns their names.

    A run that fails still counts as the period's run: it is tried again after its interval,
    not in a tight loop.
    """
    from config.celery import app

    now = now or timezone.now()
    ran = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        try:
            if not claim(name, entry["schedule"], now):
                continue
        except DatabaseError:  # e.g. SQLite busy with a long import's transaction: next time
            log.warning("scheduled task %s skipped: the database is busy", name, exc_info=True)
            continue
        try:
            app.tasks[entry["task"]].apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
            ran.append(name)
        except Exception:
            log.exception("scheduled task %s failed", name)
    return ran


def start(interval: float = 30.0) -> threading.Thread:
    def loop() -> None:
        while True:
            close_old_connections()
            try:
                run_due()
            except Exception:  # the loop must outlive a database that is away for a while
                log.exception("the embedded scheduler could not run")
            close_old_connections()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="tandem-scheduler", daemon=True)
    thread.start()
    return thread
