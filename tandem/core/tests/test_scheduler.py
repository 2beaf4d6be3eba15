"""The embedded scheduler runs Celery beat's schedule in-process when there is no Redis: each job
once per period, however many ``tandem serve`` processes share the database."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.schedules import crontab
from django.db import connection
from django.utils import timezone

from config.celery import app
from tandem.core import scheduler
from tandem.core.models import ScheduledRun

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


@app.task(name="tandem.core.tests.tick")
def tick(label: str = "tick") -> str:
    CALLS.append(label)
    return label


@app.task(name="tandem.core.tests.boom")
def boom() -> None:
    raise RuntimeError("scheduled task failure")


@pytest.fixture(autouse=True)
def _clean_calls() -> None:
    CALLS.clear()


@pytest.fixture
def every_minute(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {
        "tick": {"task": "tandem.core.tests.tick", "schedule": timedelta(minutes=1), "args": ("a",)}
    }


NOON = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def test_it_runs_a_due_task_once(every_minute: None) -> None:
    assert scheduler.run_due(now=NOON) == ["tick"]
    assert CALLS == ["a"]
    assert ScheduledRun.objects.get(name="tick").last_run_at == NOON


def test_it_does_not_run_a_task_again_within_its_interval(every_minute: None) -> None:
    scheduler.run_due(now=NOON)
    assert scheduler.run_due(now=NOON + timedelta(seconds=30)) == []
    assert scheduler.run_due(now=NOON + timedelta(seconds=59)) == []
    assert CALLS == ["a"]


def test_it_runs_the_task_again_once_the_interval_has_passed(every_minute: None) -> None:
    scheduler.run_due(now=NOON)
    assert scheduler.run_due(now=NOON + timedelta(minutes=1)) == ["tick"]
    assert CALLS == ["a", "a"]


def test_it_accepts_a_schedule_in_seconds(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {
        "tick": {"task": "tandem.core.tests.tick", "schedule": 300, "kwargs": {"label": "k"}}
    }
    assert scheduler.run_due(now=NOON) == ["tick"]
    assert scheduler.run_due(now=NOON + timedelta(seconds=299)) == []
    assert scheduler.run_due(now=NOON + timedelta(seconds=300)) == ["tick"]
    assert CALLS == ["k", "k"]


def test_it_asks_a_crontab_whether_it_is_due(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {"tick": {"task": "tandem.core.tests.tick", "schedule": crontab()}}
    ScheduledRun.objects.create(name="tick", last_run_at=timezone.now())
    assert scheduler.run_due() == []
    ScheduledRun.objects.filter(name="tick").update(last_run_at=timezone.now() - timedelta(minutes=5))
    assert scheduler.run_due() == ["tick"]


def test_it_logs_a_failing_task_and_carries_on_with_the_others(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CELERY_BEAT_SCHEDULE = {
        "boom": {"task": "tandem.core.tests.boom", "schedule": 60},
        "tick": {"task": "tandem.core.tests.tick", "schedule": 60},
    }
    assert scheduler.run_due(now=NOON) == ["tick"]
    assert "scheduled task boom failed" in caplog.text
    # A failed run still counts as a run: it is retried after its interval, not in a tight loop.
    assert scheduler.run_due(now=NOON + timedelta(seconds=1)) == []


def test_it_runs_nothing_without_a_schedule(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {}
    assert scheduler.run_due() == []


def test_another_process_finds_the_job_already_run_this_period(every_minute: None) -> None:
    """Processes share nothing but the database: what one ran, another does not run again, and a
    restarted process does not run every job at once."""
    assert scheduler.run_due(now=NOON) == ["tick"]
    assert scheduler.run_due(now=NOON + timedelta(seconds=10)) == []
    assert CALLS == ["a"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="processes in parallel need PostgreSQL; SQLite has one writer"
)
def test_several_serve_processes_at_the_same_moment_run_each_job_once(every_minute: None) -> None:
    barrier = threading.Barrier(4)
    ran: list[list[str]] = []
    errors: list[BaseException] = []

    def serve() -> None:  # one `tandem serve` process's scheduler, on its own connection
        try:
            barrier.wait()
            ran.append(scheduler.run_due(now=NOON))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=serve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert CALLS == ["a"]
    assert sorted(ran) == [[], [], [], ["tick"]]


def test_every_scheduled_job_names_a_task_the_embedded_scheduler_can_find() -> None:
    """No worker runs autodiscovery in the embedded default: each app registers its tasks in ready()."""
    from django.conf import settings as django_settings

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert "deal-totals-compact" in schedule
    assert [e["task"] for e in schedule.values() if e["task"] not in app.tasks] == []
