"""Jobs (``core.jobs.job``) are retried when the database fails them, and not for bugs."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from tandem.core import jobs

pytestmark = pytest.mark.django_db

ATTEMPTS: list[str] = []


@jobs.job(name="tandem.core.tests.flaky")
def flaky(failures: int) -> int:
    ATTEMPTS.append("try")
    if len(ATTEMPTS) <= failures:
        raise OperationalError("the database went away")
    return len(ATTEMPTS)


@jobs.job(name="tandem.core.tests.buggy")
def buggy() -> None:
    ATTEMPTS.append("try")
    raise ValueError("a bug, not the database")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    ATTEMPTS.clear()
    monkeypatch.setattr(jobs, "IN_PROCESS_DELAYS", (0, 0, 0))


def test_a_job_the_database_failed_is_tried_again_until_it_succeeds() -> None:
    assert flaky.apply(args=(2,)).get() == 3
    assert ATTEMPTS == ["try", "try", "try"]


def test_a_job_gives_up_after_its_retries() -> None:
    with pytest.raises(OperationalError):
        flaky.apply(args=(99,)).get()
    assert len(ATTEMPTS) == 4  # the first run and three in place


def test_a_bug_is_not_retried() -> None:
    with pytest.raises(ValueError, match="a bug"):
        buggy.apply().get()
    assert ATTEMPTS == ["try"]


def test_on_a_worker_the_retry_goes_back_to_the_broker_later(monkeypatch: pytest.MonkeyPatch) -> None:
    from celery.exceptions import Retry

    sent: dict[str, object] = {}

    def retry(**kwargs: object) -> Retry:
        sent.update(kwargs)
        return Retry("later")

    monkeypatch.setattr(flaky, "retry", retry)
    flaky.push_request(is_eager=False, retries=2)
    try:
        with pytest.raises(Retry):
            flaky.run(99)
    finally:
        flaky.pop_request()
    assert isinstance(sent["exc"], OperationalError)
    assert sent["max_retries"] == jobs.MAX_RETRIES
    assert 20 <= int(str(sent["countdown"])) <= 25
