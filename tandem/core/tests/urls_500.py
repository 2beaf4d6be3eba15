"""A test-only URLconf: the real one plus views that fail, to exercise the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from tandem.core import views as core_views


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("forced failure for the 500 page test")


urlpatterns = [
    path("explode/", explode),
    path("api/v1/explode/", explode),
    path("", include("config.urls")),
]

handler404 = core_views.page_not_found
handler500 = core_views.server_error
