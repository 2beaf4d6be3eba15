"""Months, quarters and years on the fiscal calendar: boundaries, keys, labels in both languages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from tandem.kpis import periods
from tandem.kpis.company import company_settings
from tandem.kpis.models import CompanySettings
from tandem.kpis.periods import MONTH, QUARTER, YEAR, Period, period_containing, period_from_key

D = datetime.date


def test_a_calendar_quarter_has_its_months_key_and_label() -> None:
    q = period_containing(D(2026, 5, 17), QUARTER, fiscal_start=1)
    assert (q.start, q.end, q.key) == (D(2026, 4, 1), D(2026, 6, 30), "2026-Q2")
    assert [m.key for m in q.months()] == ["2026-04", "2026-05", "2026-06"]
    assert q.label() == "Q2 2026"
    with translation.override("zh-hans"):
        assert q.label() == "2026年第2季度"
        assert q.months()[0].label() == "2026年4月"
        assert period_containing(D(2026, 1, 1), YEAR, fiscal_start=1).label() == "2026年"
    assert q.months()[0].label() == "Apr 2026"
    assert period_containing(D(2026, 1, 1), YEAR, fiscal_start=1).label() == "2026"


def test_a_fiscal_year_is_named_by_the_calendar_year_it_starts_in() -> None:
    year = period_containing(D(2026, 2, 10), YEAR, fiscal_start=4)
    assert (year.start, year.end, year.key) == (D(2025, 4, 1), D(2026, 3, 31), "2025")
    quarter = period_containing(D(2026, 2, 10), QUARTER, fiscal_start=4)
    assert (quarter.start, quarter.end, quarter.key) == (D(2026, 1, 1), D(2026, 3, 31), "2025-Q4")
    assert period_containing(D(2026, 4, 1), QUARTER, fiscal_start=4).key == "2026-Q1"
    assert quarter.label() == "FY2025 Q4"
    assert year.label() == "FY2025"
    with translation.override("zh-hans"):
        assert quarter.label() == "2025财年第4季度"
        assert year.label() == "2025财年"
    assert [q.key for q in year.quarters()] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert len(year.months()) == 12 and year.months()[0].key == "2025-04"


@pytest.mark.parametrize("fiscal_start", [1, 2, 4, 7, 10, 12])
def test_periods_tile_the_calendar_without_gaps_or_overlaps(fiscal_start: int) -> None:
    for kind in (MONTH, QUARTER, YEAR):
        period = period_containing(D(2024, 11, 30), kind, fiscal_start=fiscal_start)
        for _ in range(30):
            after = period.next()
            assert after.start == period.end + datetime.timedelta(days=1)
            assert after.previous() == period
            assert period_from_key(period.key, fiscal_start=fiscal_start) == period
            assert period.contains(period.start) and period.contains(period.end)
            period = after


def test_a_key_that_names_no_period_is_refused() -> None:
    for key in ("2026-13", "2026-Q5", "26-Q1", "2026-1", "Q1-2026", "", "0000", "0001", "1899-12", "2101-Q1"):
        with pytest.raises(ValueError):
            period_from_key(key, fiscal_start=1)
    # The years every business date lies in, and the years beside them to page to.
    first, last = period_from_key("1900", fiscal_start=4), period_from_key("2100-12", fiscal_start=4)
    assert (first.previous().start, last.next().end) == (
        datetime.date(1899, 4, 1),
        datetime.date(2101, 1, 31),
    )


def test_the_fiscal_start_defaults_to_the_companys(db: None) -> None:
    CompanySettings.objects.filter(pk=company_settings().pk).update(fiscal_year_start_month=7)
    assert period_containing(D(2026, 7, 1), QUARTER).key == "2026-Q1"
    assert period_from_key("2026-Q1").start == D(2026, 7, 1)
    assert [p.key for p in periods.periods_between(D(2026, 6, 15), D(2026, 7, 15), QUARTER)] == [
        "2025-Q4",
        "2026-Q1",
    ]


def test_elapsed_fraction_counts_whole_days_of_the_period() -> None:
    month = Period(start=D(2026, 4, 1), end=D(2026, 4, 30), kind=MONTH)
    assert month.elapsed_fraction(D(2026, 3, 31)) == 0
    assert month.elapsed_fraction(D(2026, 4, 15)) == 0.5
    assert month.elapsed_fraction(D(2026, 4, 30)) == 1
    assert month.days == 30
