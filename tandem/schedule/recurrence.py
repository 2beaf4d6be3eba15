"""Repeating events: RFC 5545 RRULEs parsed by dateutil, expanded in the event's own time zone.

The rule is expanded over the *local* wall-clock start (naive, in ``event.time_zone``) and each
occurrence is then placed in that zone, so a meeting at 09:00 in New York stays at 09:00 across
the DST change (its UTC instant moves by an hour). Only daily, weekly, monthly and yearly rules
are accepted, and a series yields at most ``MAX_OCCURRENCES`` in any one range.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from dateutil import rrule
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_OCCURRENCES = 1000
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
UTC = datetime.UTC


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError({"time_zone": [_("Unknown time zone.")]}) from exc


def normalise(rule: str) -> str:
    rule = (rule or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    return rule.strip().upper()


def _local(value: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    return value.astimezone(tz).replace(tzinfo=None)


def build(rule: str, starts_at: datetime.datetime, time_zone: str) -> rrule.rrule:
    """The dateutil rule over naive local times; a field error on ``recurrence`` when invalid."""
    tz = zone(time_zone)
    text = normalise(rule)
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise ValidationError({"recurrence": [_("Repeat daily, weekly, monthly or yearly.")]})
    until = parts.get("UNTIL")
    if until and until.endswith("Z"):
        # dateutil wants UNTIL in the start's terms: a naive local time for a naive start.
        try:
            instant = datetime.datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError as exc:
            raise ValidationError({"recurrence": [_("This repeat rule is not valid.")]}) from exc
        parts["UNTIL"] = _local(instant, tz).strftime("%Y%m%dT%H%M%S")
        text = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        result = rrule.rrulestr(text, dtstart=_local(starts_at, tz))
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError({"recurrence": [_("This repeat rule is not valid.")]}) from exc
    if not isinstance(result, rrule.rrule):
        raise ValidationError({"recurrence": [_("This repeat rule is not valid.")]})
    return result


def _aware(local: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def series_end(rule: str, starts_at: datetime.datetime, ends_at: datetime.datetime, time_zone: str) -> Any:
    """The last occurrence's end, or None for a series without an end."""
    built = build(rule, starts_at, time_zone)
    parts = normalise(rule)
    if "COUNT=" not in parts and "UNTIL=" not in parts:
        return None
    last = None
    for n, occurrence in enumerate(built):
        last = occurrence
        if n > 5000:
            return None
    if last is None:
        return ends_at
    return _aware(last, zone(time_zone)) + (ends_at - starts_at)


def occurrences(
    rule: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
) -> list[datetime.datetime]:
    """The UTC starts of the occurrences that overlap ``[window_start, window_end)``."""
    tz = zone(time_zone)
    built = build(rule, starts_at, time_zone)
    duration = ends_at - starts_at
    # Search a little wider in local terms (zone offsets), then filter exactly.
    lo = _local(window_start - duration, tz) - datetime.timedelta(days=1)
    hi = _local(window_end, tz) + datetime.timedelta(days=1)
    found: list[datetime.datetime] = []
    for local in built.xafter(lo, count=MAX_OCCURRENCES * 2, inc=True):
        if local > hi:
            break
        start = _aware(local, tz)
        if start < window_end and start + duration > window_start:
            found.append(start)
            if len(found) >= MAX_OCCURRENCES:
                break
    return found


def is_occurrence(rule: str, starts_at: datetime.datetime, time_zone: str, when: datetime.datetime) -> bool:
    tz = zone(time_zone)
    local = _local(when, tz)
    built = build(rule, starts_at, time_zone)
    return built.after(local, inc=True) == local


FREQ_CHOICES = ("", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def simple_rule(
    freq: str,
    *,
    time_zone: str = "UTC",
    interval: int = 1,
    until: datetime.date | None = None,
    count: int | None = None,
) -> str:
    """The rule the repeat picker builds: every N days/weeks/months/years, until a day (its end in
    the event's zone, written in UTC as RFC 5545 asks) or N times."""
    if not freq:
        return ""
    parts = [f"FREQ={freq}"]
    if interval and interval > 1:
        parts.append(f"INTERVAL={interval}")
    if count:
        parts.append(f"COUNT={count}")
    elif until:
        end = datetime.datetime.combine(until, datetime.time(23, 59, 59), tzinfo=zone(time_zone))
        parts.append(f"UNTIL={end.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    return ";".join(parts)
