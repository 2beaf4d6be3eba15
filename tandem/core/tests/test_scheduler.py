"""The embedded scheduler runs Celery beat's schedule in-process when there is no Redis."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.schedules import crontab
from django.utils import timezone

from config.celery import app
from tandem.core import scheduler

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
    last_runs: dict[str, datetime] = {}
    assert scheduler.run_due(last_runs, now=NOON) == ["tick"]
    assert CALLS == ["a"]
    assert last_runs == {"tick": NOON}


def test_it_does_not_run_a_task_again_within_its_interval(every_minute: None) -> None:
    last_runs: dict[str, datetime] = {}
    scheduler.run_due(last_runs, now=NOON)
    assert scheduler.run_due(last_runs, now=NOON + timedelta(seconds=30)) == []
    assert scheduler.run_due(last_runs, now=NOON + timedelta(seconds=59)) == []
    assert CALLS == ["a"]


def test_it_runs_the_task_again_once_the_interval_has_passed(every_minute: None) -> None:
    last_runs: dict[str, datetime] = {}
    scheduler.run_due(last_runs, now=NOON)
    assert scheduler.run_due(last_runs, now=NOON + timedelta(minutes=1)) == ["tick"]
    assert CALLS == ["a", "a"]


def test_it_accepts_a_schedule_in_seconds(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {
        "tick": {"task": "tandem.core.tests.tick", "schedule": 300, "kwargs": {"label": "k"}}
    }
    last_runs: dict[str, datetime] = {}
    assert scheduler.run_due(last_runs, now=NOON) == ["tick"]
    assert scheduler.run_due(last_runs, now=NOON + timedelta(seconds=299)) == []
    assert scheduler.run_due(last_runs, now=NOON + timedelta(seconds=300)) == ["tick"]
    assert CALLS == ["k", "k"]


def test_it_asks_a_crontab_whether_it_is_due(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {"tick": {"task": "tandem.core.tests.tick", "schedule": crontab()}}
    last_runs = {"tick": timezone.now()}
    assert scheduler.run_due(last_runs) == []
    last_runs["tick"] = timezone.now() - timedelta(minutes=5)
    assert scheduler.run_due(last_runs) == ["tick"]


def test_it_logs_a_failing_task_and_carries_on_with_the_others(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CELERY_BEAT_SCHEDULE = {
        "boom": {"task": "tandem.core.tests.boom", "schedule": 60},
        "tick": {"task": "tandem.core.tests.tick", "schedule": 60},
    }
    last_runs: dict[str, datetime] = {}
    assert scheduler.run_due(last_runs, now=NOON) == ["tick"]
    assert "scheduled task boom failed" in caplog.text
    # A failed run still counts as a run: it is retried after its interval, not in a tight loop.
    assert scheduler.run_due(last_runs, now=NOON + timedelta(seconds=1)) == []


def test_it_runs_nothing_without_a_schedule(settings: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {}
    assert scheduler.run_due({}) == []


def test_every_scheduled_job_names_a_task_the_embedded_scheduler_can_find() -> None:
    """No worker runs autodiscovery in the embedded default: each app registers its tasks in ready()."""
    from django.conf import settings as django_settings

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert "deal-totals-compact" in schedule
    assert [e["task"] for e in schedule.values() if e["task"] not in app.tasks] == []
