"""Shared bits of the work-report tests: fixed past days (no wall clock), clients, rules."""

from __future__ import annotations

import datetime
from typing import Any

from rest_framework.test import APIClient

from tandem.org.models import User

from ..models import ReportKind, SubmissionRule

# A Wednesday well in the past: every period around it has started, whatever today is.
WEDNESDAY = datetime.date(2026, 3, 11)
UTC = datetime.UTC


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


def as_(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def daily_rule(team: Any, **kwargs: Any) -> SubmissionRule:
    return SubmissionRule.objects.create(
        kind=ReportKind.DAILY, team=team, due_time=datetime.time(18, 0), remind_minutes_before=60, **kwargs
    )


ANSWERS = {"done": "Visited two customers.", "plan": "Call Acme about the tender.", "problems": ""}
