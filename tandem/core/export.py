"""List export as CSV or XLSX: every filtered row the person may see, not just one page.

``export_response`` takes rows (a queryset iterator) and columns ``(header, getter)``; headers are
translated in the caller's language. CSV is streamed row by row, UTF-8 with a byte-order mark so
Excel opens Chinese text correctly; XLSX is written by openpyxl in write-only mode (constant
memory per row) to a spooled temporary file and sent as a file.

API list views get it from ``ExportMixin``: ``?format=csv`` / ``?format=xlsx`` on the list, which
needs the ``export`` grant on the view's resource (403 otherwise). DRF reads ``format`` for
renderer selection; ``ExportContentNegotiation`` lets these two values through to the view.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from . import access

Getter = Callable[[Any], Any]
Column = tuple[str | Promise, Getter]

EXPORT_FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: Any) -> Any:
    """A cell value: numbers stay numbers, dates become local ISO text, everything else text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: Any) -> Any:
    """CSV text that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` hands the line back, for a streamed ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Any], columns: Sequence[Column], language: str) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff".encode()
        yield writer.writerow([str(header) for header, _getter in columns]).encode()
        for row in rows:
            cells = [_safe_text(_plain(getter(row))) for _header, getter in columns]
            yield writer.writerow(cells).encode()


def _xlsx_file(rows: Iterable[Any], columns: Sequence[Column], title: str) -> Any:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append([str(header) for header, _getter in columns])
    for row in rows:
        cells = []
        for _header, getter in columns:
            value = _plain(getter(row))
            if isinstance(value, decimal.Decimal):
                value = float(value)
            elif isinstance(value, str) and value.startswith("="):
                # openpyxl stores text starting with "=" as a formula.
                value = "'" + value
            cells.append(value)
        sheet.append(cells)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return spool


def export_response(
    *, rows: Iterable[Any], columns: Sequence[Column], filename: str, fmt: str
) -> StreamingHttpResponse | FileResponse:
    """A download of ``rows`` as ``fmt`` (csv or xlsx) named ``filename`` (without extension)."""
    stamp = timezone.localdate().isoformat()
    name = f"{filename}-{stamp}.{fmt}"
    language = translation.get_language() or "en"
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_lines(rows, columns, language), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt == "xlsx":
        spool = _xlsx_file(rows, columns, filename)
        return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX_MEDIA_TYPE)
    raise ValueError(f"unknown export format {fmt!r}")


def iterate(queryset: models.QuerySet[Any]) -> Iterator[Any]:
    """Rows in chunks; prefetches run once per chunk, so the query count grows with chunks, not rows."""
    return queryset.iterator(chunk_size=CHUNK_SIZE)


class ExportContentNegotiation(DefaultContentNegotiation):
    """``?format=csv|xlsx`` is the view's business (an export), not a renderer to look up."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        fmt = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE or "format")
        if fmt in EXPORT_FORMATS:
            renderer = next(iter(renderers))
            return renderer, renderer.media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404 as exc:
            # An unknown ?format= is bad input, not a missing page.
            raise exceptions.ValidationError({"format": [_("Choose json, csv or xlsx.")]}) from exc


class ExportMixin:
    """Adds ``?format=csv`` and ``?format=xlsx`` to a ``ScopedViewSet``'s list.

    The export holds the same rows the list would, across all pages: ``filter_queryset`` over
    ``get_queryset`` (the access policy's ``visible``), with the same filters and ordering.
    """

    content_negotiation_class: type[BaseContentNegotiation] = ExportContentNegotiation
    export_filename: ClassVar[str] = "export"

    def export_columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def export_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The list queryset narrowed to what the export reads (a hook for lighter prefetches)."""
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        fmt = request.query_params.get("format")
        if fmt in EXPORT_FORMATS:
            view: Any = self
            if not access.get_actor(request).has(view.resource, "export"):
                raise PermissionDenied
            queryset = self.export_queryset(view.filter_queryset(view.get_queryset()))
            return export_response(
                rows=iterate(queryset), columns=self.export_columns(), filename=self.export_filename, fmt=fmt
            )
        return super().list(request, *args, **kwargs)  # type: ignore[misc]
