"""Reading CSV and XLSX files as a stream of rows, whatever system wrote them.

CSV: the encoding is found by trying UTF-8 (with or without BOM), then GB18030 (what Chinese Excel
writes), then Latin-1 (which accepts any bytes); the delimiter by ``csv.Sniffer`` on a sample,
falling back to a comma. XLSX: one sheet (the one chosen, else the first that holds anything),
values only, in openpyxl's read-only mode. Rows are yielded one at a time, so a 100,000-row file
is never held in memory as objects.

Nothing is dropped silently. Each data row comes as ``Cells`` (a list of cell texts) with
``notes`` the engine turns into the row's messages: cells beyond the last named column (warned
and not imported), a cell longer than ``MAX_CELL_CHARS`` (an error, naming the limit), cells under
a merged region of a workbook (a vertical merge's value filled down into each row it covers, with
a warning saying so; the cells a merge covers to the right are left empty, with a warning).

Before a file is read at all, ``inspect`` and ``count_rows`` check its size: a workbook's
unpacked size from the zip's directory (``TANDEM_IMPORT_MAX_UNPACKED_MB``), then its rows, counted
by a fast scan of the sheet's XML (or the CSV parser) that stops one row past
``TANDEM_IMPORT_MAX_ROWS``. A 400 KB workbook that unpacks to millions of rows is refused in the
time it takes to count a million, not read for minutes.
"""

from __future__ import annotations

import csv
import datetime
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException
from django.conf import settings

from tandem.imports.wording import nsay as ngettext
from tandem.imports.wording import say as _

ENCODINGS = ("utf-8-sig", "gb18030", "latin-1")
SAMPLE_BYTES = 64 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_BYTES = frozenset(b for b in range(32) if b not in (9, 10, 12, 13))  # not tab, newlines, form feed
DELIMITERS = ",;\t|"
# The longest cell read: what one cell of Excel holds. A longer one is an error on its row (most
# often a quote opened and never closed, which swallows the rest of the file into one cell).
MAX_CELL_CHARS = 32_767
# The csv module refuses fields over 128 KiB with an error that loses the row and its number;
# let it read longer ones (the upload's own size bounds them) so the row can say what is wrong.
_CSV_FIELD_LIMIT = 2**31 - 1
# What a spreadsheet would run as a formula, and the apostrophe an export puts before it (see
# ``tandem.core.export``): read back, the apostrophe goes, so an export imports unchanged.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SCAN_CHUNK = 1024 * 1024


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX file we can read; the message says why, in the person's language."""


class TooLarge(UnreadableFile):
    """The file is larger than an import takes (unpacked size or rows)."""


@dataclass(frozen=True)
class FileInfo:
    format: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""  # XLSX: the sheet read ("" = the first)
    sheets: tuple[str, ...] = ()  # XLSX: every sheet that holds anything, in the workbook's order


@dataclass(frozen=True)
class Note:
    """Something a row's cells say about themselves: ``column`` is the header ("" beyond them),
    ``index`` the cell's position."""

    level: str  # "error" or "warning"
    index: int
    column: str
    message: str


class Cells(list[str]):
    """One row's cell texts, with what reading them found to report (``notes``)."""

    notes: list[Note]

    def __init__(self, cells: Iterable[str] = ()) -> None:
        super().__init__(cells)
        self.notes = []


def max_rows() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_ROWS", 1_000_000))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_UNPACKED_MB", 1024)) * 1024 * 1024


def format_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    raise UnreadableFile(_("Upload a .csv or .xlsx file."))


def detect_encoding(path: Path) -> str:
    """The first encoding that decodes the whole file (checked in chunks, so memory stays flat).

    A byte-order mark of UTF-16 (Excel's "Unicode Text" export, tab-separated) says it outright."""
    with path.open("rb") as handle:
        if handle.read(2) in _UTF16_BOMS:
            return "utf-16"
    for encoding in ENCODINGS:
        decoder_ok = True
        try:
            with path.open("r", encoding=encoding, newline="") as handle:
                while handle.read(1024 * 1024):
                    pass
        except UnicodeDecodeError:
            decoder_ok = False
        if decoder_ok:
            return encoding
    return "latin-1"


def detect_delimiter(sample: str) -> str:
    if not sample.strip():
        return ","
    # Only whole lines: a cut-off last line confuses the sniffer.
    if "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _refuse_non_text(path: Path) -> None:
    """A file named .csv that is not text (a workbook renamed, a PDF, a picture) reads as one column
    of noise, and its report would only say the columns are not mapped: say what it is instead."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile(_("This is an Excel workbook or another zip file: give it the .xlsx name."))
    if head.startswith(_UTF16_BOMS):
        return  # UTF-16 text, NUL bytes and all
    if head and sum(byte in _CONTROL_BYTES for byte in head) > len(head) // 10:
        raise UnreadableFile(
            _("This is not a text file: save or export it as CSV (or .xlsx) and upload that.")
        )


def inspect(path: Path, name: str, sheet: str = "") -> FileInfo:
    """How to read the file. A workbook's unpacked size is checked first (from the zip's
    directory, nothing unpacked), then its sheets are listed and ``sheet`` chosen (default: the
    first that holds anything)."""
    fmt = format_of(name)
    if fmt == "xlsx":
        return _inspect_xlsx(path, sheet)
    _refuse_non_text(path)
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(SAMPLE_BYTES)
    return FileInfo(format="csv", encoding=encoding, delimiter=detect_delimiter(sample))


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person sees (dates as ISO, whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).replace("\x00", "").strip()


def _unquote_formula(text: str) -> str:
    """``'=SUM(A1)`` as an export wrote it (neutralised) reads back as ``=SUM(A1)``."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    """Lines with NUL characters dropped: no database text holds one, and PostgreSQL refuses them."""
    for line in lines:
        yield line.replace("\x00", "") if "\x00" in line else line


def _csv_rows(path: Path, info: FileInfo) -> Iterator[list[str]]:
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    with path.open("r", encoding=info.encoding or "utf-8-sig", newline="") as handle:
        for row in csv.reader(_without_nul(handle), delimiter=info.delimiter or ","):
            yield [_unquote_formula(cell.strip()) for cell in row]


# --- Workbooks ----------------------------------------------------------------------------------

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# The tags a row count needs, with or without a namespace prefix: a row's start and end, a
# cell's value (<v>x</v>, not an empty <v/>), an inline string, a merged region.
_SCAN = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|v|is|mergeCell)\b([^>]*)>",
)
_ROW_NUMBER = re.compile(rb"""\br=["'](\d+)["']""")
_REF = re.compile(rb"""\bref=["']([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)["']""")
_CELL_REF = re.compile(r"^([A-Za-z]+)(\d+)$")


@dataclass
class SheetScan:
    """What a pass over a sheet's XML found: rows below the header that hold a value (up to
    ``limit``), whether the header row holds one, and the merged regions."""

    data_rows: int = 0
    header_row: bool = False
    merges: list[str] = field(default_factory=list)
    stopped: bool = False  # stopped past ``limit``: there are more


def _not_a_workbook() -> UnreadableFile:
    return UnreadableFile(_("This is not an Excel workbook (.xlsx) we can read."))


def _too_large_unpacked(size: int) -> TooLarge:
    return TooLarge(
        _(
            "This workbook unpacks to %(size)s MB, more than an import takes (%(limit)s MB): "
            "split it into smaller files."
        )
        % {"size": f"{size / 1024 / 1024:,.0f}", "limit": f"{max_unpacked_bytes() // 1024 // 1024:,}"}
    )


def _open_zip(path: Path) -> zipfile.ZipFile:
    """The workbook as a zip, refused when its members unpack to more than an import takes
    (their sizes are read from the zip's directory; a member cannot unpack to more than it
    declares: ``zipfile`` stops there and fails the checksum)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _not_a_workbook() from exc
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > max_unpacked_bytes():
        archive.close()
        raise _too_large_unpacked(unpacked)
    return archive


def _xml(archive: zipfile.ZipFile, member: str) -> Element:
    """A small part of the workbook (its list of sheets), parsed refusing entity tricks."""
    try:
        return SafeTree.fromstring(archive.read(member))
    except (KeyError, ParseError, DefusedXmlException, zipfile.BadZipFile, OSError) as exc:
        raise _not_a_workbook() from exc


def _sheet_members(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """``(sheet name, zip member)`` of each worksheet, in the workbook's order."""
    workbook = "xl/workbook.xml"
    for rel in _xml(archive, "_rels/.rels").iter(f"{_NS_PKG_REL}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    base = posixpath.dirname(workbook)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels")
    targets = {
        rel.get("Id", ""): rel.get("Target", "")
        for rel in _xml(archive, rels_name).iter(f"{_NS_PKG_REL}Relationship")
    }
    out = []
    for sheet in _xml(archive, workbook).iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id", ""), "")
        if not target:
            continue  # a broken link: nothing to read
        if target.startswith("/"):
            member = target.lstrip("/")
        else:
            member = posixpath.normpath(posixpath.join(base, target))
        out.append((sheet.get("name", ""), member))
    return out


def scan_sheet(archive: zipfile.ZipFile, member: str, *, limit: int | None = None) -> SheetScan:
    """Count a sheet's rows that hold a value by scanning its XML for the tags alone (no parsing:
    a million rows in about a second), stopping once ``limit`` data rows are passed; collect its
    merged regions (listed after the rows, so only a whole pass finds them)."""
    found = SheetScan()
    row_number = 0
    in_row = has_value = False
    tail = b""
    try:
        with archive.open(member) as handle:
            while True:
                chunk = handle.read(_SCAN_CHUNK)
                data = tail + chunk
                tail = b""
                if chunk:  # keep a tag cut in two for the next chunk
                    cut = data.rfind(b"<")
                    if cut > 0:
                        data, tail = data[:cut], data[cut:]
                for match in _SCAN.finditer(data):
                    closing, tag, attrs = match.group(1), match.group(2), match.group(3)
                    if tag == b"row":
                        if closing:
                            if in_row and has_value:
                                if row_number <= 1:
                                    found.header_row = True
                                else:
                                    found.data_rows += 1
                                    if limit is not None and found.data_rows > limit:
                                        found.stopped = True
                                        return found
                            in_row = has_value = False
                            continue
                        number = _ROW_NUMBER.search(attrs)
                        row_number = int(number.group(1)) if number else row_number + 1
                        in_row, has_value = not attrs.endswith(b"/"), False
                    elif tag in (b"v", b"is") and in_row and not closing and not attrs.endswith(b"/"):
                        end = match.end()
                        # <v></v> holds nothing; <v>x</v> and <is>…</is> do.
                        if tag == b"is" or data[end : end + 1] != b"<":
                            has_value = True
                    elif tag == b"mergeCell" and not closing:
                        ref = _REF.search(attrs)
                        if ref:
                            found.merges.append(ref.group(1).decode())
                if not chunk:
                    return found
    except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _not_a_workbook() from exc


def _holds_anything(archive: zipfile.ZipFile, member: str) -> bool:
    scan = scan_sheet(archive, member, limit=0)
    return scan.header_row or scan.data_rows > 0


def _inspect_xlsx(path: Path, sheet: str) -> FileInfo:
    with _open_zip(path) as archive:
        members = _sheet_members(archive)
        if not members:
            raise _not_a_workbook()
        holding = [name for name, member in members if _holds_anything(archive, member)]
    if sheet:
        if sheet not in {name for name, _m in members}:
            raise UnreadableFile(
                _("This workbook has no sheet “%(sheet)s”. Its sheets: %(sheets)s.")
                % {"sheet": sheet, "sheets": ", ".join(name for name, _m in members)}
            )
        chosen = sheet
    else:
        chosen = holding[0] if holding else members[0][0]
    return FileInfo(format="xlsx", sheet=chosen, sheets=tuple(holding))


def _member_of(archive: zipfile.ZipFile, sheet: str) -> str:
    members = _sheet_members(archive)
    for name, member in members:
        if name == sheet:
            return member
    if not sheet and members:
        return members[0][1]
    raise _not_a_workbook()


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """``A2:B5`` as (first row, last row, first column index, last column index)."""
    parts = ref.split(":")
    if len(parts) != 2:
        return None
    first, last = _CELL_REF.match(parts[0]), _CELL_REF.match(parts[1])
    if first is None or last is None:
        return None
    return (
        int(first.group(2)),
        int(last.group(2)),
        _column_index(first.group(1)),
        _column_index(last.group(1)),
    )


class _Merges:
    """Merged regions of a sheet, applied row by row as the rows stream past (read-only openpyxl
    gives a region's value in its top-left cell only and leaves the rest empty).

    A region over several rows fills its first column's value down into each row it covers (a
    customer's name merged over the rows of its contacts belongs to each of them); columns a
    region covers to the right of its first stay empty. Either way the row says so."""

    def __init__(self, refs: list[str]) -> None:
        self.by_start: dict[int, list[tuple[int, int, int, str]]] = {}
        for ref in refs:
            bounds = _bounds(ref)
            if bounds is None:
                continue
            top, bottom, left, right = bounds
            if bottom > top or right > left:
                self.by_start.setdefault(top, []).append((bottom, left, right, ref))
        # Regions under way: (top, bottom, left, right, ref, value)
        self.active: list[tuple[int, int, int, int, str, str]] = []

    def apply(self, number: int, cells: Cells, headers: list[str]) -> None:
        for bottom, left, right, ref in self.by_start.pop(number, ()):
            value = cells[left] if left < len(cells) else ""
            if value:
                self.active.append((number, bottom, left, right, ref, value))
        if not self.active:
            return
        self.active = [region for region in self.active if number <= region[1]]
        for top, _bottom, left, right, ref, value in self.active:
            column = headers[left] if left < len(headers) else ""
            if number > top:
                while len(cells) <= left:
                    cells.append("")
                if not cells[left]:
                    cells[left] = value
                    cells.notes.append(
                        Note(
                            "warning",
                            left,
                            column,
                            _("Filled in from the merged cell %(ref)s above: “%(value)s”.")
                            % {"ref": ref, "value": _short(value)},
                        )
                    )
            covered = ", ".join(f"“{headers[i]}”" for i in range(left + 1, right + 1) if i < len(headers))
            if covered:
                cells.notes.append(
                    Note(
                        "warning",
                        left,
                        column,
                        _(
                            "This cell is merged across %(columns)s (%(ref)s); "
                            "those columns were read as empty."
                        )
                        % {"columns": covered, "ref": ref},
                    )
                )


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _xlsx_rows(path: Path, sheet: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException for bad files
        raise _not_a_workbook() from exc
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise _not_a_workbook()
            worksheet: Any = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        for row in worksheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in row]
    finally:
        workbook.close()


def _merges_of(path: Path, sheet: str) -> list[str]:
    with _open_zip(path) as archive:
        return scan_sheet(archive, _member_of(archive, sheet)).merges


def _raw_rows(path: Path, info: FileInfo) -> Iterator[list[str]]:
    return _xlsx_rows(path, info.sheet) if info.format == "xlsx" else _csv_rows(path, info)


def _trimmed(cells: list[str]) -> list[str]:
    headers = [cell.strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def iter_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, Cells]]:
    """``(row_number, cells)`` for each data row; the header is row 1. Blank rows are left out.

    Each row's ``notes`` say what a person should know about its cells (see the module)."""
    merges = _Merges(_merges_of(path, info.sheet)) if info.format == "xlsx" else None
    headers: list[str] = []
    width = 0
    for number, raw in enumerate(_raw_rows(path, info), start=1):
        if number == 1:
            headers = _trimmed(raw)
            width = len(headers)
            continue
        cells = Cells(raw)
        if merges is not None and (merges.by_start or merges.active):
            merges.apply(number, cells, headers)
        if not any(cells):
            continue
        beyond = [(i, text) for i, text in enumerate(cells[width:], start=width) if text]
        if beyond:
            cells.notes.append(
                Note(
                    "warning",
                    beyond[0][0],
                    "",
                    ngettext(
                        "This row has %(n)d cell beyond the last named column, which was not "
                        "imported: %(cells)s. Give its column a name in the first row to import it.",
                        "This row has %(n)d cells beyond the last named column, which were not "
                        "imported: %(cells)s. Give their columns a name in the first row to import them.",
                        len(beyond),
                    )
                    % {"n": len(beyond), "cells": ", ".join(f"“{_short(text)}”" for _i, text in beyond[:5])},
                )
            )
        for index, text in enumerate(cells[:width]):
            if len(text) > MAX_CELL_CHARS:
                cells.notes.append(
                    Note(
                        "error",
                        index,
                        headers[index],
                        _(
                            "This cell is longer than %(limit)s characters (it has %(length)s). If it "
                            "should not be, look for a quotation mark that is opened and never closed."
                        )
                        % {"limit": f"{MAX_CELL_CHARS:,}", "length": f"{len(text):,}"},
                    )
                )
        yield number, cells


def read_headers(path: Path, info: FileInfo) -> list[str]:
    for cells in _raw_rows(path, info):
        headers = _trimmed(cells)
        if not headers:
            break
        for header in headers:
            if len(header) > 255:
                raise UnreadableFile(
                    _("The first row must name the columns; a name of %(n)s characters is not a name.")
                    % {"n": f"{len(header):,}"}
                )
        return headers
    raise UnreadableFile(_("The file is empty: the first row must name the columns."))


def _too_many_rows() -> TooLarge:
    return TooLarge(
        _("This file has more than %(limit)s rows, more than an import takes: split it into smaller files.")
        % {"limit": f"{max_rows():,}"}
    )


def count_rows(path: Path, info: FileInfo, *, limit: int | None = None) -> int:
    """The data rows (blank rows left out), counting no further than ``limit``: more is refused.

    A workbook's rows are counted by scanning its sheet's XML, which is many times faster than
    reading the cells; a CSV's by the CSV reader itself (quoted line breaks count right)."""
    if info.format == "xlsx":
        with _open_zip(path) as archive:
            member = _member_of(archive, info.sheet)
            scan = scan_sheet(archive, member, limit=limit)
        if scan.stopped:
            raise _too_many_rows()
        return scan.data_rows
    count = 0
    for number, cells in enumerate(_csv_rows(path, info), start=1):
        if number == 1 or not any(cells):
            continue
        count += 1
        if limit is not None and count > limit:
            raise _too_many_rows()
    return count


def preview(path: Path, info: FileInfo, limit: int = 5) -> list[list[str]]:
    out: list[list[str]] = []
    for _number, cells in iter_rows(path, info):
        out.append(list(cells))
        if len(out) >= limit:
            break
    return out
