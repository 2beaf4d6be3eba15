from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from tandem.core.models import Notification

from ..models import Platform, TeamRobot, WebhookSubscription

# A public address (documentation range is "reserved"; this one is an ordinary public IP): tests
# never reach it — the transport is replaced in every test that sends.
PUBLIC_URL = "https://93.184.215.14/hooks/tandem"


class WebhookFactory(DjangoModelFactory[WebhookSubscription]):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"Hook {n}")
    url = PUBLIC_URL
    event_types: Any = factory.LazyFunction(list)
    active = True


class RobotFactory(DjangoModelFactory[TeamRobot]):
    class Meta:
        model = TeamRobot

    name = factory.Sequence(lambda n: f"Robot {n}")
    platform = Platform.SLACK
    url = PUBLIC_URL
    secret = ""
    event_types: Any = factory.LazyFunction(list)
    include_subteams = True
    active = True


class NotificationFactory(DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    kind = "deal_assigned"
    title = factory.Sequence(lambda n: f"Notice {n}")
    url = "/deals/"
