"""A child process on the test's own database, for the tests that kill a worker or take Redis away.

``python -m tandem.imports.tests.child run JOB TOKEN PAUSE_AT`` runs an import job as a worker
would, in batches of ``BATCH`` rows, and stops reading the file at row ``PAUSE_AT`` (printing
``PAUSED``) for the test to kill it. ``python -m tandem.imports.tests.child start JOB USER`` asks
the API to import the job, with ``REDIS_URL`` pointing where no Redis answers, and prints the
answers of the API and the job's pages.

The test side: ``environment`` gives the child the test's database (PostgreSQL: the test database
itself; SQLite, whose test database lives in memory: a copy in a file, which ``take_back`` copies
back when the child is done), the test's media folder and no Redis.
"""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

BATCH = 20
BASE_DIR = Path(__file__).resolve().parents[3]


# --- The test's side ---------------------------------------------------------------------------


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a child on this test's database and media folder (``var_dir/media``)."""
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        TANDEM_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings_test", PYTHONUNBUFFERED="1"
    )
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            login += ":" + quote(db["PASSWORD"], safe="")
        env["DATABASE_URL"] = (
            f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
        )
    else:
        path = var_dir / "shared.sqlite3"
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        env["DATABASE_URL"] = f"sqlite:///{path}"
    env.update(extra)
    return env


def take_back(var_dir: Path) -> None:
    """SQLite: the child's database (a file) becomes the test's again. PostgreSQL: shared already."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    source = sqlite3.connect(var_dir / "shared.sqlite3")  # recovers what the child committed
    source.backup(connection.connection)
    source.close()


def spawn(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tandem.imports.tests.child", *args],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], wanted: str, timeout: float = 60) -> str:
    """The first line of the child's output starting with ``wanted`` (its errors if it ends first)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith(wanted):
            return line.strip()
    process.kill()
    _out, err = process.communicate()
    raise AssertionError(f"the child never said {wanted!r}: {err[-3000:]}")


# --- The child's side --------------------------------------------------------------------------


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _paused_rows(real: Any, pause_at: int) -> Any:
    def rows(*args: Any, **kwargs: Any) -> Iterator[tuple[int, list[str]]]:
        for number, cells in real(*args, **kwargs):
            if number >= pause_at:
                _say("PAUSED")
                time.sleep(300)  # until the test kills this process
            yield number, cells

    return rows


def run(job_id: int, token: str, pause_at: int) -> None:
    from tandem.imports import engine, reading, services

    engine.BATCH_SIZE = engine.SQLITE_BATCH_SIZE = BATCH
    reading.iter_rows = _paused_rows(reading.iter_rows, pause_at)
    _say("STARTED")
    services.run_job(job_id=job_id, commit=True, language="en", token=uuid.UUID(token))
    _say("FINISHED")


def start(job_id: int, user_id: int) -> None:
    from django.test import Client

    from tandem.imports import services
    from tandem.org.models import User

    services.BACKGROUND_ROWS = 0  # every file goes to the task queue
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(pk=user_id))
    api = client.post(f"/api/v1/imports/{job_id}/commit/", HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/imports/{job_id}/")
    progress = client.get(f"/imports/{job_id}/progress/")
    web = client.post(f"/imports/{job_id}/commit/", follow=True)
    answer = {
        "api": [api.status_code, api.json()],
        "page": page.status_code,
        "progress": progress.status_code,
        "web": [web.status_code, web.content.decode()],
    }
    _say("ANSWER " + json.dumps(answer))


if __name__ == "__main__":
    import django

    django.setup()
    command, *arguments = sys.argv[1:]
    if command == "run":
        run(int(arguments[0]), arguments[1], int(arguments[2]))
    elif command == "start":
        start(int(arguments[0]), int(arguments[1]))
    else:
        raise SystemExit(f"unknown command {command}")
