"""Attainment, roll-up through the team tree, pace, top-down gaps, currencies and scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.kpis import periods
from tandem.kpis.company import company_settings
from tandem.kpis.tests.factories import ExchangeRateFactory
from tandem.org.models import User
from tandem.targets import selectors
from tandem.targets.models import PeriodKind, SubjectKind
from tandem.targets.tests.factories import TargetFactory

MAR = periods.period_from_key("2026-03", fiscal_start=1)
Q1 = periods.period_from_key("2026-Q1", fiscal_start=1)


def won(owner: User, amount: str, closed_on: datetime.date = datetime.date(2026, 3, 10), **kw: Any) -> Deal:
    deal: Deal = DealFactory(
        owner=owner, stage=stage_named("Won"), amount=Decimal(amount), closed_on=closed_on, **kw
    )
    return deal


def person(user: User) -> tuple[str, int]:
    return (SubjectKind.PERSON.value, user.pk)


def team(t: Any) -> tuple[str, int]:
    return (SubjectKind.TEAM.value, t.pk)


def rows(world: World, who: User, subjects: list[tuple[str, int]], period: Any = MAR, on: Any = None) -> dict:
    found = selectors.rows_for(
        actor=world.actor(who),
        kpi=selectors.get_kpi("won_amount"),
        period=period,
        subjects=selectors.visible_subjects(world.actor(who), subjects),
        on=on or datetime.date(2026, 4, 1),
    )
    return {r.subject: r for r in found}


def test_it_rolls_team_targets_and_actuals_up_the_tree(world: World) -> None:
    TargetFactory(user=world.owner, value=Decimal("100"))
    TargetFactory(user=world.teammate, value=Decimal("50"))
    TargetFactory(user=world.outsider, value=Decimal("30"))
    won(world.owner, "80")
    won(world.teammate, "40")
    won(world.outsider, "30")
    found = rows(
        world,
        world.director,
        [team(world.east_sales), team(world.east), team(world.company), (SubjectKind.COMPANY.value, 0)],
    )
    assert found[team(world.east_sales)].target == Decimal("150")
    assert found[team(world.east)].target == Decimal("150")  # the sub-team's sum
    assert found[team(world.east)].actual == Decimal("120.00")
    assert found[team(world.company)].target == Decimal("180")
    assert found[team(world.company)].actual == Decimal("150.00")
    assert found[(SubjectKind.COMPANY.value, 0)].target == Decimal("180")
    assert found[team(world.east_sales)].attainment == Decimal("0.8000")
    assert not found[team(world.east)].top_down


def test_a_top_down_team_target_shows_its_gap_to_the_sum(world: World) -> None:
    TargetFactory(user=world.owner, value=Decimal("100"))
    TargetFactory(subject_kind=SubjectKind.TEAM, team=world.east_sales, value=Decimal("180"))
    found = rows(world, world.director, [team(world.east_sales), team(world.east)])
    row = found[team(world.east_sales)]
    assert row.top_down and row.target == Decimal("180")
    assert row.members_sum == Decimal("100") and row.gap == Decimal("80")
    assert found[team(world.east)].target == Decimal("180")  # the parent adds the top-down figure


def test_quarters_and_years_add_up_their_months(world: World) -> None:
    TargetFactory(user=world.owner, value=Decimal("100"))
    TargetFactory(
        user=world.owner, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 31), value=Decimal("20")
    )
    assert selectors.target_value(
        actor=world.actor(world.owner), subject=person(world.owner), period=Q1
    ) == Decimal("120")
    year = periods.period_from_key("2026", fiscal_start=1)
    assert selectors.target_value(
        actor=world.actor(world.owner), subject=person(world.owner), period=year
    ) == Decimal("120")
    TargetFactory(
        user=world.owner, period_kind=PeriodKind.QUARTER, start=Q1.start, end=Q1.end, value=Decimal("500")
    )
    assert selectors.target_value(
        actor=world.actor(world.owner), subject=person(world.owner), period=Q1
    ) == Decimal("500")


@pytest.mark.parametrize(
    ("actual", "status"),
    [("90", "on_track"), ("89.99", "at_risk"), ("70", "at_risk"), ("69.99", "off_track")],
)
def test_pace_statuses_change_exactly_at_the_thresholds(db: None, actual: str, status: str) -> None:
    settings = company_settings()
    # half of a 30-day month gone: expected 100 of 200
    found = selectors.pace(
        target=Decimal("200"),
        actual=Decimal(actual) * 1,
        period=periods.period_from_key("2026-06", fiscal_start=1),
        today=datetime.date(2026, 6, 15),
        settings=settings,
    )
    assert found.expected == Decimal("100.00")
    expected = {"90": "on_track", "89.99": "at_risk", "70": "at_risk", "69.99": "off_track"}
    assert found.status == expected[actual] == status


def test_a_finished_period_is_judged_on_its_whole_and_a_future_one_has_not_started(db: None) -> None:
    settings = company_settings()
    done = selectors.pace(
        target=Decimal("100"),
        actual=Decimal("95"),
        period=MAR,
        today=datetime.date(2026, 5, 1),
        settings=settings,
    )
    assert done.expected == Decimal("100.00") and done.status == "on_track"
    later = selectors.pace(
        target=Decimal("100"),
        actual=Decimal("0"),
        period=MAR,
        today=datetime.date(2026, 2, 1),
        settings=settings,
    )
    assert later.status == "not_started"
    assert (
        selectors.pace(target=None, actual=Decimal(1), period=MAR, today=MAR.end, settings=settings).status
        is None
    )


def test_deals_in_another_currency_count_at_the_months_rate_and_a_missing_rate_is_reported(
    world: World,
) -> None:
    TargetFactory(user=world.owner, value=Decimal("1000"))
    ExchangeRateFactory(month=datetime.date(2026, 3, 1), currency="USD", rate=Decimal("7"))
    won(world.owner, "100", currency="USD")
    won(world.owner, "10", currency="EUR")
    row = rows(world, world.owner, [person(world.owner)])[person(world.owner)]
    assert row.actual == Decimal("700.00")
    assert row.missing_rates == (("EUR", "2026-03"),)
    assert row.attainment == Decimal("0.7000")


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", {"owner"}),
        ("teammate", {"teammate"}),
        ("manager", {"owner", "teammate", "manager", "east_sales"}),
        ("east_manager", {"owner", "teammate", "manager", "east_sales", "east"}),
        ("sibling_manager", {"outsider", "sibling_manager"}),
        ("outsider", set()),
        ("director", {"owner", "teammate", "manager", "east_sales", "east", "company_row"}),
        ("admin", {"owner", "teammate", "manager", "east_sales", "east", "company_row"}),
    ],
)
def test_every_figure_is_scoped_to_the_people_and_teams_one_may_see(
    world: World, who: str, sees: set[str]
) -> None:
    for name in ("owner", "teammate", "manager"):
        TargetFactory(user=getattr(world, name), value=Decimal("100"))
    won(world.owner, "60")
    names = {
        person(world.owner): "owner",
        person(world.teammate): "teammate",
        person(world.manager): "manager",
        team(world.east_sales): "east_sales",
        team(world.east): "east",
        (SubjectKind.COMPANY.value, 0): "company_row",
    }
    viewer = getattr(world, who)
    found = rows(world, viewer, list(names))
    expected = {n for n in sees if n in names.values()}
    assert {names[s] for s in found} == expected
    if "owner" in sees:
        assert found[person(world.owner)].actual == Decimal("60.00")
    with pytest.raises(Http404) if "owner" not in sees else _noop():
        selectors.target_value(actor=world.actor(viewer), subject=person(world.owner), period=MAR)


class _noop:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: Any) -> None:
        return None


def test_people_behind_pace_say_why_and_remaining_target_counts_what_is_left(world: World) -> None:
    TargetFactory(user=world.owner, value=Decimal("100"))
    TargetFactory(user=world.teammate, value=Decimal("100"))
    won(world.owner, "95")
    won(world.teammate, "10")
    behind = selectors.people_behind_pace(actor=world.actor(world.manager), period=MAR)
    assert [r.id for r in behind] == [world.teammate.pk]
    assert "Tom Teammate" in behind[0].why and behind[0].pace == "off_track"
    left = selectors.remaining_target(
        actor=world.actor(world.manager), team_id=world.east_sales.pk, period=MAR
    )
    assert left == Decimal("95.00")
    with pytest.raises(Http404):
        selectors.remaining_target(actor=world.actor(world.outsider), team_id=world.east_sales.pk, period=MAR)


def test_attainment_costs_the_same_queries_for_more_people_and_deals(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from tandem.org.tests.factories import UserFactory, join

    def run() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        actor = world.actor(world.director)
        with CaptureQueriesContext(connection) as ctx:
            selectors.attainment_rows(actor=actor, period=MAR, team=world.east_sales.pk)
        return len(ctx.captured_queries)

    TargetFactory(user=world.owner)
    won(world.owner, "10")
    run()  # the company settings row is created on first read
    few = run()
    for i in range(6):
        user = UserFactory(username=f"extra{i}", roles=["sales-rep"])
        join(user, world.east_sales)
        TargetFactory(user=user)
        won(user, "5")
        won(user, "7")
    assert run() == few
    assert few <= 12


def test_the_attainment_card_renders_my_and_my_teams_attainment(world: World) -> None:
    from django.template.loader import render_to_string

    TargetFactory(user=world.owner, value=Decimal("100"))
    TargetFactory(user=world.teammate, value=Decimal("100"))
    won(world.owner, "50")
    context = selectors.attainment_card(actor=world.actor(world.manager), period=MAR)
    labels = [r.label for r in context["card_rows"]]
    assert labels == ["Mia Manager", "East sales"]  # a leader sees their team; no target: still their own row
    html = render_to_string("targets/partials/_attainment_card.html", context)
    assert "East sales" in html and "25%" in html and "No target for this period." in html
    mine = selectors.attainment_card(actor=world.actor(world.owner), period=MAR)
    assert [r.label for r in mine["card_rows"]] == ["王小明"]


def test_deciding_which_peoples_targets_one_sees_costs_the_same_for_more_people(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.org.tests.factories import UserFactory

    few = [person(world.owner), person(world.teammate)]
    many = few + [person(UserFactory()) for _ in range(12)]
    actor = world.actor(world.manager)
    selectors.visible_subjects(actor, few)  # the actor's grants and teams, read once
    with CaptureQueriesContext(connection) as for_few:
        seen_few = selectors.visible_subjects(actor, few)
    with CaptureQueriesContext(connection) as for_many:
        seen_many = selectors.visible_subjects(actor, many)
    assert seen_few == few
    assert seen_many == few
    assert len(for_many) == len(for_few) <= 4
