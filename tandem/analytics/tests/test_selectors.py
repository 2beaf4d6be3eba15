"""Each section's figures against the data set's figures worked out by hand (tests/data.py), for
the named people: the rep sees their own, the manager their subtree, the outsider nothing of
East's, the director everything."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from tandem.analytics import coverage, selectors
from tandem.analytics.filters import FilterForm, Filters
from tandem.analytics.records import records_page
from tandem.analytics.tests.data import PERIOD, Data, make
from tandem.conftest import World
from tandem.kpis import engine
from tandem.org.models import User


@pytest.fixture
def data(world: World) -> Data:
    return make(world)


def filters(world: World, viewer: User, **extra: Any) -> Filters:
    form = FilterForm({**PERIOD, **extra}, actor=world.actor(viewer))
    assert form.is_valid(), form.errors
    return form.filters()


def tiles(section: selectors.Section) -> dict[str, Any]:
    return {t.label: t.value for t in section.tiles}


def test_it_computes_the_key_figures_of_the_managers_team_as_worked_out_by_hand(
    world: World, data: Data
) -> None:
    f = filters(world, world.manager)
    found = tiles(selectors.figures_section(world.actor(world.manager), f))
    assert found["Win rate"] == Decimal("0.6000")
    assert found["Average deal size (won)"] == Decimal("3333.33")
    assert found["Sales cycle"] == Decimal("26.7")
    assert found["Weighted open pipeline"] == Decimal("5000.00")
    # Pipeline created: deals opened in the quarter, whatever became of them (3,000 + 5,000 + 10,000 + 10,000 lost).
    assert found["Pipeline created"] == Decimal("28000.00")
    assert found["Sales velocity"] == (
        Decimal(1) * Decimal("0.6") * Decimal("3333.33") / Decimal("26.7")
    ).quantize(Decimal("0.01"))
    assert "Pipeline coverage" not in found  # no target: no coverage, and none invented


def test_each_person_sees_the_figures_of_what_they_may_see(world: World, data: Data) -> None:
    def win_rate_and_won(person: User) -> tuple[Any, Any]:
        section = selectors.breakdown_section(world.actor(person), filters(world, person), "owner")
        assert section.tables[0].total is not None
        cells = section.tables[0].total.cells
        return cells["win_rate"], cells["won_amount"]

    assert win_rate_and_won(world.owner) == (Decimal("0.6667"), Decimal("8000.00"))
    assert win_rate_and_won(world.manager) == (Decimal("0.6000"), Decimal("10000.00"))
    assert win_rate_and_won(world.outsider) == (Decimal("1.0000"), Decimal("9000.00"))
    assert win_rate_and_won(world.director) == (Decimal("0.6667"), Decimal("19000.00"))


def test_the_funnel_counts_the_cohort_and_drills_down_to_exactly_its_deals(world: World, data: Data) -> None:
    actor = world.actor(world.manager)
    f = filters(world, world.manager)
    section = selectors.funnel_section(actor, f)
    steps = {r.cells["stage"]: r for r in section.tables[0].rows}
    assert steps["Qualification"].cells["deals"] == 3  # owner's small win, open deal and loss
    assert steps["Needs analysis"].cells["deals"] == 2
    assert steps["Needs analysis"].cells["conversion"] == Decimal("0.6667")
    assert steps["Proposal"].cells["deals"] == 2
    assert steps["Proposal"].cells["conversion"] == Decimal("1.0000")
    assert steps["Won"].cells["deals"] == 1
    assert steps["Lost"].cells["deals"] == 1
    behind = records_for(actor, steps["Proposal"].drill)
    assert {d.pk for d in behind} == {data.owner_won_small.pk, data.owner_open.pk}


def records_for(actor: Any, url: str) -> list[Any]:
    from django.http import QueryDict

    from tandem.analytics.records import RecordsForm

    form = RecordsForm(QueryDict(url.split("?", 1)[1]))
    assert form.is_valid(), form.errors
    return records_page(actor, form.cleaned_data).rows


def test_follow_ups_by_kind_and_person(world: World, data: Data) -> None:
    actor = world.actor(world.manager)
    section = selectors.follow_ups_section(actor, filters(world, world.manager))
    by_kind = {r.cells["kind"]: r.cells["count"] for r in section.table("by_kind").rows}
    assert (
        by_kind["Call"] == 2 and by_kind["Visit"] == 1 and by_kind["Email"] == 1 and by_kind["Meeting"] == 0
    )
    people = {r.cells["person"]: r.cells for r in section.table("by_person").rows}
    assert people["王小明"]["total"] == 3 and people["王小明"]["call"] == 2
    assert people["Tom Teammate"]["email"] == 1
    assert "Olga Outsider" not in people
    calls = next(r for r in section.table("by_kind").rows if r.cells["kind"] == "Call")
    assert {a.pk for a in records_for(actor, calls.drill)} == {data.calls[0].pk, data.calls[1].pk}


def test_leaderboards_rank_the_people_the_viewer_may_see(world: World, data: Data) -> None:
    section = selectors.leaderboards_section(world.actor(world.director), filters(world, world.director))
    won = [(r.cells["person"], r.cells["value"]) for r in section.table("won_amount").rows]
    assert won == [
        ("Olga Outsider", Decimal("9000.00")),
        ("王小明", Decimal("8000.00")),
        ("Tom Teammate", Decimal("2000.00")),
    ]
    manager = selectors.leaderboards_section(world.actor(world.manager), filters(world, world.manager))
    follow_ups = [r.cells["person"] for r in manager.table("follow_ups").rows]
    assert follow_ups == ["王小明", "Tom Teammate"]


def test_win_loss_by_reason_and_competitor(world: World, data: Data) -> None:
    actor = world.actor(world.manager)
    section = selectors.win_loss_section(actor, filters(world, world.manager))
    reasons = {r.cells["reason"]: r.cells["lost"] for r in section.table("lost_reasons").rows}
    assert reasons == {"Price": 1, '=HYPERLINK("x")': 1}
    price = next(r for r in section.table("lost_reasons").rows if r.cells["reason"] == "Price")
    assert {d.pk for d in records_for(actor, price.drill)} == {data.owner_lost.pk}
    with translation.override("zh-hans"):  # the reason's own name in the reader's language
        chinese = selectors.win_loss_section(actor, filters(world, world.manager))
    assert "价格" in {r.cells["reason"] for r in chinese.table("lost_reasons").rows}
    acme = next(r for r in section.table("competitors").rows if r.cells["competitor"] == "Acme")
    assert (acme.cells["won"], acme.cells["lost"], acme.cells["win_rate"]) == (1, 1, Decimal("0.5000"))
    assert {d.pk for d in records_for(actor, acme.drill)} == {data.owner_lost.pk, data.teammate_won.pk}


@pytest.mark.parametrize(
    ("by", "label", "won"),
    [
        ("region", "广东 (CN)", Decimal("3000.00")),
        ("region", "Berlin (DE)", Decimal("2000.00")),
        ("industry", "Retail", Decimal("3000.00")),
        ("source", "Referral", Decimal("3000.00")),
        ("product", "GTX Pro", Decimal("1200.00")),
        ("team", "East sales", Decimal("10000.00")),
        ("owner", "王小明", Decimal("8000.00")),
    ],
)
def test_breakdowns_and_their_drill_downs(
    world: World, data: Data, by: str, label: str, won: Decimal
) -> None:
    actor = world.actor(world.manager)
    section = selectors.breakdown_section(actor, filters(world, world.manager), by)
    row = next(r for r in section.tables[0].rows if r.cells["group"] == label)
    assert row.cells["won_amount"] == won
    behind = records_for(actor, row.drill)
    assert len(behind) == row.cells["deals"]


def test_trends_by_month_and_fiscal_quarter(world: World, data: Data) -> None:
    section = selectors.trends_section(world.actor(world.manager), filters(world, world.manager))
    months = {r.cells["key"]: r.cells for r in section.table("by_month").rows}
    assert len(months) == 12
    assert months["2026-08"]["won_amount"] == Decimal("3000.00")
    assert months["2026-09"]["won_amount"] == Decimal("5000.00")
    assert months["2026-07"]["won_amount"] == Decimal("2000.00")
    quarters = {r.cells["key"]: r.cells for r in section.table("by_quarter").rows}
    assert len(quarters) == 8
    assert quarters["2026-Q3"]["won_amount"] == Decimal("10000.00")
    assert quarters["2026-Q3"]["win_rate"] == Decimal("0.6000")


def test_a_team_filter_narrows_to_the_subtree_and_a_person_filter_to_them(world: World, data: Data) -> None:
    west = filters(world, world.director, team=str(world.west.pk))
    section = selectors.breakdown_section(world.actor(world.director), west, "owner")
    assert [r.cells["group"] for r in section.tables[0].rows] == ["Olga Outsider"]
    mine = filters(world, world.manager, person=str(world.teammate.pk))
    section = selectors.breakdown_section(world.actor(world.manager), mine, "owner")
    assert [r.cells["group"] for r in section.tables[0].rows] == ["Tom Teammate"]


def test_the_filter_bar_offers_only_teams_and_people_the_viewer_may_see(world: World) -> None:
    form = FilterForm({**PERIOD, "person": str(world.outsider.pk)}, actor=world.actor(world.owner))
    assert not form.is_valid() and "person" in form.errors
    form = FilterForm({**PERIOD, "team": str(world.west.pk)}, actor=world.actor(world.manager))
    assert not form.is_valid() and "team" in form.errors
    form = FilterForm(
        {"period": "custom", "start": "2026-09-30", "end": "2026-07-01"}, actor=world.actor(world.owner)
    )
    assert not form.is_valid() and "end" in form.errors


def test_coverage_appears_once_a_remaining_target_is_known(world: World, data: Data) -> None:
    def provider(actor: Any, start: datetime.date, end: datetime.date, scope: engine.Scope) -> Decimal | None:
        return Decimal("2500.00")

    coverage.register_remaining_target(provider)
    try:
        found = tiles(selectors.figures_section(world.actor(world.manager), filters(world, world.manager)))
    finally:
        coverage._providers.remove(provider)
    assert found["Pipeline coverage"] == Decimal("2.00")  # 5,000 weighted ÷ 2,500 to go
    assert coverage.coverage(Decimal(100), Decimal(0)) is None
    assert coverage.coverage(Decimal(100), None) is None


def test_the_team_filter_and_a_drill_down_name_teams_in_the_readers_language(world: World) -> None:
    from tandem.analytics.records import describe
    from tandem.org.models import Team

    Team.objects.filter(pk=world.east_sales.pk).update(names={"en": "East sales", "zh-hans": "华东销售"})
    actor = world.actor(world.manager)
    with translation.override("zh-hans"):
        choices = dict(FilterForm(PERIOD, actor=actor).fields["team"].choices)
        assert choices[world.east_sales.pk].endswith("华东销售")
        assert "华东销售" in describe(actor, {"src": "open", "team": world.east_sales.pk})
    with translation.override("en"):
        choices = dict(FilterForm(PERIOD, actor=actor).fields["team"].choices)
        assert choices[world.east_sales.pk].endswith("East sales")
        assert "East sales" in describe(actor, {"src": "open", "team": world.east_sales.pk})
