"""Middleware: request id and access log, health and metrics probes, the person's language and time zone."""

from __future__ import annotations

import logging
import re
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any, cast

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject, empty

from tandem.security.lockout import client_ip

from . import logs, metrics

log = logging.getLogger(__name__)


class PersonPreferencesMiddleware:
    """Activate the signed-in person's language and time zone.

    The web UI follows the person's saved language (the switch saves it). The API follows an
    explicit ``Accept-Language`` first, then the person's setting (see ``core.api``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not request.path.startswith("/api/") and getattr(user, "language", None):
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        response = self.get_response(request)
        return response


# --- Request id, access log, request metrics -------------------------------------------------


def route_of(request: HttpRequest) -> str:
    """The request's route for logs and metrics: its URL pattern's name (``customers:account-detail``),
    else the pattern itself; never the raw path (which holds ids and whatever a client typed)."""
    named = getattr(request, "tandem_route", None)
    if named:
        return str(named)
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"  # answered by WhiteNoise, before any URL pattern
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "-"
    return match.view_name if match.url_name else (match.route or "-")


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in person's id, if something already looked them up (never a query of its own)."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """The outermost middleware: every request gets an id, one access line and its metrics.

    The id is taken from ``X-Request-ID`` when a trusted proxy sends it (``TANDEM_PROXY_COUNT``
    above 0; the proxy must set or overwrite it), else generated; it is returned in the response's
    ``X-Request-ID``, bound to every log line of the request (``core.logs``), carried into the
    Celery tasks the request sends, tagged on Sentry events, and shown as the reference of a 500.
    A streamed response is logged when its last byte has gone (or the client went away).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        start = time.perf_counter()
        request_id = None
        if settings.TANDEM_PROXY_COUNT > 0:
            request_id = logs.usable_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request_id = request_id or logs.new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        logs.start_request(request_id)
        tally = metrics.QueryTally()
        token = metrics.TALLY.set(tally)
        try:
            response = self.get_response(request)
        except BaseException:
            metrics.TALLY.reset(token)
            logs.end_request()
            raise
        response["X-Request-ID"] = request_id
        # A streamed answer (an export) is logged when its last byte has gone; a file (sendfile) and
        # anything else when the response leaves the middleware.
        if (
            isinstance(response, StreamingHttpResponse)
            and not isinstance(response, FileResponse)
            and not response.is_async
        ):
            content = cast(Iterator[bytes], response.streaming_content)

            def finish(completed: bool) -> None:
                self._log(request, response, start, tally, completed=completed)
                with suppress(ValueError):  # closed from another context: nothing left to reset
                    metrics.TALLY.reset(token)
                logs.end_request()

            response.streaming_content = _LoggedStream(content, finish)
        else:
            self._log(request, response, start, tally)
            metrics.TALLY.reset(token)
            logs.end_request()
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        # After authentication (middleware order), before the view: later lines carry who and where.
        user = getattr(request, "user", None)
        logs.bind(
            user_id=user.pk if user is not None and user.is_authenticated else None,
            route=route_of(request),
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # An API request authenticates inside DRF: bind the person it found before the error is logged.
        logs.bind(user_id=_user_id(request))

    def _log(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        start: float,
        tally: metrics.QueryTally,
        completed: bool | None = None,
    ) -> None:
        seconds = time.perf_counter() - start
        route = route_of(request)
        status = response.status_code
        metrics.observe_request(route=route, method=request.method or "-", status=status, seconds=seconds)
        if route in PROBE_ROUTES:
            # A load balancer probes every few seconds: below INFO while ready, a warning when not.
            level = logging.DEBUG if status < 400 else logging.WARNING
        elif route == "static" and status < 400:
            level = logging.DEBUG  # a page's style sheets and scripts: the page's own line says enough
        elif status >= 500:
            level = logging.ERROR
        else:
            level = logging.INFO
        fields: dict[str, Any] = {
            "user_id": _user_id(request),
            "client": client_ip(request),
            "method": request.method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "db_queries": tally.count,
            "db_ms": round(tally.seconds * 1000, 1),
        }
        if completed is not None:
            fields["streamed"] = True
            fields["completed"] = completed
        logs.access_logger.log(level, "request", extra=fields)


class _LoggedStream:
    """A streamed response's content that says, once, whether it was sent to the end: when it runs
    out, or when the server closes it early (the client went away, a worker timed out)."""

    def __init__(self, content: Iterator[bytes], finish: Callable[[bool], None]) -> None:
        self._content = content
        self._finish: Callable[[bool], None] | None = finish

    def __iter__(self) -> _LoggedStream:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._content)
        except StopIteration:
            self._done(completed=True)
            raise

    def close(self) -> None:
        try:
            close = getattr(self._content, "close", None)
            if close is not None:
                close()
        finally:
            self._done(completed=False)

    def _done(self, *, completed: bool) -> None:
        finish, self._finish = self._finish, None
        if finish is not None:
            finish(completed)


# --- Probes: health and metrics, answered before host and HTTPS checks ---------------------------

PROBE_ROUTES = {"healthz", "readyz", "metrics"}


class ProbeMiddleware:
    """Answer ``/healthz``, ``/readyz`` and ``/metrics`` before any other middleware.

    A load balancer probes by IP address over plain HTTP, and Prometheus scrapes by address: placed
    before ``SecurityMiddleware`` (the HTTPS redirect) and ``CommonMiddleware`` (the ``ALLOWED_HOSTS``
    check), these three paths only are answered whatever the Host header and scheme, with no session
    and no sign-in. Their answers depend on neither (``/metrics`` checks its own token or address).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from . import views

        probes: dict[str, tuple[str, Callable[[HttpRequest], HttpResponseBase]]] = {
            "/healthz": ("healthz", views.healthz),
            "/readyz": ("readyz", views.readyz),
            "/metrics": ("metrics", views.metrics),
        }
        probe = probes.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        request.tandem_route = probe[0]  # type: ignore[attr-defined]
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = probe[1](request)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        # A probe's 503 is in the access line already; not again as an error by django.request.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


class SimultaneousWriteMiddleware:
    """A page whose write the database refused for a unique constraint that another request
    met first (two administrators creating one code at once) answers 409 with a page that says
    so, never a 500. The API says the same through ``core.rest.exception_handler``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import IntegrityError
        from django.shortcuts import render

        from .errors import SIMULTANEOUS

        if not isinstance(exception, IntegrityError):
            return None
        log.warning("integrity conflict answered 409: %s", exception)
        return render(request, "409.html", {"message": SIMULTANEOUS}, status=409)


# --- NUL characters --------------------------------------------------------------------------

# A JSON string's escaped NUL: \u0000 after an even number of backslashes (an odd number
# escapes the backslash itself, and the text says "\u0000" in six characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_names(request: HttpRequest) -> list[str]:
    """The parameters of the address, and the fields of a posted form, that hold a NUL; or
    ``["body"]`` for a JSON body that does."""
    names = [k for k, values in request.GET.lists() if "\x00" in k or any("\x00" in v for v in values)]
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.content_type or ""
        if request.path.startswith("/api/"):
            if content_type.endswith("json") and _JSON_NUL.search(request.body):
                names.append("body")
        elif content_type in _FORM_TYPES:
            names += [
                k for k, values in request.POST.lists() if "\x00" in k or any("\x00" in v for v in values)
            ]
    return [name.replace("\x00", "\\0") for name in names]


class NulCharacterMiddleware:
    """A NUL character in an address's parameters, a form's fields or a JSON body answers 400 and
    names where it was. PostgreSQL cannot keep NUL in text, no search, filter or form value means
    one, and a view that let it through to a query answered 500: it stops here for every view
    (the API's own fields refuse it too, with the same message)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        names = nul_names(request)
        if not names:
            return self.get_response(request)
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _("Null characters are not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {("non_field_errors" if name == "body" else name): [message] for name in names}, status=400
            )
        return render(
            request,
            "400.html",
            {"message": message, "names": names, "back": request.path},
            status=400,
        )
