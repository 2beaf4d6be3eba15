"""Meetings for tests, made through the services (so each has its calendar event)."""

from __future__ import annotations

import datetime
from typing import Any

from tandem.conftest import World
from tandem.org.models import User

from .. import services
from ..models import Meeting, MeetingSeries

# A Monday 09:30 in Shanghai, long before any test's "now".
MONDAY = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)


def meeting(world: World, *, by: User | None = None, **kwargs: Any) -> Meeting:
    starts = kwargs.pop("starts_at", datetime.datetime(2030, 1, 7, 1, 30, tzinfo=datetime.UTC))
    values: dict[str, Any] = {
        "team": world.east_sales,
        "title": "Deal review",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=1),
        "time_zone": "Asia/Shanghai",
    }
    values.update(kwargs)
    return services.meeting_create(actor=world.actor(by or world.manager), **values)


def series(world: World, *, now: datetime.datetime, **kwargs: Any) -> MeetingSeries:
    values: dict[str, Any] = {
        "team": world.east_sales,
        "title": "Weekly sales meeting",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "first_starts_at": MONDAY,
        "duration_minutes": 60,
        "time_zone": "Asia/Shanghai",
        "place": "Room 3",
    }
    values.update(kwargs)
    return services.series_create(actor=world.actor(world.manager), now=now, **values)
