"""Report periods and due times, in a person's own time zone.

A daily report covers one day, a weekly one Monday to Sunday, a monthly one the calendar month:
dates as the author lives them (a rep in Shanghai and one in New York each have their own
"today"). A rule's due time is a local time on the period's due day: every working day for daily
reports, the rule's weekday for weekly ones, the month's last working day for monthly ones.
"""

from __future__ import annotations

import calendar
import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import ReportKind

DAY = datetime.timedelta(days=1)


def zone_of(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today_for(user: Any, now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(zone_of(user)).date()


def period_for(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of ``kind`` that holds ``day``: (first day, last day)."""
    if kind == ReportKind.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if kind == ReportKind.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


def previous_period_start(kind: str, start: datetime.date) -> datetime.date:
    return period_for(kind, start - DAY)[0]


def recent_periods(kind: str, day: datetime.date, n: int) -> list[tuple[datetime.date, datetime.date]]:
    """The ``n`` periods up to the one holding ``day``, oldest first."""
    out = [period_for(kind, day)]
    while len(out) < n:
        out.append(period_for(kind, out[-1][0] - DAY))
    return list(reversed(out))


def bounds(
    user: Any, start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants [start 00:00, the day after end 00:00) in the person's zone."""
    zone = zone_of(user)
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + DAY, datetime.time.min, tzinfo=zone)
    return low, high


def due_day(rule: Any, start: datetime.date, end: datetime.date) -> datetime.date | None:
    """The day in the period a rule wants the report: None when it wants none (a weekend day)."""
    working = set(rule.working_days or [])
    if rule.kind == ReportKind.DAILY:
        return start if start.weekday() in working else None
    if rule.kind == ReportKind.WEEKLY:
        return start + datetime.timedelta(days=min(max(rule.weekday, 0), 6))
    day = end
    while day >= start:
        if day.weekday() in working:
            return day
        day -= DAY
    return end


def due_at(rule: Any, person: Any, start: datetime.date, end: datetime.date) -> datetime.datetime | None:
    day = due_day(rule, start, end)
    if day is None:
        return None
    return datetime.datetime.combine(day, rule.due_time, tzinfo=zone_of(person))
