"""Readiness: may a load balancer send this process traffic?

``/healthz`` (liveness) says only that the process answers: it touches nothing else, so a
database outage does not make an orchestrator restart every web process. ``/readyz`` checks
what a request needs: the database answers, the cache and the Celery broker answer (when they
are Redis), and no migration is waiting (new code on an old schema). Each check reports
``ok``; a failure names the kind of error only (the details, which may name hosts, go to the log).
It also checks that the static files were collected (every page needs their manifest).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

# A check that cannot connect gives up after this long, so a probe never hangs on a dead host.
TIMEOUT_SECONDS = 2.0


def _timed(check: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        result = check() or {}
        result = {"status": result.pop("status", "ok"), **result}
    except Exception as exc:
        logger.warning("readiness check failed: %s", exc, exc_info=False)
        result = {"status": "error", "error": exc.__class__.__name__}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _migrations() -> dict[str, Any] | None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        pending = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
        return {"status": "pending", "pending": pending}
    return None


def _static() -> dict[str, Any] | None:
    """The collected files' manifest, which every page's {% static %} reads (collectstatic)."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return None  # the source folders are served as they are
    if not storage.exists(storage.manifest_name):
        return {"status": "error", "error": "not collected: run tandem collectstatic"}
    return None


def _redis(url: str) -> Callable[[], None]:
    def ping() -> None:
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()

    return ping


def _redis_url(value: Any) -> str:
    url = str(value or "")
    return url if url.startswith(("redis://", "rediss://", "unix://")) else ""


def readiness() -> tuple[dict[str, Any], bool]:
    """Every check's result, and whether all passed."""
    checks: dict[str, dict[str, Any]] = {"database": _timed(_database)}
    if checks["database"]["status"] == "ok":
        checks["migrations"] = _timed(_migrations)
    else:
        checks["migrations"] = {"status": "skipped"}
    checks["static"] = _timed(_static)
    cache_url = ""
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("RedisCache"):
        location = cache.get("LOCATION")
        cache_url = _redis_url(location[0] if isinstance(location, list | tuple) else location)
    if cache_url:
        checks["cache"] = _timed(_redis(cache_url))
    broker_url = _redis_url(getattr(settings, "CELERY_BROKER_URL", ""))
    if broker_url:
        checks["broker"] = _timed(_redis(broker_url))
    ready = all(check["status"] in ("ok", "skipped") for check in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, ready
