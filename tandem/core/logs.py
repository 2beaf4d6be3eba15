"""Logs: one line per event, in UTC, with the request or task it belongs to.

Every process (gunicorn, ``tandem serve``, Celery worker and beat, management commands) logs
through the standard library's ``logging`` to standard error, formatted by one formatter
(structlog's ``ProcessorFormatter``): a ``key=value`` line by default, one JSON object per line
with ``TANDEM_LOG_FORMAT=json``. Each line has ``time`` (UTC, ISO 8601), ``level``, ``logger``
and ``event``, plus the context bound for the current request or task: ``request_id``,
``user_id``, ``route`` (web) or ``task``, ``task_id`` (Celery). Django itself writes one access
line per request (logger ``tandem.access``, see ``core.middleware.RequestLogMiddleware``).

The context lives in context variables (structlog.contextvars), so a thread serving one request
never sees another's. This module imports nothing from Django at import time: the settings and
gunicorn's configuration import it before Django is set up.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars, reset_contextvars

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# An X-Request-ID a trusted proxy may hand over: nginx's $request_id (32 hex digits), a UUID, an
# AWS trace id... Anything else (or any value when no proxy is trusted) is replaced by our own.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}$")
# Which keys a line starts with, in this order; the rest follow as given.
KEY_ORDER = ["time", "level", "logger", "event", "request_id", "user_id"]
# Header carrying the request id into the Celery tasks a request sends.
TASK_HEADER = "tandem_request_id"


def new_request_id() -> str:
    return uuid.uuid4().hex


def usable_request_id(value: str | None) -> str | None:
    """``value`` if it is a well-formed request id (short, no spaces or control characters)."""
    if value and _REQUEST_ID.match(value):
        return value
    return None


def current_request_id() -> str | None:
    """The request id of the request (or the task it started) this thread is serving."""
    value = get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


def bind(**values: Any) -> None:
    """Add ``values`` to every line logged from here until the context is cleared."""
    bind_contextvars(**values)


def start_request(request_id: str) -> None:
    """A new request: forget whatever the previous one on this thread left, bind its id."""
    clear_contextvars()
    bind_contextvars(request_id=request_id)


def end_request() -> None:
    clear_contextvars()


def bind_task(*, request_id: str | None, task: str, task_id: str | None) -> dict[str, Any]:
    """Bind a Celery task's context; returns what ``unbind_task`` needs to restore the previous one.

    A task run in-process (no Redis) runs inside the request that sent it: its lines keep the
    request's context, and the request's is restored afterwards.
    """
    values: dict[str, Any] = {"task": task, "task_id": task_id}
    if request_id:
        values["request_id"] = request_id
    return dict(bind_contextvars(**values))


def unbind_task(tokens: dict[str, Any]) -> None:
    reset_contextvars(**tokens)


# --- Formatting -------------------------------------------------------------------------------


def _utc_time(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """``time``: when the record was made, in UTC, ISO 8601 with milliseconds and a ``Z``."""
    record = event_dict.get("_record")
    created = record.created if record is not None else datetime.now(UTC).timestamp()
    stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    event_dict["time"] = stamp.replace("+00:00", "Z")
    return event_dict


def _drop_objects(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Extras some loggers attach that are objects, not facts: Django's ``request`` (whose repr
    holds the raw path and query), runserver's ``server_time``, Python's ``taskName``."""
    for key in ("request", "server_time", "taskName"):
        event_dict.pop(key, None)
    return event_dict


def renderer(fmt: str) -> Any:
    if fmt == "json":
        return structlog.processors.JSONRenderer(sort_keys=False)
    return structlog.processors.LogfmtRenderer(key_order=KEY_ORDER, drop_missing=True, bool_as_flag=False)


def _ordered(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The fixed keys first (JSON keeps insertion order), so lines read alike in both formats."""
    head = {key: event_dict.pop(key) for key in KEY_ORDER if key in event_dict}
    return {**head, **event_dict}


def formatter(fmt: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` formatter entry for ``fmt`` (``text`` or ``json``)."""
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": [
            structlog.contextvars.merge_contextvars,
            _utc_time,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _drop_objects,
        ],
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _ordered,
            renderer(fmt),
        ],
    }


def logging_config(*, level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """The whole logging configuration (Django's ``LOGGING``, gunicorn's ``logconfig_dict``)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"tandem": formatter(fmt)},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "tandem",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Whatever configured them before (Django's defaults, gunicorn), they go to the root.
            "django": {"handlers": [], "level": level, "propagate": True},
            # 4xx and 5xx are in the access line; django.request adds the traceback of a 500.
            "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
            # runserver's own access line: tandem.access writes one already.
            "django.server": {"handlers": [], "level": "CRITICAL", "propagate": True},
            "gunicorn.error": {"handlers": [], "level": level, "propagate": True},
            # gunicorn's access log is off (accesslog None): tandem.access is the access log.
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "celery": {"handlers": [], "level": level, "propagate": True},
            "axes": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def configure(*, level: str, fmt: str) -> None:
    """Apply :func:`logging_config` (the Celery worker calls it; Django applies ``LOGGING``)."""
    import logging.config

    logging.config.dictConfig(logging_config(level=level, fmt=fmt))


access_logger = logging.getLogger("tandem.access")


# --- Error reporting ----------------------------------------------------------------------------


def _tag_request(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Every Sentry event carries the request id (and task) its log lines carry."""
    context = get_contextvars()
    tags = event.setdefault("tags", {})
    for key in ("request_id", "task", "task_id"):
        if context.get(key):
            tags[key] = context[key]
    return event


def sentry_init(
    *, dsn: str, environment: str, release: str, traces_sample_rate: float, transport: Any = None
) -> None:
    """Report errors of web requests and Celery tasks to Sentry, without personal data.

    What ``send_default_pii=False`` meant, in the SDK's current option (``data_collection``, which
    replaces it), and stricter: no user details, addresses or cookies, no request bodies or query
    strings (a form or a search holds customers' phones and e-mail addresses), no local variables of
    the failing frames, no SQL parameters.
    """
    import sentry_sdk
    from django.core.exceptions import ImproperlyConfigured
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn as exc:
        raise ImproperlyConfigured(f"SENTRY_DSN={dsn!r} is not a Sentry DSN: {exc}") from exc
    # The access line of a 500 would be a second event (holding the client's address): the
    # exception is reported already, tagged with the same request id.
    ignore_logger("tandem.access")
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
            "database_query_data": False,
        },
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request,  # type: ignore[arg-type]
        transport=transport,  # tests only: where events go instead of Sentry
    )
