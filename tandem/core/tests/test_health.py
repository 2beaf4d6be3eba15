"""/healthz (liveness) and /readyz (readiness): JSON, no sign-in, by IP over plain HTTP behind HTTPS."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from django.test import Client, override_settings

# What TANDEM_HTTPS=true with ALLOWED_HOSTS=crm.example.com sets (config/settings.py).
BEHIND_HTTPS = {
    "ALLOWED_HOSTS": ["crm.example.com"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_REDIRECT_EXEMPT": [r"^healthz$", r"^readyz$", r"^metrics$"],
}
# A cache and broker nobody listens on (port 1 refuses at once).
NOBODY_THERE = "redis://127.0.0.1:1/0"


def test_liveness_answers_without_touching_the_database() -> None:
    # No `db` fixture: pytest-django fails any query, so this also proves none is made.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_liveness_stays_up_when_the_database_is_down(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", _refused)
        assert Client().get("/healthz").status_code == 200


def test_readiness_reports_each_check(db: None) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["static"]["status"] == "ok"  # the suite serves the source folders
    # No REDIS_URL in the test settings: an in-process cache, no broker to check.
    assert set(body["checks"]) == {"database", "migrations", "static"}


@override_settings(**BEHIND_HTTPS)
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_by_ip_over_plain_http_when_https_is_on(db: None, path: str) -> None:
    response = Client().get(path, HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"


@override_settings(**BEHIND_HTTPS)
def test_other_pages_keep_the_host_check_and_the_https_redirect(db: None) -> None:
    client = Client(raise_request_exception=False)
    assert client.get("/auth/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    response = client.get("/auth/login/", HTTP_HOST="crm.example.com")
    assert response.status_code == 301
    assert response["Location"] == "https://crm.example.com/auth/login/"


def test_probes_refuse_writes(db: None) -> None:
    assert Client().post("/readyz").status_code == 405


def test_readiness_fails_while_a_migration_is_pending(db: None) -> None:
    # The database says core's latest migration never ran: new code on an old schema.
    recorder = MigrationRecorder(connection)
    latest = recorder.migration_qs.filter(app="core").order_by("-name").first()
    assert latest is not None
    latest.delete()
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["migrations"]["status"] == "pending"
    assert f"core.{latest.name}" in body["checks"]["migrations"]["pending"]


def test_readiness_fails_when_the_database_is_down(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", _refused)
        response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {
        "status": "error",
        "error": "OperationalError",
        "ms": checks["database"]["ms"],
    }
    assert checks["migrations"] == {"status": "skipped"}


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOBODY_THERE}},
    CELERY_BROKER_URL=NOBODY_THERE,
)
def test_readiness_fails_when_the_cache_and_broker_are_unreachable(db: None) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["cache"]["status"] == "error"
    assert checks["broker"]["status"] == "error"
    # The kind of failure only: no host or port for an anonymous caller.
    assert "127.0.0.1" not in response.content.decode()


@override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
)
def test_readiness_fails_when_the_static_files_were_not_collected(db: None, tmp_path: Any) -> None:
    with override_settings(STATIC_ROOT=tmp_path):  # a deploy that forgot `tandem collectstatic`
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["static"]["status"] == "error"
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    with override_settings(STATIC_ROOT=tmp_path):
        assert Client().get("/readyz").status_code == 200


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("connection refused")
