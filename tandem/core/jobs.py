"""Scheduled and background jobs: ``@jobs.job(name=...)`` instead of a bare ``shared_task``.

A job is a Celery task (run by a worker from Redis in production, in-process by the embedded
scheduler without Redis — ``core/scheduler.py``) that:

- is **idempotent**: running it twice, or two workers running it at once, does the work once.
  Jobs claim what they send (a unique row, or a conditional ``UPDATE`` of a "sent at" column)
  inside the transaction that does the work, so a reminder is never sent twice;
- is **retried on failure** when the failure is the database's (away, restarting, a deadlock or a
  serialisation failure): up to ``MAX_RETRIES`` times. Other
  exceptions are bugs: they are logged and the job runs again at its next period. On a worker
  the retry goes back to the broker with a growing, jittered delay; run in-process (the embedded
  scheduler) the job waits a little and tries again in place (``IN_PROCESS_DELAYS``).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from celery import shared_task
from django.db import DatabaseError, InterfaceError, close_old_connections

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

MAX_RETRIES = 5
RETRY_ON = (DatabaseError, InterfaceError)
# In-process runs (the embedded scheduler, eager tasks) have no worker to hand a retry back to:
# they wait these many seconds and try again in place, then give up until the next period.
IN_PROCESS_DELAYS: tuple[float, ...] = (1, 3, 10)


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1`` on a worker: 5 s, 10 s, 20 s ... at most 5 min,
    with jitter so jobs failed by one outage do not all come back at the same second."""
    return min(300, 5 * 2**retries) + random.randint(0, 5)


def job(*, name: str) -> Callable[[F], Any]:
    """Declare a job (a Celery task with the retry policy above) under its full dotted name."""

    def decorate(fn: F) -> Any:
        @functools.wraps(fn)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except RETRY_ON as exc:
                if not self.request.is_eager:
                    log.warning("job %s failed on the database; retrying", name, exc_info=True)
                    raise self.retry(
                        exc=exc, countdown=backoff(self.request.retries), max_retries=MAX_RETRIES
                    ) from exc
                error = exc
            for delay in IN_PROCESS_DELAYS:
                log.warning(
                    "job %s failed on the database; trying again in %s s", name, delay, exc_info=error
                )
                time.sleep(delay)
                close_old_connections()
                try:
                    return fn(*args, **kwargs)
                except RETRY_ON as exc:
                    error = exc
            raise error

        return shared_task(name=name, bind=True)(run)

    return decorate
