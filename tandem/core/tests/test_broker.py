"""Scheduled jobs through a real broker: a Celery worker process consuming from Redis on the
test's PostgreSQL database, as production runs them (``celery -A config worker``).

Each job is sent twice, as beat does when a period is delivered again or two beats overlap by
mistake: the work is done once (reminders are claimed in the job's transaction). The embedded
mode (no Redis: ``tandem serve`` runs the schedule in-process) is covered by test_scheduler.py
and by each app's job tests, which call the same tasks.

Skipped unless the database is PostgreSQL and Redis answers at ``TANDEM_TEST_REDIS_URL``
(default redis://127.0.0.1:6379/15, 14, … one database a test process): ``.ci/run`` starts Redis and runs the suite on PostgreSQL,
so CI always runs these.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from tandem.conftest import World
from tandem.core.models import Notification

# A Redis database of each test process's own (15 for gw0, 14 for gw1, …): pytest-xdist's
# xdist_group no longer keeps marked tests on one process under pytest 9, and two workers on
# one database take each other's tasks.
_PROCESS = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
BROKER = os.environ.get("TANDEM_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _PROCESS % 8}")
BASE_DIR = Path(__file__).resolve().parents[3]


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process shares PostgreSQL only"),
    pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {BROKER}"),
]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A Celery worker on Redis and the test's database, started fresh for the test."""
    import redis

    from tandem.imports.tests import child

    redis.Redis.from_url(BROKER).flushdb()
    env = child.environment(tmp_path, REDIS_URL=BROKER)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = tmp_path / "worker.log"
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def send(name: str, *args: Any) -> None:
    """Hand a task to the broker as beat does (by name, no result expected)."""
    with app.connection_for_write(BROKER) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the suite's settings run tasks eagerly; this one is sent
        app.send_task(name, args=args, connection=conn)


def worker_log(process: subprocess.Popen[str]) -> str:
    path: Path = process.log_path
    return path.read_text(errors="replace")


def wait_until(check: Callable[[], bool], process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            raise AssertionError(f"the worker stopped: {worker_log(process)[-3000:]}")
        time.sleep(0.25)
    raise AssertionError(f"the worker did not do it in {timeout} s: {worker_log(process)[-3000:]}")


def finished(process: subprocess.Popen[str], name: str) -> int:
    """How many runs of task ``name`` the worker has finished (its log's "succeeded" lines)."""
    return sum(1 for line in worker_log(process).splitlines() if name in line and "succeeded" in line)


def test_a_worker_sends_follow_up_reminders_once_however_often_the_job_is_delivered(
    world: World, worker: subprocess.Popen[str]
) -> None:
    from tandem.customers.tests.factories import AccountFactory

    today = timezone.localdate()
    AccountFactory(owner=world.owner, next_follow_up_on=today)
    AccountFactory(owner=world.teammate, next_follow_up_on=today)

    send("tandem.activities.tasks.remind_follow_ups")
    wait_until(lambda: Notification.objects.filter(kind="follow_up_due").count() == 2, worker)
    send("tandem.activities.tasks.remind_follow_ups")
    wait_until(lambda: finished(worker, "tandem.activities.tasks.remind_follow_ups") == 2, worker)

    assert Notification.objects.filter(kind="follow_up_due").count() == 2
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        world.owner.pk,
        world.teammate.pk,
    }


def test_a_worker_reminds_of_a_task_and_an_event_once_each_however_often_the_jobs_come(
    world: World, worker: subprocess.Popen[str]
) -> None:
    """Work management's reminders (issue 15): a task coming due and an event about to start."""
    import datetime

    from tandem.schedule.models import Attendee, Event, EventKind, Response
    from tandem.tasks.models import Task

    now = timezone.now()
    Task.objects.create(
        title="Send the quote",
        assignee=world.owner,
        created_by=world.manager,
        due_at=now + datetime.timedelta(minutes=20),
        remind_minutes_before=30,
    )
    event = Event.objects.create(
        title="Visit the customer",
        kind=EventKind.VISIT,
        organizer=world.owner,
        starts_at=now + datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(minutes=70),
    )
    Attendee.objects.create(event=event, user=world.teammate, response=Response.ACCEPTED)

    for _delivery in range(2):
        send("tandem.tasks.tasks.send_reminders")
        send("tandem.schedule.tasks.remind_events")
    wait_until(lambda: finished(worker, "tandem.tasks.tasks.send_reminders") == 2, worker)
    wait_until(lambda: finished(worker, "tandem.schedule.tasks.remind_events") == 2, worker)

    task_notes = Notification.objects.filter(kind="task.reminder")
    assert list(task_notes.values_list("recipient_id", flat=True)) == [world.owner.pk]
    event_notes = Notification.objects.filter(kind="event.reminder")
    assert sorted(event_notes.values_list("recipient_id", flat=True)) == sorted(
        [world.owner.pk, world.teammate.pk]
    )
