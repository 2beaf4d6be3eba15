"""Reading CSV and XLSX files as a stream of rows, whatever system wrote them.

CSV: the encoding is found by trying UTF-8 (with or without BOM), then GB18030 (what Chinese Excel
writes), then Latin-1 (which accepts any bytes); the delimiter by ``csv.Sniffer`` on a sample,
falling back to a comma. XLSX: the first sheet, values only, in openpyxl's read-only mode.
Rows are yielded one at a time, so a 100,000-row file is never held in memory as objects.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

ENCODINGS = ("utf-8-sig", "gb18030", "latin-1")
SAMPLE_BYTES = 64 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_BYTES = frozenset(b for b in range(32) if b not in (9, 10, 12, 13))  # not tab, newlines, form feed
DELIMITERS = ",;\t|"


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX file we can read; the message says why, in the person's language."""


@dataclass(frozen=True)
class FileInfo:
    format: str
    encoding: str = ""
    delimiter: str = ""


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


def inspect(path: Path, name: str) -> FileInfo:
    fmt = format_of(name)
    if fmt == "xlsx":
        return FileInfo(format="xlsx")
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


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    """Lines with NUL characters dropped: no database text holds one, and PostgreSQL refuses them."""
    for line in lines:
        yield line.replace("\x00", "") if "\x00" in line else line


def _csv_rows(path: Path, info: FileInfo) -> Iterator[list[str]]:
    with path.open("r", encoding=info.encoding or "utf-8-sig", newline="") as handle:
        for row in csv.reader(_without_nul(handle), delimiter=info.delimiter or ","):
            yield [cell.strip() for cell in row]


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException for bad files
        raise UnreadableFile(_("This is not an Excel workbook (.xlsx) we can read.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in row]
    finally:
        workbook.close()


def iter_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """``(row_number, cells)`` for each data row; the header is row 1. Blank rows are left out."""
    rows = _xlsx_rows(path) if info.format == "xlsx" else _csv_rows(path, info)
    for number, cells in enumerate(rows, start=1):
        if number == 1:
            continue
        if not any(cells):
            continue
        yield number, cells


def read_headers(path: Path, info: FileInfo) -> list[str]:
    rows = _xlsx_rows(path) if info.format == "xlsx" else _csv_rows(path, info)
    for cells in rows:
        headers = [cell.strip() for cell in cells]
        while headers and not headers[-1]:
            headers.pop()
        if not headers:
            break
        return headers
    raise UnreadableFile(_("The file is empty: the first row must name the columns."))


def count_rows(path: Path, info: FileInfo) -> int:
    return sum(1 for _row in iter_rows(path, info))


def preview(path: Path, info: FileInfo, limit: int = 5) -> list[list[str]]:
    out: list[list[str]] = []
    for _number, cells in iter_rows(path, info):
        out.append(cells)
        if len(out) >= limit:
            break
    return out


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    """A small CSV (UTF-8 with BOM, so Excel opens Chinese text correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
