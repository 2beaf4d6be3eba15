"""Pieces the list rows written in Python share (the deal, account, contact and lead rows)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.template.defaultfilters import date as format_date
from django.utils import timezone
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
    return str(e(format_date(local_time(value), "SHORT_DATE_FORMAT"))) if value else ""


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
