"""REST plumbing loaded by DRF's settings: pagination, strict ordering, errors.

Kept apart from ``core.api`` (the base views) because DRF imports these while building its
generic views; importing viewsets here would be circular.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import paging
from .errors import SIMULTANEOUS

log = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """409: the record changed since the caller read it. ``current`` carries its present values."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, current: dict[str, Any] | None = None, detail: str | None = None) -> None:
        super().__init__(detail or _("This record was changed by someone else. Reload it and try again."))
        self.current = current or {}


class PreconditionRequired(exceptions.APIException):
    """428: a write to a versioned record that does not say which version it changes."""

    status_code = 428
    default_code = "precondition_required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail
            or _(
                "Send the version you read: “version” in the body, or an If-Match header with the "
                "ETag of the record. Without it a change someone else made meanwhile would be "
                "overwritten."
            )
        )


class Pagination(PageNumberPagination):
    """Pages by number near the top, by cursor below (docs/decisions/0031, ``core.paging``).

    The answer: ``count`` (exact, or past ``paging.COUNT_LIMIT`` an estimate, then
    ``count_is_estimate`` is true), ``next`` and ``previous`` links, ``results``. ``?page=`` reaches
    the first ``paging.MAX_PAGED_ROWS`` rows; ``next`` turns into a ``?cursor=`` link where pages by
    number stop, and a cursor's pages link to the next and previous cursor.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"

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

    def paginate_queryset(  # type: ignore[override]  # querysets only: the API lists are
        self, queryset: models.QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        self.size = size
        self.keys = paging.ordering_keys(queryset)
        if self.keys is not None:
            queryset = paging.ordered(queryset, self.keys)
        self.count, self.count_is_estimate = paging.bounded_count(queryset)
        self.next_url: str | None = None
        self.previous_url: str | None = None
        raw_cursor = request.query_params.get(self.cursor_query_param)
        if raw_cursor is not None:
            return self._by_cursor(queryset, raw_cursor, size)
        return self._by_number(queryset, request, size)

    def _by_number(self, queryset: models.QuerySet[Any], request: Request, size: int) -> list[Any]:
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
        except ValueError:
            raise exceptions.NotFound(_("Invalid page.")) from None
        if number < 1:
            raise exceptions.NotFound(_("Invalid page."))
        offset = (number - 1) * size
        if offset >= paging.MAX_PAGED_ROWS:
            raise exceptions.ValidationError(
                {
                    "page": [
                        _(
                            "Pages by number reach the first %(rows)s rows. Follow “next” (a "
                            "cursor) to read further."
                        )
                        % {"rows": f"{paging.MAX_PAGED_ROWS:,}"}
                    ]
                }
            )
        rows = paging.rows_at(queryset, offset, size + 1)
        if number > 1 and not rows:
            raise exceptions.NotFound(_("Invalid page."))
        more = len(rows) > size
        rows = rows[:size]
        url = request.build_absolute_uri()
        if more:
            if offset + size < paging.MAX_PAGED_ROWS:
                self.next_url = replace_query_param(url, self.page_query_param, number + 1)
            elif self.keys is not None:
                self.next_url = self._cursor_url(rows[-1], backwards=False)
        if number > 1:
            self.previous_url = (
                remove_query_param(url, self.page_query_param)
                if number == 2
                else replace_query_param(url, self.page_query_param, number - 1)
            )
        return rows

    def _by_cursor(self, queryset: models.QuerySet[Any], raw: str, size: int) -> list[Any]:
        keys = self.keys
        invalid = exceptions.ValidationError(
            {"cursor": [_("This cursor is not one of this list's: follow the “next” and “previous” links.")]}
        )
        if keys is None:
            raise invalid
        try:
            position, backwards = paging.decode(raw, keys)
        except ValueError:
            raise invalid from None
        walk = paging.reversed_keys(keys) if backwards else keys
        rows = paging.rows_after(queryset, walk, position, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
            if rows:
                self.next_url = self._cursor_url(rows[-1], backwards=False)
                if more:
                    self.previous_url = self._cursor_url(rows[0], backwards=True)
        elif rows:
            self.previous_url = self._cursor_url(rows[0], backwards=True)
            if more:
                self.next_url = self._cursor_url(rows[-1], backwards=False)
        return rows

    def _cursor_url(self, row: Any, *, backwards: bool) -> str:
        assert self.keys is not None
        assert self.request is not None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        cursor = paging.encode(paging.position_of(row, self.keys), backwards=backwards)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self) -> str | None:
        return self.next_url

    def get_previous_link(self) -> str | None:
        return self.previous_url

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.count_is_estimate,
                "next": self.next_url,
                "previous": self.previous_url,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = super().get_paginated_response_schema(schema)
        found["required"] = ["count", "count_is_estimate", "next", "previous", "results"]
        found["properties"]["count"]["description"] = (
            f"How many rows match: exact up to {paging.COUNT_LIMIT:,}, past that PostgreSQL's estimate "
            "(then count_is_estimate is true)."
        )
        found["properties"] = {
            "count": found["properties"]["count"],
            "count_is_estimate": {"type": "boolean", "example": False},
            **{k: v for k, v in found["properties"].items() if k != "count"},
        }
        return found

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": paging.MAX_PAGED_ROWS})
                parameter["description"] = (
                    f"A page number, while the page starts within the first {paging.MAX_PAGED_ROWS:,} "
                    "rows; deeper, follow `next` (a cursor)."
                )
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where to continue: the cursor of a `next` or `previous` link.",
                "schema": {"type": "string", "maxLength": 2000},
            }
        )
        return parameters


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

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """``ordering`` as the view's whitelist allows it: names, ``-`` for descending, commas between."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, list | tuple) and fields:
            names = "|".join(re.escape(f if isinstance(f, str) else f[0]) for f in fields)
            for parameter in parameters:
                parameter["schema"]["pattern"] = f"^-?({names})(,-?({names}))*$"
                parameter["description"] = _("Sort by %(fields)s; a leading - sorts descending.") % {
                    "fields": ", ".join(f if isinstance(f, str) else f[0] for f in fields)
                }
        return parameters


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
    elif isinstance(exc, IntegrityError):
        # Two requests passed a service's checks at the same moment and the database's
        # constraint refused the second (two levels given one code, say): nothing of it was
        # written, and the person tries again with what is there now.
        log.warning("integrity conflict answered 409: %s", exc)
        exc = Conflict(detail=str(SIMULTANEOUS))
    elif isinstance(exc, OverflowError):
        # A number past what the database holds (an id beyond 64 bits) that no field bounded.
        exc = exceptions.ValidationError({"non_field_errors": [_("A number in the request is too large.")]})
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
