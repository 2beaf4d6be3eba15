"""gunicorn settings for Tandem (docs/operations.md).

    gunicorn -c config/gunicorn_conf.py config.wsgi

Flags on the command line (or in ``GUNICORN_CMD_ARGS``) override what is set here, e.g.
``--bind 0.0.0.0:8000 --workers 9``.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import re
from typing import Any

from tandem.core import logs

# --- Processes -------------------------------------------------------------------------------
bind = "127.0.0.1:8000"
# The usual starting point for synchronous workers: two per core, plus one.
workers = multiprocessing.cpu_count() * 2 + 1
# A synchronous worker is killed when one request keeps it busy for longer than this (the client
# gets a cut connection): above the longest page or export that must finish in the request.
timeout = 120
# On restart (SIGHUP, a deploy) or a recycle, a worker may finish its request for this long.
graceful_timeout = 30
# Recycle each worker after this many requests (jittered, so they do not all restart at once):
# bounds memory that slowly grows in a long-lived process.
max_requests = 2000
max_requests_jitter = 200
keepalive = 5

# --- Logs ---------------------------------------------------------------------------------------
# Tandem writes one access line per request itself (logger tandem.access, with the request id,
# person and route): gunicorn's own access log would say the same thing again, in local time.
accesslog = None
errorlog = "-"


def _log_setting(name: str, default: str, choices: tuple[str, ...], upper: bool) -> str:
    raw = os.environ.get(name, "").strip()
    value = (raw.upper() if upper else raw.lower()) or default
    if value not in choices:
        raise SystemExit(f"{name}={raw!r} must be one of: {', '.join(choices)}.")
    return value


# The master's lines (boot, worker timeouts, restarts) in Tandem's format too: UTC, one line each.
logconfig_dict = logs.logging_config(
    level=_log_setting("TANDEM_LOG_LEVEL", "INFO", logs.LEVELS, upper=True),
    fmt=_log_setting("TANDEM_LOG_FORMAT", "text", logs.FORMATS, upper=False),
)

# --- Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR) -------------------------------------
_METRICS_FILE = re.compile(r"_(\d+)\.db$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server: Any) -> None:
    """Forget the metric files of processes that are gone (an earlier run's workers); the files of
    live processes (a Celery worker sharing the directory) are kept."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in glob.glob(os.path.join(path, "*.db")):
        match = _METRICS_FILE.search(name)
        if match and not _alive(int(match.group(1))):
            os.remove(name)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# --- Garbage collection --------------------------------------------------------------------------
def post_worker_init(worker: Any) -> None:
    """Keep the garbage collector off the requests (tandem.core.collector): what the worker
    loaded at start is frozen out of its reach, and the young generation is collected every
    50,000 new objects rather than 700. Measured on the deal list at a million deals: the
    slowest of 60 requests 176 ms without the freeze, 70 ms with (a full collection landing on
    it); bench/README.md."""
    from tandem.core.collector import settle

    settle()
