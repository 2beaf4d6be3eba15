"""Whole days since a moment, in the reader's time zone: a pool card's "in the pool 3 days"."""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from tandem.core.templatetags.tandem import days_since


def test_it_counts_whole_days_in_the_readers_time_zone() -> None:
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    with timezone.override(shanghai):
        today = timezone.localdate()
        just_after_midnight = datetime.datetime.combine(today, datetime.time(0, 5), tzinfo=shanghai)
        assert days_since(just_after_midnight) == 0
        assert days_since(just_after_midnight - datetime.timedelta(minutes=10)) == 1  # yesterday, 23:55
        assert days_since(today - datetime.timedelta(days=30)) == 30


def test_it_reads_nothing_and_the_future_as_no_days() -> None:
    assert days_since(None) == 0
    assert days_since(timezone.now() + datetime.timedelta(days=2)) == 0
