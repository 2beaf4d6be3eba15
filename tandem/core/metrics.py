"""Prometheus metrics (prometheus-client) and the ``/metrics`` endpoint that exports them.

What is measured:

- ``tandem_http_request_duration_seconds{route, method}`` and ``tandem_http_responses_total{route,
  method, status}``: every request, by URL pattern name (``customers:account-detail``), never by raw
  path (``core.middleware.RequestLogMiddleware``);
- ``tandem_db_query_duration_seconds{alias}``: every SQL statement, web and Celery alike (a
  database execute wrapper installed on each new connection);
- ``tandem_celery_task_duration_seconds{task}`` and ``tandem_celery_tasks_total{task, outcome}``
  (``success``, ``failure``, ``retry``): Celery's task signals (``config.celery``);
- ``tandem_celery_queue_length{queue}``: tasks waiting in the Redis broker, read when scraped;
- ``tandem_import_rows_total{resource, stage, outcome}``: rows the importer has checked (``stage``
  ``dry_run``) or imported (``import``), by outcome (``created``, ``updated``, ``skipped``,
  ``failed``).

Under gunicorn (several processes) set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by
the web and worker processes of the machine: each process writes its values there and ``/metrics``
adds them up (docs/operations.md).

``/metrics`` answers only a request with ``Authorization: Bearer $TANDEM_METRICS_TOKEN`` or from an
address in ``TANDEM_METRICS_ALLOW``; 403 to anyone else, 404 when neither is configured.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Request latency: from a 5 ms page to a 60 s export.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
_TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_LATENCY = Histogram(
    "tandem_http_request_duration_seconds",
    "Time from the request's arrival to the response's last byte, by route.",
    ["route", "method"],
    buckets=_LATENCY_BUCKETS,
)
HTTP_RESPONSES = Counter(
    "tandem_http_responses", "Responses by route, method and status code.", ["route", "method", "status"]
)
DB_QUERY = Histogram(
    "tandem_db_query_duration_seconds",
    "Time each SQL statement took, by database alias.",
    ["alias"],
    buckets=_QUERY_BUCKETS,
)
TASK_DURATION = Histogram(
    "tandem_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=_TASK_BUCKETS,
)
TASKS = Counter(
    "tandem_celery_tasks", "Celery tasks finished, by task name and outcome.", ["task", "outcome"]
)
IMPORT_ROWS = Counter(
    "tandem_import_rows",
    "Import rows processed, by resource, stage (dry_run or import) and outcome.",
    ["resource", "stage", "outcome"],
)


# --- Recording --------------------------------------------------------------------------------


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    HTTP_LATENCY.labels(route=route, method=method).observe(seconds)
    HTTP_RESPONSES.labels(route=route, method=method, status=str(status)).inc()


class QueryTally:
    """The SQL statements one request ran: how many, and how long they took together."""

    __slots__ = ("count", "seconds")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.seconds += seconds


TALLY: ContextVar[QueryTally | None] = ContextVar("tandem_query_tally", default=None)


class QueryTimer:
    """A database execute wrapper: times every statement; adds it to the request's tally if any."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            DB_QUERY.labels(alias=self.alias).observe(elapsed)
            tally = TALLY.get()
            if tally is not None:
                tally.add(elapsed)


def install_query_timer(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: time this connection's statements (once per connection)."""
    if not any(isinstance(w, QueryTimer) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(QueryTimer(connection.alias))


_task_started: dict[str, float] = {}


def task_started(task_id: str | None) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def task_finished(*, task_id: str | None, task: str, outcome: str) -> None:
    """A task ended: ``success``, ``failure`` or ``retry`` (Celery's ``task_postrun`` state)."""
    TASKS.labels(task=task, outcome=outcome).inc()
    started = _task_started.pop(task_id, None) if task_id else None
    if started is not None:
        TASK_DURATION.labels(task=task).observe(time.perf_counter() - started)


def import_rows(*, resource: str, commit: bool, totals: Any) -> None:
    """An import or dry run finished: count its rows by outcome (``engine.Totals``)."""
    stage = "import" if commit else "dry_run"
    for outcome in ("created", "updated", "skipped", "failed"):
        count = int(getattr(totals, outcome, 0) or 0)
        if count:
            IMPORT_ROWS.labels(resource=resource, stage=stage, outcome=outcome).inc(count)


# --- Queue depth (read when scraped) -----------------------------------------------------------


class QueueLengthCollector(Collector):
    """Tasks waiting in each Celery queue of the Redis broker (kombu's list and priority lists)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.conf import settings

        family = GaugeMetricFamily(
            "tandem_celery_queue_length", "Tasks waiting in the broker, by queue.", labels=["queue"]
        )
        url = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
        if not url.startswith(("redis://", "rediss://", "unix://")):
            yield family
            return
        try:
            for queue, length in _queue_lengths(url).items():
                family.add_metric([queue], length)
        except Exception as exc:  # the broker being down must not break the scrape
            logger.warning("queue length unavailable: %s", exc.__class__.__name__)
        yield family


def _queue_lengths(url: str) -> dict[str, int]:
    import redis

    from config.celery import app

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        transport = app.conf.broker_transport_options or {}
        steps = transport.get("priority_steps") or [0, 3, 6, 9]
        sep = transport.get("sep", "\x06\x16")
        lengths: dict[str, int] = {}
        for queue in sorted(app.amqp.queues.keys()):
            # kombu keeps priority 0 under the queue's own name and the others under name+sep+step.
            keys = [queue if step == 0 else f"{queue}{sep}{step}" for step in steps]
            pipe = client.pipeline()
            for key in keys:
                pipe.llen(key)
            lengths[queue] = sum(int(n) for n in pipe.execute())
        return lengths
    finally:
        client.close()


# --- The endpoint -----------------------------------------------------------------------------


def registry() -> CollectorRegistry:
    """What one scrape exports: this process's metrics, or every process's in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_ENV):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
    else:
        reg = CollectorRegistry()
        reg.register(_ProcessMetrics())
    reg.register(QueueLengthCollector())
    return reg


class _ProcessMetrics(Collector):
    """The default registry's metrics (this process's), without registering the queue twice."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def allowed(*, authorization: str, address: str | None) -> bool | None:
    """May this caller read the metrics? ``None``: the endpoint is off (nothing configured)."""
    from django.conf import settings

    token: str = settings.TANDEM_METRICS_TOKEN
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = settings.TANDEM_METRICS_ALLOW
    if not token and not networks:
        return None
    if token:
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return True
    if networks and address:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)
    return False


def export(accept: str) -> tuple[bytes, str]:
    """The metrics in the format the scraper asked for, and its content type."""
    encoder, content_type = choose_encoder(accept)
    return encoder(registry()), content_type
