"""Every file Tandem writes from its data goes through here: the API lists' ``?format=csv|xlsx``,
``tandem export``, the import's error report, and background export jobs. One set of rules:

- Text a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage
  return) is never live: in CSV it gets a leading apostrophe (which Excel hides, and which an
  import reads back without); in XLSX it is written as a text cell, so it is shown as typed.
- What the reader sees masked is masked: the caller's columns (``(header, getter)``) are the same
  for every format, and the getters are the ones the screens and the API use (a pool customer's
  phone and email for a pool member, ``customers.serializers.is_masked``).
- Values: numbers stay numbers; dates are ISO; instants are in the reader's time zone
  (``%Y-%m-%d %H:%M``); yes/no in the reader's language.

CSV is UTF-8 with a byte-order mark so Excel opens Chinese text correctly. A streamed CSV that
fails part-way is logged and ends with the error, so the server aborts the connection (an
unfinished chunked response) rather than closing it as if the file were whole. XLSX is written by
openpyxl in write-only mode (constant memory per row).

API list views get exports from ``ExportMixin``: ``?format=csv`` / ``?format=xlsx`` on the list,
which needs the ``export`` grant on the view's resource (403 otherwise). An export larger than an
HTTP request should carry is handed to the handler registered with ``register_background`` (the
imports app's export jobs: 202 and a job to poll, then a file to download). DRF reads ``format``
for renderer selection; ``ExportContentNegotiation`` lets these two values through to the view.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, Http404, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from . import access

logger = logging.getLogger(__name__)

Getter = Callable[[Any], Any]
Column = tuple[str | Promise, Getter]
# Given the list view, its request, the export's queryset and format: a response that hands the
# export to the background, or None to export in the request.
BackgroundHandler = Callable[[Any, Request, "models.QuerySet[Any]", str], HttpResponseBase | None]

EXPORT_FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_background: list[BackgroundHandler] = []


def register_background(handler: BackgroundHandler) -> None:
    """Let ``handler`` take exports too large for a request (the imports app registers its jobs)."""
    if handler not in _background:
        _background.append(handler)


def plain(value: Any) -> Any:
    """A cell value: numbers stay numbers, dates become local ISO text, everything else text."""
    if value.__class__ is str:  # the common case, first
        return value
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


class Memo:
    """A column whose value depends only on ``key(row)``, worked out once per key in an export
    rather than once per row: a choice's label or a stage's name in the reader's language cost
    a translation lookup each (a third of a 100,000-deal export's time went to those)."""

    def __init__(self, key: Getter, value: Getter) -> None:
        self.key = key
        self.value = value
        self.known: dict[Any, Any] = {}

    def __call__(self, row: Any) -> Any:
        key = self.key(row)
        try:
            return self.known[key]
        except KeyError:
            value = self.known[key] = self.value(row)
            return value


def display(field: str) -> Memo:
    """A choice field's label in the reader's language (``get_<field>_display``), once per choice."""
    return Memo(lambda row: getattr(row, field), lambda row: getattr(row, f"get_{field}_display")())


def choice(model: type[models.Model], field: str) -> Getter:
    """A ``value_rows`` row's choice ``field`` as its label in the reader's language, as
    ``get_<field>_display`` gives it, worked out once per value."""
    labels = dict(model._meta.get_field(field).flatchoices)  # type: ignore[union-attr]
    return Memo(lambda row: row[field], lambda row: str(labels.get(row[field], row[field])))


def is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value: Any) -> Any:
    """CSV text that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + value if is_formula(value) else value


def cells(rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[list[Any]]:
    """Each row's cell values, the columns' getters applied (``plain``, not yet made safe)."""
    getters = [getter for _header, getter in columns]
    for row in rows:
        yield [plain(get(row)) for get in getters]


def headers_of(columns: Sequence[Column]) -> list[str]:
    return [str(header) for header, _getter in columns]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for a streamed ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _safe_row(row: Iterable[Any]) -> list[Any]:
    # ``csv_safe`` inlined: it runs once per cell of every export.
    return [
        "'" + value if value.__class__ is str and value.startswith(FORMULA_START) else value for value in row
    ]


def csv_chunks(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, what: str = "export", lines: int = 1
) -> Iterator[bytes]:
    """The CSV (BOM first) in pieces of ``lines`` rows. A failure part-way is logged and raised
    (see the module)."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([csv_safe(h) for h in headers]).encode()
    written = 0
    batch: list[str] = []
    try:
        for row in rows:
            batch.append(writer.writerow(_safe_row(row)))
            written += 1
            if len(batch) >= lines:
                yield "".join(batch).encode()
                batch = []
        if batch:
            yield "".join(batch).encode()
    except Exception:
        logger.exception(
            "%s failed after %d rows; the file is incomplete and is not ended as whole", what, written
        )
        raise


def write_csv(handle: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write the CSV to ``handle``; the number of rows written."""
    count = 0

    def counted() -> Iterator[Sequence[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in csv_chunks(headers, counted(), lines=CHUNK_SIZE):
        handle.write(chunk)
    return count


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A small CSV in memory (an import's error report)."""
    return b"".join(csv_chunks(headers, rows, what="report"))


def write_xlsx(handle: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> int:
    """Write the workbook to ``handle``; the number of rows written. Text is written as text cells:
    openpyxl would store text starting with ``=`` as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or "Sheet1")[:31])

    def line(values: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        for value in values:
            if isinstance(value, decimal.Decimal):
                value = float(value)
            elif isinstance(value, str) and value:
                text = WriteOnlyCell(sheet, value=value)
                text.data_type = "s"
                value = text
            out.append(value)
        return out

    sheet.append(line(headers))
    count = 0
    for row in rows:
        sheet.append(line(row))
        count += 1
    workbook.save(handle)
    return count


def write(
    handle: IO[bytes], fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = ""
) -> int:
    """Write ``rows`` as ``fmt`` (csv or xlsx) to ``handle``; the number of rows written."""
    if fmt == "csv":
        return write_csv(handle, headers, rows)
    if fmt == "xlsx":
        return write_xlsx(handle, headers, rows, title)
    raise ValueError(f"unknown export format {fmt!r}")


def _in_language(language: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A streamed body produced in ``language`` (the response is read after the view returned)."""
    with translation.override(language):
        yield from chunks


def export_response(
    *, rows: Iterable[Any], columns: Sequence[Column], filename: str, fmt: str
) -> StreamingHttpResponse | FileResponse:
    """A download of ``rows`` as ``fmt`` (csv or xlsx) named ``filename`` (without extension)."""
    name = download_name(filename, fmt)
    language = translation.get_language() or "en"
    if fmt == "csv":
        chunks = csv_chunks(headers_of(columns), cells(rows, columns), what=f"export {name}")
        response = StreamingHttpResponse(
            _in_language(language, chunks), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
        write_xlsx(spool, headers_of(columns), cells(rows, columns), filename)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX_MEDIA_TYPE)
    raise ValueError(f"unknown export format {fmt!r}")


def download_name(filename: str, fmt: str) -> str:
    return f"{filename}-{timezone.localdate().isoformat()}.{fmt}"


def iterate(queryset: models.QuerySet[Any]) -> Iterator[Any]:
    """Rows in chunks; prefetches run once per chunk, so the query count grows with chunks, not rows."""
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def batches(rows: Iterable[Any], size: int = CHUNK_SIZE) -> Iterator[list[Any]]:
    """``rows`` in lists of ``size`` (the last shorter)."""
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def value_rows(
    queryset: models.QuerySet[Any], fields: Sequence[str], fill: Callable[[list[dict[str, Any]]], None]
) -> Iterator[dict[str, Any]]:
    """The rows as dicts of ``fields`` (``values()``), read in chunks of ``CHUNK_SIZE`` from a
    server-side cursor: no model instances. ``fill`` adds to each chunk's dicts what they need
    from other tables (names by id, tags), a query or two per chunk, so memory stays constant
    and the query count grows with chunks, not rows."""
    for chunk in batches(queryset.values(*fields).iterator(chunk_size=CHUNK_SIZE)):
        fill(chunk)
        yield from chunk


def tag_names_by_id(model: type[models.Model], ids: Iterable[Any]) -> dict[Any, str]:
    """The names of the tags (``model.tags``) of each of the records ``ids``, as ``"a, b"`` in the
    tags' order: one query."""
    through: Any = model.tags.through  # type: ignore[attr-defined]
    key = f"{model._meta.model_name}_id"
    names: dict[Any, list[str]] = {}
    links = through.objects.filter(**{f"{key}__in": list(ids)}).order_by("tag__name", "tag_id")
    for pk, tag in links.values_list(key, "tag__name"):
        names.setdefault(pk, []).append(tag)
    return {pk: ", ".join(tags) for pk, tags in names.items()}


class Names:
    """A record's name by id, read from ``queryset`` in one query per chunk for the ids not yet
    known. Kept for the whole export when the table is small (people, teams, stages); for a large
    one (accounts) give ``keep`` so only the last chunks' names are held."""

    def __init__(
        self, queryset: models.QuerySet[Any], name: Callable[[Any], Any] = str, keep: int | None = None
    ) -> None:
        self.queryset = queryset
        self.name = name
        self.keep = keep
        self.known: dict[Any, Any] = {}

    def load(self, ids: Iterable[Any]) -> None:
        wanted = {i for i in ids if i is not None}
        missing = wanted - self.known.keys()
        if not missing:
            return
        if self.keep is not None and len(self.known) + len(missing) > self.keep:
            self.known, missing = {}, wanted
        for obj in self.queryset.filter(pk__in=missing):
            self.known[obj.pk] = self.name(obj)

    def __getitem__(self, pk: Any) -> Any:
        return "" if pk is None else self.known.get(pk, "")


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
    ``export_table`` is that export as headers and rows, for the request and for a background job.
    """

    content_negotiation_class: type[BaseContentNegotiation] = ExportContentNegotiation
    export_filename: ClassVar[str] = "export"

    def export_columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def export_iterate(self, queryset: models.QuerySet[Any]) -> Iterable[Any]:
        """The rows ``export_columns``' getters read: model instances in chunks unless the view
        reads something lighter (``value_rows``)."""
        return iterate(queryset)

    def export_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The list queryset narrowed to what the export reads (a hook for lighter prefetches)."""
        return queryset

    def export_rows(self) -> models.QuerySet[Any]:
        """The rows the export holds: the list's, filtered and ordered as the request asks."""
        view: Any = self
        if not access.get_actor(view.request).has(view.resource, "export"):
            raise PermissionDenied
        return self.export_queryset(view.filter_queryset(view.get_queryset()))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        fmt = request.query_params.get("format")
        if fmt in EXPORT_FORMATS:
            queryset = self.export_rows()
            for handler in _background:
                answer = handler(self, request, queryset, fmt)
                if answer is not None:
                    return answer
            return export_response(
                rows=self.export_iterate(queryset),
                columns=self.export_columns(),
                filename=self.export_filename,
                fmt=fmt,
            )
        return super().list(request, *args, **kwargs)  # type: ignore[misc]
