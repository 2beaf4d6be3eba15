"""Sentry: a failing request or task is reported with its reference, and without personal data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from config.celery import app
from tandem.conftest import World
from tandem.core import logs

BACKEND = "django.contrib.auth.backends.ModelBackend"


class Captured(Transport):
    """Keeps the events instead of sending them."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry() -> Iterator[Captured]:
    transport = Captured()
    logs.sentry_init(
        dsn="https://public@sentry.example.com/1",
        environment="staging",
        release="tandem@test",
        traces_sample_rate=0.0,
        transport=transport,
    )
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_a_failing_request_is_reported_with_its_reference_and_no_personal_data(
    world: World, sentry: Captured
) -> None:
    client = Client(raise_request_exception=False, HTTP_USER_AGENT="Mozilla/5.0")
    client.force_login(world.owner, backend=BACKEND)
    response = client.post("/explode/", {"phone": "13800138000"}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 500
    assert len(sentry.events) == 1, [e.get("logger") for e in sentry.events]
    [event] = sentry.events
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    assert event["environment"] == "staging"
    assert event["release"] == "tandem@test"
    assert event["exception"]["values"][-1]["value"] == "forced failure for the 500 page test"
    text = repr(event)
    assert "13800138000" not in text  # no request body
    assert "198.51.100.7" not in text  # no client address
    assert "sessionid" not in text  # no cookies
    assert world.owner.email not in text and world.owner.username not in event.get("user", {}).values()


@app.task(name="tandem.core.tests.test_sentry.broken")
def broken() -> None:
    raise RuntimeError("the task broke")


def test_a_failing_task_is_reported_with_the_request_that_sent_it(db: None, sentry: Captured) -> None:
    logs.start_request("feed0123")
    try:
        with pytest.raises(RuntimeError):
            broken.delay()  # in-process here; the Celery integration reports it on a worker too
    finally:
        logs.end_request()
    assert sentry.events
    event = sentry.events[-1]
    assert event["tags"]["request_id"] == "feed0123"
    assert event["tags"]["task"] == "tandem.core.tests.test_sentry.broken"
