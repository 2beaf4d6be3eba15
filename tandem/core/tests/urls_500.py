"""A test-only URLconf: the real one plus views that fail, to exercise the error pages."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import include, path
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.core import views as core_views


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("forced failure for the 500 page test")


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def rows() -> Iterator[bytes]:
        for number in range(3):
            yield f"row {number}\n".encode()

    return StreamingHttpResponse(rows(), content_type="text/csv")


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The background service is not answering."


class Unavailable(APIView):
    """An API view answering 503 the DRF way (through core.rest.exception_handler)."""

    def get(self, request: Request) -> Response:
        raise ServiceUnavailable


urlpatterns = [
    path("explode/", explode),
    path("api/v1/explode/", explode),
    path("api/v1/unavailable/", Unavailable.as_view()),
    path("stream/", stream, name="stream"),
    path("", include("config.urls")),
]

handler404 = core_views.page_not_found
handler500 = core_views.server_error
