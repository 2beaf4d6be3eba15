"""Pieces the list rows written in Python share (the deal, account, contact and lead rows)."""

from __future__ import annotations

import datetime
from typing import Any

from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.html import conditional_escape as e

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
