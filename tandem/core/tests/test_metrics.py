"""/metrics (Prometheus): what is measured, and who may read it."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import fakeredis
import pytest
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from config.celery import app
from tandem.conftest import World
from tandem.core import metrics

TOKEN = "s3cret-metrics-token-0123456789"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: Client | None = None, **headers: Any) -> Any:
    return (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)


@override_settings(TANDEM_METRICS_TOKEN="", TANDEM_METRICS_ALLOW=[])
def test_metrics_are_not_there_unless_configured(db: None) -> None:
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@override_settings(TANDEM_METRICS_TOKEN=TOKEN, TANDEM_METRICS_ALLOW=[])
def test_metrics_need_the_token(db: None) -> None:
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token-0123456789").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 403
    response = scrape()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"tandem_http_request_duration_seconds" in response.content


@override_settings(
    TANDEM_METRICS_TOKEN="", TANDEM_METRICS_ALLOW=[ipaddress.ip_network("10.0.0.0/8")], TANDEM_PROXY_COUNT=1
)
def test_metrics_answer_an_allowed_address_only(db: None) -> None:
    # Prometheus scraping the web process directly, from an allowed network.
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.168.1.9").get("/metrics").status_code == 403
    # Through the proxy (10.0.0.2) a public client is still a public client.
    proxied = Client(REMOTE_ADDR="10.0.0.2").get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 403


@override_settings(
    TANDEM_METRICS_TOKEN=TOKEN,
    TANDEM_METRICS_ALLOW=[],
    ALLOWED_HOSTS=["crm.example.com"],
    SECURE_SSL_REDIRECT=True,
)
def test_metrics_are_scraped_by_address_over_plain_http(db: None) -> None:
    assert scrape(HTTP_HOST="10.0.0.7:8000").status_code == 200


@override_settings(TANDEM_METRICS_TOKEN=TOKEN, TANDEM_METRICS_ALLOW=[])
def test_requests_are_measured_by_route_and_their_database_time(world: World) -> None:
    labels = {"route": "core:notifications", "method": "GET"}
    before = sample("tandem_http_request_duration_seconds_count", **labels)
    queries_before = sample("tandem_db_query_duration_seconds_count", alias="default")
    client = Client()
    client.force_login(world.owner, backend=BACKEND)
    assert client.get("/notifications/").status_code == 200
    assert sample("tandem_http_request_duration_seconds_count", **labels) == before + 1
    assert sample("tandem_http_responses_total", status="200", **labels) >= 1
    assert sample("tandem_db_query_duration_seconds_count", alias="default") > queries_before
    body = scrape().content.decode()
    assert (
        'tandem_http_request_duration_seconds_bucket{le="0.005",method="GET",route="core:notifications"}'
        in body
    )
    assert "/notifications/" not in body  # routes, never raw paths


@app.task(name="tandem.core.tests.test_metrics.succeed")
def succeed() -> int:
    return 1


@app.task(name="tandem.core.tests.test_metrics.fail")
def fail() -> None:
    raise RuntimeError("the task failed")


def test_celery_task_outcomes_and_durations_are_counted(db: None) -> None:
    ok = {"task": "tandem.core.tests.test_metrics.succeed"}
    bad = {"task": "tandem.core.tests.test_metrics.fail"}
    before = (
        sample("tandem_celery_tasks_total", outcome="success", **ok),
        sample("tandem_celery_tasks_total", outcome="failure", **bad),
        sample("tandem_celery_task_duration_seconds_count", **ok),
    )
    succeed.delay()  # eager without Redis: the same signals as on a worker
    with pytest.raises(RuntimeError):
        fail.delay()
    assert sample("tandem_celery_tasks_total", outcome="success", **ok) == before[0] + 1
    assert sample("tandem_celery_tasks_total", outcome="failure", **bad) == before[1] + 1
    assert sample("tandem_celery_task_duration_seconds_count", **ok) == before[2] + 1


@override_settings(CELERY_BROKER_URL="redis://broker.internal:6379/0")
def test_the_queue_length_is_read_from_the_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    server = fakeredis.FakeServer()
    redis_client = fakeredis.FakeRedis(server=server)
    # kombu: priority 0 under the queue's name, the others under name + "\x06\x16" + step.
    redis_client.rpush("celery", "a", "b")
    redis_client.rpush("celery\x06\x166", "c")
    redis_client.rpush("imports", "d")
    monkeypatch.setattr("redis.Redis.from_url", lambda *a, **k: fakeredis.FakeRedis(server=server))
    [family] = list(metrics.QueueLengthCollector().collect())
    assert [(s.labels, s.value) for s in family.samples] == [
        ({"queue": "celery"}, 3.0),
        ({"queue": "imports"}, 1.0),
    ]


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_an_unreachable_broker_leaves_the_queue_length_out_not_the_scrape() -> None:
    [family] = list(metrics.QueueLengthCollector().collect())
    assert family.samples == []


def test_import_rows_are_counted_by_stage_and_outcome(world: World, tmp_path: Path) -> None:
    from tandem.imports.tests.helpers import run, write_csv

    def counted(stage: str, outcome: str) -> float:
        return sample("tandem_import_rows_total", resource="account", stage=stage, outcome=outcome)

    before = {
        key: counted(*key) for key in [("dry_run", "failed"), ("import", "created"), ("import", "failed")]
    }
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "email"],
            ["Alpha Ltd", "a@alpha.example"],
            ["Beta Ltd", "b@beta.example"],
            ["", "nameless@example.com"],  # the name is required: this row fails
        ],
    )
    run(world.actor(world.manager), "account", path, commit=False, mode="skip")
    run(world.actor(world.manager), "account", path, mode="skip")
    assert counted("dry_run", "failed") == before[("dry_run", "failed")] + 1
    assert counted("import", "created") == before[("import", "created")] + 2
    assert counted("import", "failed") == before[("import", "failed")] + 1
