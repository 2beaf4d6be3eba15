"""The demo company's calendar: this week's visits, meetings, a call, training and 团建, a weekly
meeting with a moved occurrence, invitations in several states, one overloaded rep; added once."""

from __future__ import annotations

import pytest

from tandem.core.access import Actor
from tandem.core.tests.snapshot import seed_demo
from tandem.org.models import User

from .. import workload
from ..demo import seed_schedule
from ..models import Attendee, Event

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("crm-demo")]


def test_the_demo_plans_a_live_week_with_one_rep_overloaded_and_a_rerun_adds_nothing() -> None:
    out = seed_demo()
    assert "Calendar:" in out
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"visit", "meeting", "call", "training", "team_building"} <= kinds
    assert Event.objects.filter(series__isnull=False).exists()
    assert Event.objects.filter(status="cancelled").exists()
    assert {"accepted", "declined", "tentative", "needs_action"} <= set(
        Attendee.objects.values_list("response", flat=True)
    )
    assert Event.objects.filter(kind="visit", record_type="account").exists()
    rep = User.objects.get(username="rep")
    week = workload.parse_week(None, "Asia/Shanghai")
    assert workload.load_for([rep], week)[rep.pk].overloaded
    manager = Actor.for_user(User.objects.get(username="manager"))
    team = workload.teams_for(manager)[0]
    assert rep in workload.people_for(manager, team)
    count = Event.objects.count()
    assert seed_schedule().skipped
    assert Event.objects.count() == count
