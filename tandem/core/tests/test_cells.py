"""The shared pieces of rows written in Python (``core/cells.py``) give exactly what Django's
own formatting gives, in both languages, however often a process has kept them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template.defaultfilters import date as format_date
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.formats import number_format
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import cells
from tandem.deals.models import Deal, DealStatus
from tandem.leads.models import Lead

LANGUAGES = ("en", "zh-hans")

amounts = st.one_of(
    # Every amount a DecimalField(14, 2) stores, as the database hands it back.
    st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2),
    # Any other decimal a caller may pass: more places, no places, exponents, huge and tiny.
    st.decimals(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**40), max_value=10**40).map(Decimal),
)


@settings(max_examples=400, deadline=None)
@given(amount=amounts, language=st.sampled_from(LANGUAGES))
def test_two_places_writes_what_number_format_writes(amount: Decimal, language: str) -> None:
    with translation.override(language):
        assert cells.two_places(amount) == number_format(amount, decimal_pos=2, force_grouping=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_places_groups_and_pads(language: str) -> None:
    with translation.override(language):
        assert cells.two_places(Decimal("1234567.5")) == "1,234,567.50"
        assert cells.two_places(Decimal("0")) == "0.00"
        assert cells.two_places(Decimal("12.345")) == "12.34"  # Django truncates, not rounds


@settings(max_examples=200, deadline=None)
@given(
    value=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
    language=st.sampled_from(LANGUAGES),
    format_name=st.sampled_from(["DATE_FORMAT", "SHORT_DATE_FORMAT", "MONTH_DAY_FORMAT"]),
)
def test_a_day_reads_as_the_date_filter_writes_it(
    value: datetime.date, language: str, format_name: str
) -> None:
    with translation.override(language):
        assert cells.day(value, format_name) == format_date(value, format_name)
        assert cells.day(value, format_name) == format_date(value, format_name)  # kept, the same


def test_a_kept_day_follows_the_language() -> None:
    value = datetime.date(2026, 3, 9)
    with translation.override("en"):
        assert cells.day(value) == "Mar 9, 2026"
    with translation.override("zh-hans"):
        assert cells.day(value) == "2026-03-09"
        assert cells.short_date(value) == "3月9日"


@pytest.mark.django_db
def test_a_date_and_time_is_formatted_in_the_current_time_zone_each_time() -> None:
    at = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    with translation.override("en"), timezone.override("Asia/Shanghai"):
        assert cells.day(at) == format_date(timezone.localtime(at), "DATE_FORMAT") == "Mar 10, 2026"
        assert cells.short_date(at) == "Mar 10"
    with translation.override("en"), timezone.override("UTC"):
        assert cells.day(at) == "Mar 9, 2026"
        assert cells.short_date(at) == "Mar 9"
    assert cells.short_date(None) == ""


def test_what_is_kept_is_forgotten_when_a_setting_changes() -> None:
    with translation.override("en"):
        cells.day(datetime.date(2026, 1, 1))
        cells.two_places(Decimal("1"))
        assert cells._day.cache_info().currsize > 0
        with override_settings(TIME_ZONE="UTC"):
            assert cells._day.cache_info().currsize == 0
            assert cells._python_separators.cache_info().currsize == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_label_is_the_choice_display_in_each_language(language: str) -> None:
    with translation.override(language):
        for status in DealStatus.values:
            deal = Deal(status=status)
            assert cells.label(deal, "status") == deal.get_status_display()
        for source in [value for value, _ in Lead._meta.get_field("source").flatchoices] + [""]:
            lead = Lead(source=source)
            assert cells.label(lead, "source") == lead.get_source_display()
    with translation.override("zh-hans"):
        assert cells.label(Deal(status=DealStatus.WON), "status") == "赢单"


def test_a_value_that_is_not_a_choice_shows_as_it_is() -> None:
    assert cells.label(Deal(status="gone"), "status") == "gone"
    assert cells.label(Lead(source=None), "source") == ""


@settings(max_examples=300, deadline=None)
@given(
    at=st.datetimes(
        min_value=datetime.datetime(1900, 1, 2),
        max_value=datetime.datetime(2100, 12, 30),
        timezones=st.just(datetime.UTC),
    ),
    language=st.sampled_from(LANGUAGES),
    format_name=st.sampled_from(["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"]),
    zone=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]),
)
def test_a_moment_reads_as_the_date_filter_writes_it(
    at: datetime.datetime, language: str, format_name: str, zone: str
) -> None:
    with translation.override(language), timezone.override(zone):
        assert cells.moment(at, format_name) == format_date(timezone.localtime(at), format_name)


def test_a_moment_in_each_language() -> None:
    at = datetime.datetime(2026, 3, 9, 6, 5, tzinfo=datetime.UTC)
    with timezone.override("Asia/Shanghai"):
        with translation.override("en"):
            assert cells.moment(at) == "Mar 9, 2026 14:05"
            assert cells.moment(at, "SHORT_DATETIME_FORMAT") == "Mar 9, 14:05"
        with translation.override("zh-hans"):
            assert cells.moment(at) == "2026-03-09 14:05"
            assert cells.moment(at, "SHORT_DATETIME_FORMAT") == "3月9日 14:05"


def test_a_format_that_is_not_a_day_and_a_time_is_written_by_django() -> None:
    at = datetime.datetime(2026, 3, 9, 6, 5, tzinfo=datetime.UTC)
    with translation.override("en"), timezone.override("UTC"):
        assert cells._day_part("en", "DATETIME_FORMAT") == "M j, Y"
    with translation.override("en-us"), timezone.override("UTC"):
        assert cells._day_part("en-us", "TIME_FORMAT") is None
        assert cells.moment(at, "TIME_FORMAT") == format_date(at, "TIME_FORMAT")
        assert cells.moment(at, "g:i A") == format_date(at, "g:i A") == "6:05 AM"
