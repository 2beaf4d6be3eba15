"""Celery application. With REDIS_URL unset, tasks run eagerly in-process (see settings).

Logs: the worker and beat log through Tandem's logging configuration (``core.logs``: UTC, one
line per event, JSON with ``TANDEM_LOG_FORMAT=json``) instead of Celery's own. A task sent while
a request is served carries that request's id (a message header) and its log lines show it,
with the task's name and id. Metrics: each task's outcome and duration (``core.metrics``).
"""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _setup_logging(**kwargs: Any) -> None:
    # Connected at all, this stops Celery from configuring logging its own way (local times, its
    # format); Django's LOGGING is applied instead.
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    from tandem.core import logs

    request_id = logs.current_request_id()
    if request_id and headers is not None:
        headers.setdefault(logs.TASK_HEADER, request_id)


# Per task id: the context tokens to restore when the task ends (core.logs.bind_task).
_bound: dict[str, dict[str, Any]] = {}


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    from tandem.core import logs, metrics

    request = getattr(task, "request", None)
    request_id = getattr(request, logs.TASK_HEADER, None)
    if request_id is None:
        request_id = (getattr(request, "headers", None) or {}).get(logs.TASK_HEADER)
    name = getattr(task, "name", "?")
    tokens = logs.bind_task(request_id=logs.usable_request_id(request_id), task=name, task_id=task_id)
    if task_id:
        _bound[task_id] = tokens
    metrics.task_started(task_id)


@signals.task_postrun.connect
def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    from tandem.core import logs, metrics

    outcome = {"SUCCESS": "success", "RETRY": "retry"}.get(state or "", "failure")
    metrics.task_finished(task_id=task_id, task=getattr(task, "name", "?"), outcome=outcome)
    tokens = _bound.pop(task_id, None) if task_id else None
    if tokens:
        logs.unbind_task(tokens)


@signals.worker_process_shutdown.connect
def _worker_process_gone(pid: int | None = None, **kwargs: Any) -> None:
    # Prometheus multiprocess mode: forget a finished pool process's live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
