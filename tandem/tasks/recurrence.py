"""Recurring tasks: the RFC 5545 RRULE subset Tandem offers, and the next due time of a series.

A rule is stored as RRULE text without DTSTART ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE"). The series
recurs in its assignee's time zone: the next occurrence keeps the wall-clock time of the last one
in that zone, so a task due 09:00 in Berlin stays due 09:00 across the change to summer time.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from dateutil import rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
# No COUNT: each occurrence is reckoned from the one before, so a count could not end a series.
ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL"}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_LABELS = (
    pgettext_lazy("weekday short", "Mon"),
    pgettext_lazy("weekday short", "Tue"),
    pgettext_lazy("weekday short", "Wed"),
    pgettext_lazy("weekday short", "Thu"),
    pgettext_lazy("weekday short", "Fri"),
    pgettext_lazy("weekday short", "Sat"),
    pgettext_lazy("weekday short", "Sun"),
)

# The picker's choices: how often, in words people read.
REPEAT_CHOICES = (
    ("", pgettext_lazy("task repeats", "Does not repeat")),
    ("daily", pgettext_lazy("task repeats", "Every day")),
    ("weekdays", pgettext_lazy("task repeats", "Every weekday (Mon–Fri)")),
    ("weekly", pgettext_lazy("task repeats", "Every week on…")),
    ("monthly", pgettext_lazy("task repeats", "Every month on day…")),
)
NOT_A_RULE = gettext_lazy("Give a repeat rule such as FREQ=WEEKLY;BYDAY=MO.")


@dataclass
class Picked:
    """The picker's view of a rule: ``repeat`` (a REPEAT_CHOICES key), ``interval``, ``days``
    (weekday codes), ``month_day``."""

    repeat: str = ""
    interval: int = 1
    days: tuple[str, ...] = ()
    month_day: int | None = None


def parts_of(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for chunk in rule.strip().removeprefix("RRULE:").split(";"):
        if not chunk:
            continue
        key, sep, value = chunk.partition("=")
        if not sep:
            raise ValidationError({"recurrence": [str(NOT_A_RULE)]})
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def clean(rule: str | None) -> str:
    """The rule in canonical text, or "" for none; ``ValidationError`` on ``recurrence`` when it
    is not one of the rules Tandem repeats by."""
    rule = (rule or "").strip()
    if not rule:
        return ""
    parts = parts_of(rule)
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise ValidationError(
            {"recurrence": [_("Tasks cannot repeat by %(parts)s.") % {"parts": ", ".join(unknown)}]}
        )
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError({"recurrence": [_("Repeat daily, weekly or monthly.")]})
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= 99:
        raise ValidationError({"recurrence": [_("Repeat every 1 to 99 periods.")]})
    text = ";".join(
        f"{k}={parts[k]}" for k in ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL") if k in parts
    )
    try:
        rrule.rrulestr(text, dtstart=datetime.datetime(2020, 1, 1))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError({"recurrence": [str(NOT_A_RULE)]}) from exc
    return text


def build(picked: Picked) -> str:
    """The rule text for what the picker shows."""
    interval = max(1, min(99, picked.interval or 1))
    if picked.repeat == "daily":
        return f"FREQ=DAILY;INTERVAL={interval}"
    if picked.repeat == "weekdays":
        return "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR"
    if picked.repeat == "weekly":
        days = [d for d in WEEKDAYS if d in picked.days]
        return f"FREQ=WEEKLY;INTERVAL={interval}" + (f";BYDAY={','.join(days)}" if days else "")
    if picked.repeat == "monthly":
        day = f";BYMONTHDAY={picked.month_day}" if picked.month_day else ""
        return f"FREQ=MONTHLY;INTERVAL={interval}{day}"
    return ""


def pick(rule: str) -> Picked:
    """What the picker shows for a stored rule (a rule typed elsewhere falls back to its nearest)."""
    if not rule:
        return Picked()
    try:
        parts = parts_of(rule)
    except ValidationError:
        return Picked()
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    days = tuple(d[-2:] for d in parts.get("BYDAY", "").split(",") if d)
    freq = parts.get("FREQ")
    if freq == "DAILY":
        return Picked("daily", interval)
    if freq == "WEEKLY":
        if set(days) == {"MO", "TU", "WE", "TH", "FR"} and interval == 1:
            return Picked("weekdays", 1, days)
        return Picked("weekly", interval, days)
    if freq == "MONTHLY":
        month_day = parts.get("BYMONTHDAY", "")
        return Picked("monthly", interval, (), int(month_day) if month_day.lstrip("-").isdigit() else None)
    return Picked()


def describe(rule: str) -> str:
    """The rule in words, in the active language."""
    picked = pick(rule)
    if not picked.repeat:
        return ""
    if picked.repeat == "weekdays":
        return str(REPEAT_CHOICES[2][1])
    if picked.repeat == "daily":
        if picked.interval == 1:
            return str(REPEAT_CHOICES[1][1])
        return ngettext("Every %(n)d day", "Every %(n)d days", picked.interval) % {"n": picked.interval}
    if picked.repeat == "weekly":
        days = "、".join(str(WEEKDAY_LABELS[WEEKDAYS.index(d)]) for d in picked.days if d in WEEKDAYS)
        every = (
            _("Every week")
            if picked.interval == 1
            else ngettext("Every %(n)d week", "Every %(n)d weeks", picked.interval) % {"n": picked.interval}
        )
        return f"{every} ({days})" if days else every
    every = (
        _("Every month")
        if picked.interval == 1
        else ngettext("Every %(n)d month", "Every %(n)d months", picked.interval) % {"n": picked.interval}
    )
    if picked.month_day:
        return _("%(every)s on day %(day)d") % {"every": every, "day": picked.month_day}
    return every


def zone_of(user: Any) -> zoneinfo.ZoneInfo:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def next_due(rule: str, due_at: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime | None:
    """The due time after ``due_at`` by ``rule``, reckoned on the wall clock of ``zone``; None when
    the rule has ended (UNTIL, a wall-clock time of ``zone``)."""
    if not rule:
        return None
    local = due_at.astimezone(zone).replace(tzinfo=None)
    try:
        ruleset = rrule.rrulestr(rule, dtstart=local)
    except (ValueError, TypeError, OverflowError):
        return None
    following = ruleset.after(local)
    if following is None:
        return None
    # rrule works in whole seconds: keep the series' own sub-second part.
    return following.replace(microsecond=local.microsecond, tzinfo=zone).astimezone(datetime.UTC)
