"""Pieces the list rows written in Python share (the deal, account, contact and lead rows)."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.signals import setting_changed
from django.db import models
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.html import conditional_escape as e
from django.utils.translation import get_language

T = TypeVar("T")

NONE = '<span class="text-secondary">—</span>'
"""An empty cell's dash, as the templates wrote it."""


def local_time(value: Any) -> Any:
    """An aware date and time in the current time zone, as the ``date`` filter shows it; any
    other value as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def short_date(value: Any) -> str:
    """``{{ value|date:"SHORT_DATE_FORMAT" }}``, escaped: "" for none."""
    if not value:
        return ""
    value = local_time(value)
    return day(value.date() if isinstance(value, datetime.datetime) else value, "SHORT_DATE_FORMAT")


def day(value: datetime.date, format_name: str = "DATE_FORMAT") -> str:
    """``{{ value|date:format_name }}`` of a calendar day, escaped.

    A page's rows repeat a few hundred days at most, and Django's date formatting was the
    costliest part of a deal row's cells, so a day's text is kept per language and format. A
    date and time depends on the time zone too and is formatted each time."""
    if type(value) is not datetime.date:
        return str(e(format_date(local_time(value), format_name)))
    return _day(get_language(), format_name, value)


@functools.lru_cache(maxsize=4096)
def _day(language: str | None, format_name: str, value: datetime.date) -> str:
    return str(e(format_date(value, format_name)))


def moment(value: datetime.datetime, format_name: str = "DATETIME_FORMAT") -> str:
    """``{{ value|date:format_name }}`` of a date and time in the current time zone, escaped.

    Where the language's format is a day's format followed by " H:i" (as "M j, Y H:i" and
    "Y-m-d H:i" are), the day's part is the kept text of ``day`` and the time is Python's."""
    local = local_time(value)
    if not isinstance(local, datetime.datetime):
        return day(local, format_name)
    language = get_language()
    day_format = _day_part(language, format_name)
    if day_format is None:
        return str(e(format_date(local, format_name)))
    return f"{_day(language, day_format, local.date())} {local:%H:%M}"


# The format characters of Django's ``date`` that read only a calendar day.
DAY_CHARACTERS = frozenset("dDjlNSwzWFmMnyYotLE")


@functools.lru_cache(maxsize=64)
def _day_part(language: str | None, format_name: str) -> str | None:
    """The day's format before a trailing " H:i" of ``format_name`` in ``language``, or None
    when the format is anything else."""
    written = str(get_format(format_name))
    if not written.endswith(" H:i"):
        return None
    head = written[: -len(" H:i")]
    if "\\" in head or any(c.isascii() and c.isalpha() and c not in DAY_CHARACTERS for c in head):
        return None
    return head


def label(record: models.Model, field_name: str) -> str:
    """``record.get_<field>_display()``: the label of the field's stored choice in the active
    language, or the stored value when it is not a choice; "" for none. The labels of a field
    are read once a language rather than translated for every row."""
    value = getattr(record, field_name)
    found = _labels(get_language(), record._meta.get_field(field_name)).get(value, value)
    return "" if found is None else str(found)


@functools.lru_cache(maxsize=256)
def _labels(language: str | None, field: models.Field) -> dict[Any, str]:
    return {value: str(text) for value, text in field.flatchoices}


def two_places(amount: Decimal) -> str:
    """``number_format(amount, decimal_pos=2, force_grouping=True)``: "1,234,567.00".

    Where the language writes numbers as Python does (a point, commas, groups of three, as
    both of Tandem's do) and the amount has at most two decimal places, as every stored amount
    has, Python's own formatting gives the same text in a fraction of the time."""
    _sign, digits, exponent = amount.as_tuple()
    if (
        isinstance(exponent, int)
        and exponent >= -2
        and len(digits) + exponent <= 30
        and _python_separators(get_language())
    ):
        return f"{amount:,.2f}"
    return number_format(amount, decimal_pos=2, force_grouping=True)


@functools.lru_cache(maxsize=16)
def _python_separators(language: str | None) -> bool:
    return (
        get_format("DECIMAL_SEPARATOR"),
        get_format("THOUSAND_SEPARATOR"),
        get_format("NUMBER_GROUPING"),
    ) == (
        ".",
        ",",
        3,
    )


def _forget(**kwargs: Any) -> None:
    """The days and labels kept above depend on settings (formats, languages): a test that
    changes one starts afresh."""
    _day.cache_clear()
    _day_part.cache_clear()
    _labels.cache_clear()
    _python_separators.cache_clear()


setting_changed.connect(_forget, dispatch_uid="tandem.core.cells.forget")


def once_a_language(build: Callable[[], T]) -> Callable[[], T]:
    """``build``, called once a process for each active language and kept: the translated words
    and badges every row repeats."""
    kept: dict[str | None, T] = {}

    def get() -> T:
        language = get_language()
        if language not in kept:
            kept[language] = build()
        return kept[language]

    return get
