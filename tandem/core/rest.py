"""REST plumbing loaded by DRF's settings: pagination, strict ordering, errors.

Kept apart from ``core.api`` (the base views) because DRF imports these while building its
generic views; importing viewsets here would be circular.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """409: the record changed since the caller read it. ``current`` carries its present values."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, current: dict[str, Any] | None = None, detail: str | None = None) -> None:
        super().__init__(detail or _("This record was changed by someone else. Reload it and try again."))
        self.current = current or {}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError as exc:
            raise exceptions.ValidationError(
                {"page_size": [_("Enter a whole number from 1 to 200.")]}
            ) from exc
        if size < 1 or size > self.max_page_size:
            raise exceptions.ValidationError({"page_size": [_("Enter a whole number from 1 to 200.")]})
        return size


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` from the view's whitelist; anything else answers 400 rather than being ignored."""

    def get_ordering(self, request: Request, queryset: models.QuerySet[Any], view: APIView) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise exceptions.ValidationError(
                    {
                        "ordering": [
                            _("Unknown ordering: %(fields)s. Use one of: %(allowed)s.")
                            % {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                        ]
                    }
                )
            return fields
        return self.get_default_ordering(view)


def _field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        errors: dict[str, Any] = {}
        for field, messages in exc.message_dict.items():
            errors["non_field_errors" if field == "__all__" else field] = messages
        return errors
    return {"non_field_errors": exc.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from .errors import DuplicateFound, VersionConflict

    if isinstance(exc, VersionConflict):
        return Response(
            {"detail": str(exc), "version": exc.version, "current": exc.current},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DuplicateFound):
        return Response(
            {
                "duplicates": [str(m) for m in exc.messages],
                "matches": exc.matches,
                "blocking": exc.blocking,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_field_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError):
        exc = Conflict(detail=_("Other records still refer to this one."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    if isinstance(exc, Conflict):
        response.data = {"detail": str(exc.detail), "current": exc.current}
    if response.status_code >= 500 and isinstance(response.data, dict):
        # The request id, also in the X-Request-ID header and the log lines (core.logs).
        from .logs import current_request_id

        response.data["reference"] = current_request_id() or ""
    return response
