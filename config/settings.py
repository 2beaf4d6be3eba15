"""Tandem settings: one file, driven by environment variables.

Every value a deployment may change comes from the environment. A bad value stops
start-up with a message that names the variable (see ``ImproperlyConfigured`` below).
The embedded default (no variables at all) runs on SQLite under ``./var/``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from tandem.core import logs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TANDEM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true/false, yes/no, on/off or 1/0.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} must be one of: {', '.join(choices)}.")
    return value


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an address or network (e.g. 10.0.0.0/8, 127.0.0.1, ::1)."
            ) from exc
    return networks


def env_fraction(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number from 0 to 1.") from exc
    if not 0.0 <= value <= 1.0:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number from 0 to 1.")
    return value


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
        return key
    # Embedded default: a key generated once and kept beside the database.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("TANDEM_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "tandem.core",
    "tandem.org",
    "tandem.security",
    "tandem.customers",
    "tandem.leads",
    "tandem.deals",
    "tandem.activities",
    "tandem.imports",
    "tandem.search",
    "tandem.assignment",
    "tandem.kpis",
    "tandem.targets",
    "tandem.forecasts",
    "tandem.analytics",
    "tandem.insights",
    "tandem.recordteams",
    "tandem.handoffs",
    "tandem.discussions",
    "tandem.approvals",
    "tandem.notifications",
    "tandem.tasks",
    "tandem.schedule",
    "tandem.projects",
    "tandem.meetings",
    "tandem.visits",
    "tandem.reports",
]

MIDDLEWARE = [
    # Outermost: the request id, one access line per request, request metrics (core.logs, core.metrics).
    "tandem.core.middleware.RequestLogMiddleware",
    # /healthz, /readyz and /metrics, answered before the HTTPS redirect and the ALLOWED_HOSTS check.
    "tandem.core.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.core.auth_middleware.WebLoginRequiredMiddleware",
    "tandem.core.middleware.PersonPreferencesMiddleware",
    # A NUL character in parameters, form fields or a JSON body: 400, never a database error.
    "tandem.core.middleware.NulCharacterMiddleware",
    # A person's own writes show at once on figures kept a few minutes (core.changes).
    "tandem.core.changes.OwnChangesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A write refused by a unique constraint another request met first: 409, never a 500.
    "tandem.core.middleware.SimultaneousWriteMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.core.context_processors.shell",
            ],
        },
    }
]

# Django's form renderer with <select> written in Python (tandem/core/forms_renderer.py).
FORM_RENDERER = "tandem.core.forms_renderer.Renderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}"
try:
    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
except Exception as exc:  # dj_database_url raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r} is not a database URL: {exc}") from exc
if _db["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        "DATABASE_URL must point at SQLite (sqlite:///path) or PostgreSQL (postgres://...)."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["TEST"] = {"NAME": None}
else:
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (``Index(include=...)``) are PostgreSQL's way to answer a dashboard from the
# index alone; SQLite builds the same index without the included columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis the embedded default runs tasks in-process; scheduled jobs run from the
# embedded scheduler started by `tandem serve` (see docs/operations.md).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
# A task is acknowledged after it has run, and handed to another worker when the one running it
# dies; tasks are idempotent (an import is claimed once per run, imports/runs.py). Each worker
# process takes one task at a time, so a long import does not hold others back in its prefetch.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Imports have a queue of their own: a plain `celery worker` serves both queues; `-Q imports` and
# `-Q celery` split them between workers (docs/operations.md).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES: dict[str, dict[str, Any]] = {"celery": {}, "imports": {}}
CELERY_TASK_ROUTES = {"tandem.imports.tasks.run_import": {"queue": "imports"}}
# Starting an import with Redis away answers within a couple of seconds, not after a long wait.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# A running import whose heartbeat has not moved for this long is interrupted (the sweep below).
TANDEM_IMPORT_STALE_MINUTES = env_int("TANDEM_IMPORT_STALE_MINUTES", 10)
if TANDEM_IMPORT_STALE_MINUTES < 1:
    raise ImproperlyConfigured("TANDEM_IMPORT_STALE_MINUTES must be at least 1.")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Public pools: return customers by rule and remind owners (daily; idempotent per day).
    "pool-reclaim": {"task": "tandem.customers.tasks.reclaim_pools", "schedule": 3600.0},
    # Follow-ups due today: one in-app reminder per record and day.
    "follow-up-reminders": {"task": "tandem.activities.tasks.remind_follow_ups", "schedule": 3600.0},
    # Board totals: fold the deltas the deal triggers append (exact either way; keeps reads small).
    "deal-totals-compact": {"task": "tandem.deals.tasks.compact_stage_totals", "schedule": 300.0},
    "kpi-totals-compact": {"task": "tandem.kpis.tasks.compact_month_totals", "schedule": 300.0},
    # Forecast snapshots for the movement chart: weekly (idempotent per day; decision 0021).
    "forecast-snapshots": {"task": "tandem.forecasts.tasks.take_snapshots", "schedule": 604800.0},
    # Background exports: delete those older than TANDEM_EXPORT_KEEP_DAYS, fail those stuck.
    "exports-expire": {"task": "tandem.imports.tasks.delete_expired_exports", "schedule": 3600.0},
    # Imports whose process stopped mid-way: marked interrupted, to be retried (imports/runs.py).
    "import-sweep": {"task": "tandem.imports.tasks.sweep_stale_imports", "schedule": 60.0},
    # Insights: each stage's median stay (six-hourly) and the managers' digests (hourly, once a day each).
    "insights-stage-medians": {"task": "tandem.insights.tasks.refresh_stage_medians", "schedule": 21600.0},
    "insights-digest": {"task": "tandem.insights.tasks.send_digests", "schedule": 3600.0},
    # Handoffs past their acceptance deadline: escalated once each (handoffs/services.py).
    "handoffs-escalate": {"task": "tandem.handoffs.tasks.escalate_overdue", "schedule": 600.0},
    # Approvals waiting past their flow's reminder hours: once per request, step and period.
    "approval-reminders": {"task": "tandem.approvals.tasks.remind_approvers", "schedule": 900.0},
    # Notifications: webhook and team-robot deliveries due (new and retries), and daily digests.
    "webhook-deliveries": {"task": "tandem.notifications.tasks.sweep_deliveries", "schedule": 60.0},
    "notification-digest": {"task": "tandem.notifications.tasks.send_digests", "schedule": 3600.0},
    # Tasks: due reminders, each claimed once by a conditional UPDATE (tasks/services.py), and the
    # next occurrence of recurring tasks whose due time passed undone (once per series and date).
    "task-reminders": {"task": "tandem.tasks.tasks.send_reminders", "schedule": 60.0},
    "task-recurrences": {"task": "tandem.tasks.tasks.advance_recurrences", "schedule": 600.0},
    # Record teams: memberships past their end date leave the team (access already ended).
    "record-teams-expire": {"task": "tandem.recordteams.tasks.remove_expired_members", "schedule": 86400.0},
    # Calendar: reminders 15 minutes before an occurrence, once per occurrence and person.
    "event-reminders": {"task": "tandem.schedule.tasks.remind_events", "schedule": 60.0},
    # Team meetings: keep the next 4 meetings of every active series (idempotent per series and slot).
    "meetings-plan-series": {"task": "tandem.meetings.tasks.plan_series", "schedule": 86400.0},
    # Field visits left open past the person's midnight (or 12 h): closed once, follow-up written.
    "checkins-close-forgotten": {"task": "tandem.visits.tasks.close_forgotten_checkins", "schedule": 900.0},
    # Work reports: reminders before the due time and missing-report notices to managers (once each).
    "report-reminders": {"task": "tandem.reports.tasks.send_report_reminders", "schedule": 300.0},
}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "auth:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "auth:login"

# django-axes: lock out after repeated failures per user and, separately, per address.
AXES_FAILURE_LIMIT = env_int("TANDEM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("TANDEM_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tandem.security.lockout.lockout_response"
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy's address: say how many trusted proxies
# append to X-Forwarded-For so lockout counts the real client (a client cannot forge the last hops).
TANDEM_PROXY_COUNT = env_int("TANDEM_PROXY_COUNT", 0)
if TANDEM_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TANDEM_PROXY_COUNT must be 0 (no proxy) or the number of trusted proxies.")
AXES_CLIENT_IP_CALLABLE = "tandem.security.lockout.client_ip"
AXES_ENABLED = env_bool("TANDEM_LOCKOUT_ENABLED", True)

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("TANDEM_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("TANDEM_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Load balancers and Prometheus probe over plain HTTP (ProbeMiddleware answers them first anyway).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Bootstrap, ECharts and FullCalendar set element styles at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# Each app keeps its own catalogue in <app>/locale (docs/decisions/0003-one-catalogue-per-app.md).
LOCALE_PATHS: list[Path] = []
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TANDEM_TIME_ZONE", "Asia/Shanghai")
if TIME_ZONE not in available_timezones():
    raise ImproperlyConfigured(
        f"TANDEM_TIME_ZONE={TIME_ZONE!r} is not a known time zone (e.g. Asia/Shanghai)."
    )
FORMAT_MODULE_PATH = ["tandem.core.formats"]
DEFAULT_CURRENCY = os.environ.get("TANDEM_DEFAULT_CURRENCY", "CNY").upper()
CURRENCIES = ["CNY", "USD", "EUR", "HKD", "JPY", "GBP", "SGD"]
if DEFAULT_CURRENCY not in CURRENCIES:
    raise ImproperlyConfigured(
        f"TANDEM_DEFAULT_CURRENCY={DEFAULT_CURRENCY!r} must be one of {', '.join(CURRENCIES)}."
    )

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# `tandem collectstatic` writes each file under a name holding a hash of its content (tandem.3f2a…css),
# compressed beside it (gzip), and a manifest the {% static %} tag reads. WhiteNoise then
# serves them compressed with a ten-year immutable cache: a changed file gets a new name. collectstatic
# fails on a url() in a CSS file that points at nothing. With DEBUG the source folders are served as
# they are (no collectstatic needed); the test suite does the same (config/settings_test.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
# Only the hashed names are kept (each referenced through the manifest), and source maps are not
# compressed (browsers fetch them only with the developer tools open): half the files to compress.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
MEDIA_ROOT = VAR_DIR / "media"
# Field visit photos (tandem.visits): JPEG, PNG, WebP or HEIC by content, at most this many MB.
TANDEM_CHECKIN_PHOTO_MAX_MB = env_int("TANDEM_CHECKIN_PHOTO_MAX_MB", 8)
if TANDEM_CHECKIN_PHOTO_MAX_MB < 1:
    raise ImproperlyConfigured("TANDEM_CHECKIN_PHOTO_MAX_MB must be at least 1.")

# --- Imports and exports --------------------------------------------------------------------
# An upload is measured before it is read: more rows, or a workbook that unpacks to more, is refused.
TANDEM_IMPORT_MAX_ROWS = env_int("TANDEM_IMPORT_MAX_ROWS", 1_000_000)
TANDEM_IMPORT_MAX_UNPACKED_MB = env_int("TANDEM_IMPORT_MAX_UNPACKED_MB", 1024)
if TANDEM_IMPORT_MAX_ROWS < 1 or TANDEM_IMPORT_MAX_UNPACKED_MB < 1:
    raise ImproperlyConfigured("TANDEM_IMPORT_MAX_ROWS and TANDEM_IMPORT_MAX_UNPACKED_MB must be at least 1.")
# An export of more rows runs in the background (a job with a download link), kept this many days.
TANDEM_EXPORT_BACKGROUND_ROWS = env_int("TANDEM_EXPORT_BACKGROUND_ROWS", 10_000)
TANDEM_EXPORT_KEEP_DAYS = env_int("TANDEM_EXPORT_KEEP_DAYS", 7)
if TANDEM_EXPORT_BACKGROUND_ROWS < 0 or TANDEM_EXPORT_KEEP_DAYS < 1:
    raise ImproperlyConfigured(
        "TANDEM_EXPORT_BACKGROUND_ROWS must be 0 or more and TANDEM_EXPORT_KEEP_DAYS at least 1."
    )

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
# Links in emails and webhook bodies are absolute: where people reach this Tandem.
TANDEM_BASE_URL = os.environ.get("TANDEM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if not TANDEM_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "TANDEM_BASE_URL must start with http:// or https:// (e.g. https://crm.example.com)."
    )
# Workload (tandem/schedule): a person's weekly capacity unless a manager sets their own.
TANDEM_WORK_HOURS_PER_WEEK = env_int("TANDEM_WORK_HOURS_PER_WEEK", 40)
TANDEM_VISITS_PER_WEEK = env_int("TANDEM_VISITS_PER_WEEK", 10)
# Webhooks and team robots may post to private, loopback and link-local addresses (off: SSRF guard).
TANDEM_WEBHOOKS_ALLOW_PRIVATE = env_bool("TANDEM_WEBHOOKS_ALLOW_PRIVATE", False)
# How long the author of a comment may still edit it (tandem/discussions).
TANDEM_COMMENT_EDIT_MINUTES = env_int("TANDEM_COMMENT_EDIT_MINUTES", 15)
# The home page's dashboard figures are kept this long per person, and say when they were
# computed; the person's own changes and "Refresh" compute them afresh (decision 0045). 0: never kept.
TANDEM_DASHBOARD_SECONDS = env_int("TANDEM_DASHBOARD_SECONDS", 300)
if TANDEM_COMMENT_EDIT_MINUTES < 0:
    raise ImproperlyConfigured("TANDEM_COMMENT_EDIT_MINUTES must be 0 or more.")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tandem.security.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tandem.core.rest.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "tandem.core.rest.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tandem.core.rest.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Collaborative sales management: organisation, customers, deals and the team around them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("kind", "status", "resource") get names of their own,
    # not a hash suffix (KindE2eEnum): what a client generator would otherwise call them.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "tandem.activities.models.ActivityKind",
        "TransferKindEnum": "tandem.org.models.PersonTransfer.Kind",
        "PoolEventKindEnum": "tandem.customers.models.PoolEvent.Kind",
        # A stage's kind and a deal's status are the same set (a deal's status is its stage's kind).
        "OpenWonLostEnum": "tandem.deals.models.DealStatus",
        "LeadStatusEnum": "tandem.leads.models.LeadStatus",
        "ImportStatusEnum": "tandem.imports.models.ImportStatus",
        "ImportRowStatusEnum": "tandem.imports.models.RowStatus",
        "ImportResourceEnum": "tandem.imports.models.ImportResource",
        "AssignmentResourceEnum": "tandem.assignment.models.Resource",
        "SourceEnum": "tandem.customers.models.Source",  # where a customer or deal came from
        "KpiSourceEnum": "tandem.kpis.models.Source",  # what a KPI counts
        "KpiMeasureEnum": "tandem.kpis.models.Measure",
        "KpiUnitEnum": "tandem.kpis.models.Unit",
        "ApprovalStatusEnum": "tandem.approvals.models.ApprovalStatus",
        "ApprovalActionKindEnum": "tandem.approvals.models.ActionKind",
        "ApprovalStepModeEnum": "tandem.approvals.models.StepMode",
        "ApproverKindEnum": "tandem.approvals.models.ApproverKind",
        "ModeEnum": "tandem.imports.models.ImportMode",  # beside the approval steps' mode
        "HandoffRecordKindEnum": "tandem.handoffs.models.RecordKind",
        "TaskStatusEnum": "tandem.tasks.models.TaskStatus",
        "TaskPriorityEnum": "tandem.tasks.models.TaskPriority",
        "ProjectStatusEnum": "tandem.projects.models.ProjectStatus",
        "CalendarEventKindEnum": "tandem.schedule.models.EventKind",
        "CalendarEventStatusEnum": "tandem.schedule.models.EventStatus",
        "CalendarResponseEnum": "tandem.schedule.models.Response",
        "MeetingStatusEnum": "tandem.meetings.models.MeetingStatus",
        "ReportKindEnum": "tandem.reports.models.ReportKind",  # daily, weekly, monthly
        "ReportSectionKindEnum": "tandem.reports.models.SectionKind",
        "ReportMissingStateEnum": "tandem.reports.models.MissingState",
    },
}

# --- Logs, metrics, error reporting ---------------------------------------------------------
# One line per event on standard error, times in UTC, with the request id (core.logs).
LOG_LEVEL = env_choice("TANDEM_LOG_LEVEL", "INFO", logs.LEVELS, upper=True)
LOG_FORMAT = env_choice("TANDEM_LOG_FORMAT", "text", logs.FORMATS)
LOGGING = logs.logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)

# /metrics (Prometheus) answers a bearer token or an address in the allow-list; off when neither is set.
TANDEM_METRICS_TOKEN = os.environ.get("TANDEM_METRICS_TOKEN", "")
if TANDEM_METRICS_TOKEN and (
    len(TANDEM_METRICS_TOKEN) < 16 or any(c.isspace() for c in TANDEM_METRICS_TOKEN)
):
    raise ImproperlyConfigured("TANDEM_METRICS_TOKEN must be at least 16 characters, without spaces.")
TANDEM_METRICS_ALLOW = env_networks("TANDEM_METRICS_ALLOW")

# Sentry: errors of web requests and Celery tasks, without personal data (core.logs.sentry_init).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_TRACES_SAMPLE_RATE = env_fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if SENTRY_DSN:
    logs.sentry_init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE", ""),
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
