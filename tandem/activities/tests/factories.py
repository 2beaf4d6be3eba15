"""Factories for follow-up records."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tandem.activities.models import Activity, ActivityKind
from tandem.customers.services import primary_team_id
from tandem.org.models import Team


class ActivityFactory(DjangoModelFactory[Activity]):
    """A follow-up written by ``author`` (required) an hour ago, team = the author's primary team.

    It is a plain row: it does not touch ``last_follow_up_at`` of the linked records (the
    ``activity_create`` service does).
    """

    class Meta:
        model = Activity

    kind = ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Call {n}")
    content = "Talked about the proposal."
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    author: Any = None
    team = factory.LazyAttribute(
        lambda o: Team.objects.filter(pk=primary_team_id(o.author)).first() if o.author else None
    )
    account: Any = None
    contact: Any = None
    lead: Any = None
    deal: Any = None
