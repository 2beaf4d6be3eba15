"""The embedded scheduler: runs Celery beat's schedule in-process when there is no Redis.

Production runs ``celery -A config worker`` and ``celery -A config beat`` against Redis. The
embedded default (``make run``) has neither, so ``tandem serve`` starts this thread: every
30 seconds it runs the scheduled tasks that are due, in-process. Tasks are written to be
idempotent, so a run repeated after a restart does no harm.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
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


def run_due(last_runs: dict[str, datetime], now: datetime | None = None) -> list[str]:
    """Run every scheduled task that is due; returns their names."""
    from config.celery import app

    now = now or timezone.now()
    ran = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if not _is_due(entry["schedule"], last_runs.get(name), now):
            continue
        last_runs[name] = now
        try:
            app.tasks[entry["task"]].apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
            ran.append(name)
        except Exception:
            log.exception("scheduled task %s failed", name)
    return ran


def start(interval: float = 30.0) -> threading.Thread:
    last_runs: dict[str, datetime] = {}

    def loop() -> None:
        while True:
            close_old_connections()
            run_due(last_runs)
            close_old_connections()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="tandem-scheduler", daemon=True)
    thread.start()
    return thread
