"""Sane bounds for the dates and instants people type: a next follow-up of 0001-01-01 ("overdue
739,954 days") or a close date in 9999 is a slip of the keyboard, not a plan.

Every business date in forms, the API and imports lies between ``EARLIEST`` and ``LATEST``; a
birthday is not in the future. The same validators serve Django forms and DRF serializers (DRF
runs Django validators and answers 400 with the message on the field).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def _day(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def date_in_range(value: datetime.date) -> bool:
    return EARLIEST <= value <= LATEST


def parse_day(text: str | None) -> datetime.date | None:
    """The ISO date ``text`` names when it lies between 1900-01-01 and 2100-12-31; None for anything
    else (a page's ``?date=`` that is missing, unreadable, or a day no page can step past)."""
    try:
        day = datetime.date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if date_in_range(day) else None


def validate_business_date(value: Any) -> None:
    """A date or instant between 1900-01-01 and 2100-12-31."""
    day = _day(value)
    if day is not None and not date_in_range(day):
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def validate_past_date(value: Any) -> None:
    """A birthday: from 1900-01-01 up to today."""
    day = _day(value)
    if day is None:
        return
    validate_business_date(day)
    if day > timezone.localdate():
        raise ValidationError(_("This date cannot be in the future."), code="date_in_future")


BUSINESS_DATE = [validate_business_date]
PAST_DATE = [validate_past_date]
