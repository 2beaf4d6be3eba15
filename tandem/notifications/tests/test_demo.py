from __future__ import annotations

import pytest

from tandem.conftest import World
from tandem.notifications.demo import seed_notifications
from tandem.notifications.models import Preference, TeamRobot, WebhookSubscription

pytestmark = pytest.mark.django_db


def test_the_demo_adds_inactive_examples_once(world: World) -> None:
    first = seed_notifications()
    assert first.webhooks == 1 and first.robots == 1 and first.preferences >= 1
    assert not WebhookSubscription.objects.filter(active=True).exists()
    assert not TeamRobot.objects.filter(active=True).exists()
    counts = (Preference.objects.count(), WebhookSubscription.objects.count(), TeamRobot.objects.count())
    again = seed_notifications()
    assert "nothing added" in again.summary_line()
    assert counts == (
        Preference.objects.count(),
        WebhookSubscription.objects.count(),
        TeamRobot.objects.count(),
    )
