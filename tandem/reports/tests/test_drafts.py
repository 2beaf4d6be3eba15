"""Drafts from real activity: the author's own follow-ups, customers, leads, deals and tasks of
the period in their own time zone; the previous report's plan beside them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tandem.activities.models import ActivityKind
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.deals.models import DealStageHistory
from tandem.deals.tests.factories import DealFactory, first_open_stage, stage_named
from tandem.org.models import User
from tandem.tasks.models import Task, TaskStatus

from .. import drafts, periods
from ..defaults import default_template
from ..models import Report, ReportKind, ReportStatus
from .helpers import WEDNESDAY, at

pytestmark = pytest.mark.django_db


def _set_zone(user: User, zone: str, language: str = "en") -> None:
    user.time_zone = zone
    user.language = language
    user.save(update_fields=["time_zone", "language"])


def test_the_day_is_the_authors_own_day_in_a_far_zone(world: World) -> None:
    """17:30 UTC on the 10th is 01:30 on the 11th in Shanghai: it counts on the 11th there, and
    on the 10th for a colleague whose day is UTC's."""
    _set_zone(world.owner, "Asia/Shanghai")
    _set_zone(world.teammate, "UTC")
    ActivityFactory(author=world.owner, occurred_at=at(WEDNESDAY - datetime.timedelta(days=1), 17, 30))
    ActivityFactory(author=world.owner, occurred_at=at(WEDNESDAY, 15, 59), kind=ActivityKind.VISIT)
    ActivityFactory(author=world.owner, occurred_at=at(WEDNESDAY, 16, 1))  # the 12th in Shanghai
    ActivityFactory(author=world.teammate, occurred_at=at(WEDNESDAY - datetime.timedelta(days=1), 17, 30))

    mine = drafts.figures_for(world.owner, WEDNESDAY, WEDNESDAY)
    assert mine["follow_ups"]["count"] == 2
    assert mine["follow_ups"]["by_kind"] == {"call": 1, "visit": 1}

    theirs = drafts.figures_for(world.teammate, WEDNESDAY, WEDNESDAY)
    assert theirs["follow_ups"]["count"] == 0
    day_before = WEDNESDAY - datetime.timedelta(days=1)
    assert drafts.figures_for(world.teammate, day_before, day_before)["follow_ups"]["count"] == 1


def test_deals_won_and_lost_with_amounts_tasks_done_and_stage_moves(world: World) -> None:
    _set_zone(world.owner, "Asia/Shanghai")
    won = DealFactory(
        owner=world.owner, stage=stage_named("Won"), closed_on=WEDNESDAY, amount=Decimal("12000")
    )
    DealFactory(owner=world.owner, stage=stage_named("Won"), closed_on=WEDNESDAY, amount=Decimal("3000.50"))
    DealFactory(owner=world.owner, stage=stage_named("Lost"), closed_on=WEDNESDAY, amount=Decimal("5000"))
    DealFactory(owner=world.teammate, stage=stage_named("Won"), closed_on=WEDNESDAY, amount=Decimal("99999"))
    DealFactory(owner=world.owner, stage=stage_named("Won"), closed_on=WEDNESDAY - datetime.timedelta(days=1))
    moved = DealFactory(owner=world.owner, stage=first_open_stage())
    DealStageHistory.objects.create(
        deal=moved, stage=moved.stage, entered_at=at(WEDNESDAY, 2), actor=world.owner
    )
    DealStageHistory.objects.create(
        deal=moved, stage=moved.stage, entered_at=at(WEDNESDAY, 3), actor=world.teammate
    )
    Task.objects.create(
        title="Send the quote",
        assignee=world.owner,
        created_by=world.owner,
        status=TaskStatus.DONE,
        completed_at=at(WEDNESDAY, 1),
    )
    Task.objects.create(
        title="Not done", assignee=world.owner, created_by=world.owner, status=TaskStatus.TODO
    )
    Task.objects.create(
        title="Theirs",
        assignee=world.teammate,
        created_by=world.teammate,
        status=TaskStatus.DONE,
        completed_at=at(WEDNESDAY, 1),
    )

    figures = drafts.figures_for(world.owner, WEDNESDAY, WEDNESDAY)
    assert figures["won"]["count"] == 2 and figures["won"]["amount"] == "15000.50"
    assert figures["won"]["items"][0]["id"] == won.pk
    assert figures["lost"]["count"] == 1 and figures["lost"]["amount"] == "5000.00"
    assert figures["deals_moved"]["count"] == 1
    assert [t["title"] for t in figures["tasks_done"]["items"]] == ["Send the quote"]


def test_the_draft_prefills_work_done_in_the_authors_language_and_shows_the_last_plan(world: World) -> None:
    _set_zone(world.owner, "Asia/Shanghai", language="zh-hans")
    ActivityFactory(author=world.owner, occurred_at=at(WEDNESDAY, 2))
    Report.objects.create(
        author=world.owner,
        template=default_template(ReportKind.DAILY),
        kind=ReportKind.DAILY,
        period_start=WEDNESDAY - datetime.timedelta(days=1),
        period_end=WEDNESDAY - datetime.timedelta(days=1),
        status=ReportStatus.SUBMITTED,
        answers={"done": "x", "plan": "Call Acme about the tender."},
    )
    draft = drafts.build(world.owner, ReportKind.DAILY, WEDNESDAY)
    assert (draft.period_start, draft.period_end) == (WEDNESDAY, WEDNESDAY)
    assert "跟进" in draft.answers["done"]
    assert draft.answers["plan"] == ""
    assert draft.previous is not None
    assert draft.previous_plan[0]["text"] == "Call Acme about the tender."
    assert not Report.objects.filter(period_start=WEDNESDAY).exists()  # nothing saved


def test_weekly_and_monthly_periods_and_dst_bounds() -> None:
    assert periods.period_for(ReportKind.WEEKLY, WEDNESDAY) == (
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 15),
    )
    assert periods.period_for(ReportKind.MONTHLY, datetime.date(2026, 2, 14)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )

    class Person:
        time_zone = "America/New_York"

    # The week DST starts (8 March 2026) is 167 hours long in New York.
    low, high = periods.bounds(Person(), datetime.date(2026, 3, 2), datetime.date(2026, 3, 8))
    assert low.utcoffset() == datetime.timedelta(hours=-5)
    assert (high - low) == datetime.timedelta(days=7)
    assert (high.astimezone(datetime.UTC) - low.astimezone(datetime.UTC)) == datetime.timedelta(hours=167)
