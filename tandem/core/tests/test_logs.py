"""Logs: one line per event, UTC, with request id, person, route, status and duration."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.test import Client, override_settings

from config.celery import app
from tandem.conftest import World
from tandem.core import logs

BACKEND = "django.contrib.auth.backends.ModelBackend"


class Lines(logging.Handler):
    """The lines Tandem's formatter writes, as the process would print them."""

    def __init__(self, fmt: str) -> None:
        super().__init__(level=logging.DEBUG)
        options = logs.formatter(fmt)
        factory = options.pop("()")
        self.setFormatter(factory(**options))
        self.lines: list[str] = []
        self._lock_lines = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_lines:
            self.lines.append(self.format(record))

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    yield from _attached("json")


@pytest.fixture
def text_lines() -> Iterator[Lines]:
    yield from _attached("text")


def _attached(fmt: str) -> Iterator[Lines]:
    handler = Lines(fmt)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def access(lines: Lines) -> list[dict[str, Any]]:
    return [line for line in lines.json() if line["logger"] == "tandem.access"]


def test_a_request_writes_one_access_line_with_everything_an_operator_needs(
    world: World, json_lines: Lines
) -> None:
    client = Client()
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/notifications/")
    assert response.status_code == 200
    [line] = access(json_lines)
    assert list(line)[:4] == ["time", "level", "logger", "event"]
    assert datetime.fromisoformat(line["time"]).utcoffset() == UTC.utcoffset(None)
    assert line["time"].endswith("Z")
    assert line["level"] == "info"
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["user_id"] == world.owner.pk
    assert line["route"] == "core:notifications"  # the pattern's name, not /notifications/
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["db_queries"] >= 1
    assert line["client"] == "127.0.0.1"


def test_every_line_of_a_request_carries_its_id_and_person(
    world: World, json_lines: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tandem.core import views

    original = views.render

    def render(*args: Any, **kwargs: Any) -> Any:
        logging.getLogger("tandem.test").info("inside the view")  # as any of Tandem's code logs
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "render", render)
    client = Client()
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/notifications/")
    [inside] = [line for line in json_lines.json() if line["event"] == "inside the view"]
    assert inside["request_id"] == response["X-Request-ID"]
    assert inside["user_id"] == world.owner.pk
    assert inside["route"] == "core:notifications"


def test_an_api_request_logs_the_token_holder_and_the_route(world: World, json_lines: Lines) -> None:
    from tandem.security.services import token_create

    _token, key = token_create(actor=world.actor(world.owner), name="logs")
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    [line] = access(json_lines)
    assert line["user_id"] == world.owner.pk
    assert line["route"] == "api:me"


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_a_streamed_response_is_logged_when_its_last_byte_is_sent(world: World, json_lines: Lines) -> None:
    client = Client()
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/stream/")
    assert access(json_lines) == []  # nothing sent yet
    assert b"".join(response.streaming_content) == b"row 0\nrow 1\nrow 2\n"
    [line] = access(json_lines)
    assert (line["route"], line["status"], line["streamed"], line["completed"]) == ("stream", 200, True, True)
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_a_stream_cut_short_is_logged_as_incomplete(world: World, json_lines: Lines) -> None:
    client = Client()
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/stream/")
    next(iter(response.streaming_content))
    response.close()  # what the server does when the client goes away
    [line] = access(json_lines)
    assert (line["status"], line["completed"]) == (200, False)


def test_the_text_format_is_one_key_value_line_even_with_a_traceback(text_lines: Lines) -> None:
    logger = logging.getLogger("tandem.test")
    try:
        raise ValueError("two\nlines")
    except ValueError:
        logger.exception("it failed for %s", "某人", extra={"rows": 3})
    [line] = text_lines.lines
    assert "\n" not in line
    assert line.startswith("time=")
    assert "level=error logger=tandem.test" in line
    assert 'event="it failed for 某人"' in line
    assert "rows=3" in line
    assert "ValueError: two\\nlines" in line


@override_settings(TANDEM_PROXY_COUNT=1)
def test_a_trusted_proxy_gives_the_request_id_and_the_client_address(db: None, json_lines: Lines) -> None:
    response = Client().get(
        "/auth/login/", HTTP_X_REQUEST_ID="edge-7f3a9c", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response["X-Request-ID"] == "edge-7f3a9c"
    [line] = access(json_lines)
    assert line["request_id"] == "edge-7f3a9c"
    assert line["client"] == "203.0.113.9"
    assert line["route"] == "auth:login"


@override_settings(TANDEM_PROXY_COUNT=1)
def test_a_malformed_request_id_is_replaced_even_from_a_proxy(db: None) -> None:
    response = Client().get("/auth/login/", HTTP_X_REQUEST_ID="spaces and\nnewlines")
    assert response["X-Request-ID"] != "spaces and\nnewlines"
    assert len(response["X-Request-ID"]) == 32


def test_without_a_trusted_proxy_the_client_cannot_choose_its_id_or_address(
    db: None, json_lines: Lines
) -> None:
    response = Client().get(
        "/auth/login/", HTTP_X_REQUEST_ID="chosen-by-client", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response["X-Request-ID"] != "chosen-by-client"
    [line] = access(json_lines)
    assert line["client"] == "127.0.0.1"


def test_health_probes_log_below_info(db: None, json_lines: Lines) -> None:
    Client().get("/healthz")
    [line] = access(json_lines)
    assert line["level"] == "debug"
    assert line["route"] == "healthz"


def test_static_files_are_logged_below_info_under_one_route(db: None, json_lines: Lines) -> None:
    assert Client().get("/static/css/tandem.css").status_code == 200
    [line] = access(json_lines)
    assert (line["route"], line["level"]) == ("static", "debug")


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_the_500_page_shows_the_reference_that_is_in_the_log(world: World, json_lines: Lines) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/explode/")
    assert response.status_code == 500
    reference = response["X-Request-ID"]
    assert reference in response.content.decode()
    error = next(line for line in json_lines.json() if line["logger"] == "django.request")
    assert error["request_id"] == reference
    assert error["user_id"] == world.owner.pk
    assert "forced failure" in error["exception"]
    [line] = access(json_lines)
    assert (line["request_id"], line["status"], line["level"]) == (reference, 500, "error")


@pytest.mark.urls("tandem.core.tests.urls_500")
@pytest.mark.parametrize("path", ["/api/v1/explode/", "/api/v1/unavailable/"])
def test_a_json_error_carries_the_reference_that_is_in_the_log(
    world: World, json_lines: Lines, path: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.owner, backend=BACKEND)
    response = client.get(path)
    assert response.status_code >= 500
    assert response.json()["reference"] == response["X-Request-ID"]
    [line] = access(json_lines)
    assert line["request_id"] == response["X-Request-ID"]


# --- Celery -----------------------------------------------------------------------------------

_task_done = threading.Event()


@shared_task(name="tandem.core.tests.test_logs.log_from_a_task")
def log_from_a_task() -> None:
    logging.getLogger("tandem.test").info("inside the task")
    _task_done.set()


@pytest.fixture
def celery_worker() -> Iterator[None]:
    """A real worker in a thread, on an in-memory broker (tasks no longer run in-process)."""
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(**saved)


def test_a_task_a_request_sent_logs_with_that_request_id(celery_worker: None, json_lines: Lines) -> None:
    """The id travels in the message's headers to another thread (as to another machine)."""
    # Starting a worker applies Tandem's logging configuration (config.celery): listen again.
    logging.getLogger().addHandler(json_lines)
    _task_done.clear()
    logs.start_request("a1b2c3d4e5f6")  # what RequestLogMiddleware does for a request
    try:
        log_from_a_task.delay()
    finally:
        logs.end_request()
    assert _task_done.wait(timeout=30)
    [line] = [line for line in json_lines.json() if line["event"] == "inside the task"]
    assert line["request_id"] == "a1b2c3d4e5f6"
    assert line["task"] == "tandem.core.tests.test_logs.log_from_a_task"
    assert line["task_id"]


def test_a_task_run_in_process_keeps_the_request_context_after_it(db: None, json_lines: Lines) -> None:
    logs.start_request("cafe0001")
    try:
        log_from_a_task.delay()  # eager without Redis: runs here, inside the request
        logging.getLogger("tandem.test").info("after the task")
    finally:
        logs.end_request()
    lines = {line["event"]: line for line in json_lines.json()}
    assert lines["inside the task"]["request_id"] == "cafe0001"
    assert lines["inside the task"]["task"].endswith("log_from_a_task")
    assert lines["after the task"]["request_id"] == "cafe0001"
    assert "task" not in lines["after the task"]


def test_the_celery_worker_logs_through_tandems_formatter() -> None:
    from celery import signals
    from structlog.stdlib import ProcessorFormatter

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        signals.setup_logging.send(sender=None, loglevel="INFO", logfile=None, format="", colorize=False)
        formatters = [type(h.formatter) for h in root.handlers if h not in before and h.formatter]
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
        for handler in before:
            if handler not in root.handlers:
                root.addHandler(handler)
    assert ProcessorFormatter in formatters
