"""What a locked-out person or address sees, and which address is counted (django-axes calls these)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return _(
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes or ask an administrator."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    return render(request, "security/locked_out.html", {"message": lockout_message()}, status=429)


def client_ip(request: HttpRequest) -> str | None:
    """The address lockout counts.

    Without a proxy (``TANDEM_PROXY_COUNT=0``) it is the connection's own address: a client can
    send any ``X-Forwarded-For`` it likes, so that header is ignored. Behind N trusted proxies,
    each appends the address it saw, so the Nth entry from the right is the real client.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TANDEM_PROXY_COUNT", 0))
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return remote
