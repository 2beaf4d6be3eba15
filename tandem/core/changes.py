"""When a person last changed something, for figures kept a few minutes (decision 0045).

The home page keeps each person's dashboard figures for ``TANDEM_DASHBOARD_SECONDS``. Whatever a
person changes must show on their own next page at once, so every write they make marks the time
(``mark``): a web or API request with an unsafe method that succeeded (``OwnChangesMiddleware``),
an import they ran. Figures computed before that mark are not served again (``changed_at``).

The mark lives in the cache, as the figures do: with several processes that is Redis
(``REDIS_URL``), shared by all of them; without it each process has its own, which is right for
``tandem serve`` (one process). It outlives any figure computed before it, so a figure is never
served past a mark that has expired.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from . import caching

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def key(user_id: int) -> str:
    return f"changes:by:{user_id}"


def keep_seconds() -> int:
    """How long the marks and the figures they govern are kept (0: figures are not kept)."""
    return max(0, int(settings.TANDEM_DASHBOARD_SECONDS))


def mark(user_id: int | None) -> None:
    """``user_id`` changed something just now."""
    seconds = keep_seconds()
    if user_id is None or not seconds:
        return
    # Longer than any figure lives: a figure computed before the mark expires first.
    # The cache away: the write stands; figures kept elsewhere may lag a few minutes.
    caching.put(key(user_id), time.time(), seconds + 60)


def changed_at(user_id: int) -> float:
    """When ``user_id`` last changed something (epoch seconds), 0 when not lately."""
    return float(caching.get(key(user_id)) or 0)


class OwnChangesMiddleware:
    """Mark the signed-in person's change after every write request that succeeded.

    After the view, ``request.user`` is whoever the request was made as, the API's token
    authentication included (DRF sets it on the request it wraps)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                mark(user.pk)
        return response
