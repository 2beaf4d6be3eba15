"""The demo forecasts: submissions, adjustments and weekly snapshots, added once."""

from __future__ import annotations

import pytest

from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.forecasts import selectors
from tandem.forecasts.demo import seed_forecasts
from tandem.forecasts.models import ForecastAdjustment, ForecastSnapshot, ForecastSubmission
from tandem.forecasts.tests.factories import open_deal

pytestmark = pytest.mark.django_db


def test_the_demo_forecasts_tell_a_story_once(world: World) -> None:
    period = selectors.current_period()
    open_deal(
        world.owner, amount="90000", stage="Negotiation", close=period.end, forecast_category="pipeline"
    )
    first = seed_forecasts()
    assert first.submissions >= 3 and first.adjustments >= 1 and first.snapshots > 0
    assert ForecastSubmission.objects.filter(period=period.key).exists()
    assert ForecastAdjustment.objects.exclude(reason="").count() == first.adjustments
    assert ForecastSnapshot.objects.filter(subject="company").values("taken_on").distinct().count() == 12
    assert Deal.objects.get(owner=world.owner).forecast_category == "commit"  # its stage's
    again = seed_forecasts()
    assert again.complete_already and ForecastSubmission.objects.count() == first.submissions
    points = selectors.forecast_movement(actor=world.actor(world.director), period=period)
    assert points and points[-1].submitted is not None
