"""Targets in other apps' figures: analytics' pipeline coverage gets the remaining target of its
scope, and the insight rules "behind pace" and "low coverage" fire for the right people."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tandem.analytics import coverage
from tandem.conftest import World
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.insights import rules
from tandem.kpis.engine import Scope
from tandem.targets import selectors
from tandem.targets.models import PeriodKind, SubjectKind
from tandem.targets.tests.factories import TargetFactory

pytestmark = pytest.mark.django_db

MARCH_20 = datetime.date(2026, 3, 20)
NOW = timezone.make_aware(datetime.datetime(2026, 3, 20, 10, 0))


@pytest.fixture
def on_march_20(monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "today", lambda: MARCH_20)


def test_coverage_divides_by_what_is_left_of_the_scopes_target(world: World) -> None:
    TargetFactory(user=world.owner, value=Decimal("100000"))
    DealFactory(
        owner=world.owner,
        stage=stage_named("Won"),
        amount=Decimal("30000"),
        closed_on=datetime.date(2026, 3, 5),
    )
    manager = world.actor(world.manager)
    march = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    left = coverage.remaining_target(
        actor=manager, start=march[0], end=march[1], scope=Scope(owner_id=world.owner.pk)
    )
    assert left == Decimal("70000.00")
    # A range that is no period, a pipeline, or a person without a target: no coverage at all.
    assert (
        coverage.remaining_target(
            actor=manager,
            start=march[0],
            end=datetime.date(2026, 3, 15),
            scope=Scope(owner_id=world.owner.pk),
        )
        is None
    )
    assert (
        coverage.remaining_target(
            actor=manager, start=march[0], end=march[1], scope=Scope(owner_id=world.owner.pk, pipeline_id=1)
        )
        is None
    )
    assert (
        coverage.remaining_target(
            actor=manager, start=march[0], end=march[1], scope=Scope(owner_id=world.teammate.pk)
        )
        is None
    )
    # Someone who may not see the owner's target gets none either.
    outsider = world.actor(world.outsider)
    assert (
        coverage.remaining_target(
            actor=outsider, start=march[0], end=march[1], scope=Scope(owner_id=world.owner.pk)
        )
        is None
    )


def _codes(world: World, who: Any, code: str, scope: Scope | None = None) -> list[tuple[str, int, str]]:
    result = rules.evaluate(actor=world.actor(who), rule=rules.RULES[code], scope=scope or Scope(), now=NOW)
    return [(f.record_type, f.record_id, f.why) for f in result.items]


def test_people_behind_pace_are_flagged_for_them_and_their_managers(world: World, on_march_20: None) -> None:
    TargetFactory(user=world.owner, value=Decimal("100000"))
    TargetFactory(user=world.teammate, value=Decimal("10000"))
    DealFactory(
        owner=world.teammate,
        stage=stage_named("Won"),
        amount=Decimal("12000"),
        closed_on=datetime.date(2026, 3, 2),
    )
    flagged = _codes(world, world.manager, "behind_pace")
    assert [(kind, pk) for kind, pk, _why in flagged] == [("person", world.owner.pk)]  # the teammate is ahead
    assert flagged[0][2]  # says why in a sentence
    assert [pk for _k, pk, _w in _codes(world, world.owner, "behind_pace")] == [world.owner.pk]
    assert _codes(world, world.outsider, "behind_pace") == []
    assert _codes(world, world.manager, "behind_pace", Scope(owner_id=world.teammate.pk)) == []
    assert [
        pk for _k, pk, _w in _codes(world, world.director, "behind_pace", Scope(team_id=world.east.pk))
    ] == [world.owner.pk]


def test_a_team_whose_pipeline_covers_too_little_of_its_target_is_flagged(
    world: World, on_march_20: None
) -> None:
    TargetFactory(
        subject_kind=SubjectKind.TEAM,
        user=None,
        team=world.east_sales,
        value=Decimal("100000"),
        period_kind=PeriodKind.MONTH,
    )
    DealFactory(owner=world.owner, stage=stage_named("Qualification"), amount=Decimal("50000"))
    flagged = _codes(world, world.manager, "low_coverage")
    assert [(kind, pk) for kind, pk, _why in flagged] == [("team", world.east_sales.pk)]
    assert "0.05×" in flagged[0][2] and "3.00×" in flagged[0][2]
    # The director also sees the region and the company, whose targets sum that team's.
    assert [pk for _k, pk, _w in _codes(world, world.director, "low_coverage")] == [
        world.company.pk,
        world.east.pk,
        world.east_sales.pk,
    ]
    assert _codes(world, world.outsider, "low_coverage") == []
    assert _codes(world, world.owner, "low_coverage") == []
    # Per team, as a director's dashboard asks: each team's own finding, the same from one actor
    # asking for every team (the company's rows read once) as from a fresh actor each time.
    director = world.actor(world.director)
    for team in (world.company, world.east, world.east_sales, world.west, world.west_sales):
        alone = _codes(world, world.director, "low_coverage", Scope(team_id=team.pk))
        shared = rules.evaluate(
            actor=director, rule=rules.RULES["low_coverage"], scope=Scope(team_id=team.pk), now=NOW
        )
        assert [(f.record_type, f.record_id, f.why) for f in shared.items] == alone
        assert [pk for _k, pk, _w in alone] == (
            [team.pk] if team.pk in (world.company.pk, world.east.pk, world.east_sales.pk) else []
        )
    # Enough weighted pipeline (a 75 % stage) clears it.
    DealFactory(owner=world.owner, stage=stage_named("Negotiation"), amount=Decimal("400000"))
    assert _codes(world, world.manager, "low_coverage") == []


def test_the_dashboards_show_attainment_and_the_forecasts_movement(world: World) -> None:
    from django.test import Client

    TargetFactory(user=world.owner, value=Decimal("100000"))
    pages = {}
    for who in (world.owner, world.manager, world.director):
        client = Client()
        client.force_login(who)
        pages[who.username] = client.get("/").content.decode()
    assert "target-card" in pages["owner"] and "forecast-movement" not in pages["owner"]
    assert "target-card" in pages["manager"] and "forecast-movement" in pages["manager"]
    assert "target-card" in pages["director"] and "forecast-movement" in pages["director"]


def test_the_directors_home_page_reads_the_targets_once_for_every_team_it_shows(world: World) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    TargetFactory(user=world.owner, value=Decimal("100000"))
    TargetFactory(subject_kind=SubjectKind.TEAM, user=None, team=world.east_sales, value=Decimal("50000"))
    client = Client()
    client.force_login(world.director)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/", {"view": "director"}).status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "targets_target"' in q["sql"]]
    # The company and each top team ask "behind pace" and "low coverage": one book between them.
    assert len(reads) == 1
