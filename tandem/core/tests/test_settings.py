"""A bad environment value stops start-up with a message that names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BOOT = (
    "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
    "django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG, settings.TIME_ZONE)"
)
# Variables the settings read; cleared so the developer's own environment cannot leak in.
SETTINGS_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "TANDEM_TIME_ZONE",
    "TANDEM_DEFAULT_CURRENCY",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "TANDEM_HTTPS",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "TANDEM_LOG_FORMAT",
    "TANDEM_LOG_LEVEL",
    "TANDEM_METRICS_TOKEN",
    "TANDEM_METRICS_ALLOW",
    "SENTRY_DSN",
    "SENTRY_TRACES_SAMPLE_RATE",
]


def boot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environ["TANDEM_VAR_DIR"] = str(tmp_path)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", BOOT], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def test_it_starts_with_no_variables_at_all(tmp_path: Path) -> None:
    result = boot(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DEBUG False Asia/Shanghai" in result.stdout
    assert (tmp_path / "secret_key").exists()  # generated once, kept beside the database


def test_it_starts_with_good_values(tmp_path: Path) -> None:
    result = boot(
        tmp_path,
        DEBUG="yes",
        SECRET_KEY="k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TANDEM_TIME_ZONE="Europe/London",
        TANDEM_DEFAULT_CURRENCY="usd",
        EMAIL_PORT="587",
        TANDEM_LOG_FORMAT="JSON",
        TANDEM_LOG_LEVEL="warning",
        TANDEM_METRICS_TOKEN="m" * 24,
        TANDEM_METRICS_ALLOW="10.0.0.0/8, 127.0.0.1, ::1",
        SENTRY_DSN="https://public@sentry.example.com/1",
        SENTRY_TRACES_SAMPLE_RATE="0.05",
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG True Europe/London" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("DEBUG", "maybe", "boolean"),
        ("DATABASE_URL", "mysql://x", "SQLite"),
        ("DATABASE_URL", "nonsense", "database URL"),
        ("TANDEM_TIME_ZONE", "Mars/Olympus", "time zone"),
        ("SECRET_KEY", "short", "32 characters"),
        ("REDIS_URL", "http://cache", "redis://"),
        ("TANDEM_DEFAULT_CURRENCY", "XYZ", "CNY"),
        ("EMAIL_PORT", "twenty-five", "whole number"),
        ("TANDEM_HTTPS", "sometimes", "boolean"),
        ("TANDEM_LOG_FORMAT", "xml", "text, json"),
        ("TANDEM_LOG_LEVEL", "LOUD", "DEBUG, INFO"),
        ("TANDEM_METRICS_TOKEN", "short", "16 characters"),
        ("TANDEM_METRICS_ALLOW", "10.0.0.0/8,10.0.0.0/33", "10.0.0.0/33"),
        ("SENTRY_DSN", "nonsense", "Sentry DSN"),
        ("SENTRY_TRACES_SAMPLE_RATE", "2", "from 0 to 1"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(
    tmp_path: Path, variable: str, value: str, hint: str
) -> None:
    result = boot(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert variable in last_line, last_line
    assert hint in last_line, last_line
