"""Months, quarters and years on the company's fiscal calendar.

A fiscal year starts in ``CompanySettings.fiscal_year_start_month`` (1 = January: the calendar
year). **A fiscal year is named by the calendar year it starts in**: with an April start,
FY2026 runs from 2026-04-01 to 2027-03-31, and its first quarter (``2026-Q1``) is April to June
2026. Months are calendar months whatever the fiscal year.

Keys are stable strings for URLs, APIs and stored references: ``2026-03`` (a month),
``2026-Q1`` (a fiscal quarter), ``2026`` (a fiscal year). Labels are for people, in the active
language: "Mar 2026" / "2026年3月", "Q1 2026" / "2026年第1季度", and with a fiscal year that
does not start in January "FY2026 Q1" / "2026财年第1季度", so nobody mistakes it for a calendar
quarter.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tandem.core import dates

from . import company

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
KIND_MONTHS = {MONTH: 1, QUARTER: 3, YEAR: 12}

_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return add_months(day, 1) - datetime.timedelta(days=1)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of every month that ``start``..``end`` (inclusive) touches."""
    months = []
    current = month_start(start)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def fiscal_year_of(day: datetime.date, fiscal_start: int) -> int:
    """The fiscal year (named by the calendar year it starts in) that ``day`` falls in."""
    return day.year if day.month >= fiscal_start else day.year - 1


@dataclass(frozen=True, order=True)
class Period:
    """A month, a fiscal quarter or a fiscal year: ``start`` to ``end``, both inclusive."""

    start: datetime.date
    end: datetime.date
    kind: str
    fiscal_start: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.fiscal_start <= 12:
            raise ValueError(f"fiscal_start must be a month 1-12, not {self.fiscal_start!r}")

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.start, self.fiscal_start)

    @property
    def quarter(self) -> int:
        """1-4: the fiscal quarter the period starts in."""
        offset = (self.start.month - self.fiscal_start) % 12
        return offset // 3 + 1

    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.fiscal_year}-Q{self.quarter}"
        return f"{self.fiscal_year}"

    def label(self) -> str:
        """The period for people, in the active language."""
        if self.kind == MONTH:
            return _("%(month)s %(year)d") % {"month": _month_name(self.start.month), "year": self.start.year}
        if self.fiscal_start == 1:
            if self.kind == QUARTER:
                return _("Q%(quarter)d %(year)d") % {"quarter": self.quarter, "year": self.fiscal_year}
            return pgettext("calendar year", "%(year)d") % {"year": self.fiscal_year}
        if self.kind == QUARTER:
            return _("FY%(year)d Q%(quarter)d") % {"quarter": self.quarter, "year": self.fiscal_year}
        return _("FY%(year)d") % {"year": self.fiscal_year}

    def __str__(self) -> str:
        return self.key

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        return period_containing(
            self.end + datetime.timedelta(days=1), self.kind, fiscal_start=self.fiscal_start
        )

    def previous(self) -> Period:
        return period_containing(
            self.start - datetime.timedelta(days=1), self.kind, fiscal_start=self.fiscal_start
        )

    def months(self) -> list[Period]:
        return [
            Period(start=m, end=month_end(m), kind=MONTH, fiscal_start=self.fiscal_start)
            for m in months_between(self.start, self.end)
        ]

    def quarters(self) -> list[Period]:
        """The fiscal quarters the period touches (a month: its quarter)."""
        return periods_between(self.start, self.end, QUARTER, fiscal_start=self.fiscal_start)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def elapsed_fraction(self, today: datetime.date) -> float:
        """How much of the period has passed by the end of ``today`` (0 before it, 1 after it)."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / self.days


def _month_name(month: int) -> str:
    names = [
        pgettext("month", "Jan"),
        pgettext("month", "Feb"),
        pgettext("month", "Mar"),
        pgettext("month", "Apr"),
        pgettext("month", "May"),
        pgettext("month", "Jun"),
        pgettext("month", "Jul"),
        pgettext("month", "Aug"),
        pgettext("month", "Sep"),
        pgettext("month", "Oct"),
        pgettext("month", "Nov"),
        pgettext("month", "Dec"),
    ]
    return names[month - 1]


def period_containing(day: datetime.date, kind: str, *, fiscal_start: int | None = None) -> Period:
    """The month, fiscal quarter or fiscal year that ``day`` falls in.

    ``fiscal_start`` defaults to the company's (``company.company_settings``).
    """
    if fiscal_start is None:
        fiscal_start = _company_fiscal_start()
    if kind == MONTH:
        start = month_start(day)
    elif kind == QUARTER:
        offset = (day.month - fiscal_start) % 12
        start = add_months(month_start(day), -(offset % 3))
    elif kind == YEAR:
        start = datetime.date(fiscal_year_of(day, fiscal_start), fiscal_start, 1)
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    end = add_months(start, KIND_MONTHS[kind]) - datetime.timedelta(days=1)
    return Period(start=start, end=end, kind=kind, fiscal_start=fiscal_start)


def period_from_key(key: str, *, fiscal_start: int | None = None) -> Period:
    """The period a key names (``2026-03``, ``2026-Q1``, ``2026``); ``ValueError`` when it names none."""
    match = _KEY.match(key.strip()) if isinstance(key, str) else None
    if match is None:
        raise ValueError(f"not a period key: {key!r}")
    if fiscal_start is None:
        fiscal_start = _company_fiscal_start()
    year = int(match["year"])
    # The years every business date lies in (core.dates): the year 1 has no year before it to
    # page back to, and the year 9999 none after.
    if not dates.EARLIEST.year <= year <= dates.LATEST.year:
        raise ValueError(f"not a period key: {key!r}")
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"not a period key: {key!r}")
        return period_containing(datetime.date(year, month, 1), MONTH, fiscal_start=fiscal_start)
    first = datetime.date(year, fiscal_start, 1)
    if match["quarter"]:
        return period_containing(
            add_months(first, 3 * (int(match["quarter"]) - 1)), QUARTER, fiscal_start=fiscal_start
        )
    return period_containing(first, YEAR, fiscal_start=fiscal_start)


def periods_between(
    start: datetime.date, end: datetime.date, kind: str, *, fiscal_start: int | None = None
) -> list[Period]:
    """Every period of ``kind`` that ``start``..``end`` touches, in order."""
    if fiscal_start is None:
        fiscal_start = _company_fiscal_start()
    found = []
    current = period_containing(start, kind, fiscal_start=fiscal_start)
    while current.start <= end:
        found.append(current)
        current = current.next()
    return found


def _company_fiscal_start() -> int:
    return company.company_settings().fiscal_year_start_month
