"""Shared helpers of the calendar tests: an event made through the services, instants in a zone."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.org.models import User

from .. import services
from ..models import Event


def at(day: str, time: str, zone: str = "Asia/Shanghai") -> datetime.datetime:
    """``at("2026-03-02", "09:00", "America/New_York")``: that wall-clock time in that zone."""
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=zoneinfo.ZoneInfo(zone))


def make(world: World, who: User | None = None, *, attendees: list[User] | None = None, **data: Any) -> Event:
    values = {
        "title": "Weekly sync",
        "kind": "meeting",
        "starts_at": at("2026-12-07", "09:00"),
        "ends_at": at("2026-12-07", "10:00"),
        "time_zone": "Asia/Shanghai",
        **data,
    }
    return services.event_create(
        actor=world.actor(who or world.owner),
        data=values,
        attendees=attendees or [],
        contacts=data.pop("contacts", None),
    )


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client
