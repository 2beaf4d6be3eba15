"""The engine every figure goes through: KPI definitions, currency conversion and missing rates,
grouping, trends, and the scope of every figure for each of the world's people."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core import access
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal, DealStageHistory
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.kpis import engine, services
from tandem.kpis.company import company_settings
from tandem.kpis.engine import Figure, Scope
from tandem.kpis.models import CompanySettings, KpiDefinition
from tandem.kpis.periods import QUARTER, period_containing
from tandem.kpis.tests.factories import ExchangeRateFactory, KpiFactory, kpi
from tandem.org.models import User

JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)
Q1 = (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


def won(owner: User, amount: str | None, closed_on: datetime.date, **kwargs: Any) -> Deal:
    deal: Deal = DealFactory(
        owner=owner,
        stage=stage_named("Won"),
        amount=Decimal(amount) if amount is not None else None,
        closed_on=closed_on,
        opened_on=kwargs.pop("opened_on", closed_on - datetime.timedelta(days=10)),
        **kwargs,
    )
    return deal


def lost(owner: User, closed_on: datetime.date, **kwargs: Any) -> Deal:
    deal: Deal = DealFactory(owner=owner, stage=stage_named("Lost"), closed_on=closed_on, **kwargs)
    return deal


def value(
    world: World,
    person: User,
    code: str,
    start: datetime.date = Q1[0],
    end: datetime.date = Q1[1],
    **scope: Any,
) -> Decimal | None:
    return engine.figure(
        actor=world.actor(person), kpi=kpi(code), start=start, end=end, scope=Scope(**scope)
    ).value


# --- Built-in definitions ---------------------------------------------------------------------


def test_the_builtin_kpis_exist_after_migrate_and_read_in_each_language(db: None) -> None:
    codes = set(KpiDefinition.objects.filter(is_builtin=True).values_list("code", flat=True))
    assert codes == set(services.BUILTIN_KPIS)
    assert kpi("win_rate").numerator == kpi("won_deals")
    with translation.override("zh-hans"):
        assert kpi("won_amount").display_name == "业绩"
        assert kpi("win_rate").display_name == "赢单率"
        assert "成交" in kpi("won_deals").display_description
    assert kpi("won_amount").display_name == "Won amount"


def test_syncing_the_builtins_again_keeps_an_administrators_rename_and_restores_the_definition(
    db: None,
) -> None:
    KpiDefinition.objects.filter(code="won_amount").update(
        names={"en": "Bookings"}, filters={}, is_active=False
    )
    services.kpi_sync_builtin()
    found = kpi("won_amount")
    assert found.display_name == "Bookings"
    assert found.is_active is False
    assert found.filters == {"status": ["won"]}
    assert KpiDefinition.objects.filter(is_builtin=True).count() == len(services.BUILTIN_KPIS)


def test_won_amount_sums_deals_won_in_the_range_by_close_date(world: World) -> None:
    won(world.owner, "100.50", JAN)
    won(world.owner, "200", MAR.replace(day=31))
    won(world.owner, "999", datetime.date(2026, 4, 1))  # next quarter
    won(world.owner, None, FEB)  # amount unknown: counts as nothing
    lost(world.owner, FEB, amount=Decimal("5000"))
    DealFactory(owner=world.owner, amount=Decimal("7000"))  # open
    deleted = won(world.owner, "3000", FEB)
    Deal.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())  # in the recycle bin

    result = engine.figure(actor=world.actor(world.admin), kpi=kpi("won_amount"), start=Q1[0], end=Q1[1])

    assert result == Figure(value=Decimal("300.50"), count=3, unit="money")


def test_win_rate_is_won_over_closed_and_none_when_nothing_closed(world: World) -> None:
    won(world.owner, "1", JAN)
    won(world.owner, "1", FEB)
    lost(world.owner, FEB)
    DealFactory(owner=world.owner)  # open deals do not count
    assert value(world, world.admin, "win_rate") == Decimal("0.6667")
    result = engine.figure(actor=world.actor(world.admin), kpi=kpi("win_rate"), start=Q1[0], end=Q1[1])
    assert result.count == 3 and result.unit == "percent"
    empty = engine.figure(
        actor=world.actor(world.admin),
        kpi=kpi("win_rate"),
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 3, 31),
    )
    assert empty == Figure(value=None, count=0, unit="percent")


def test_new_pipeline_and_new_deals_count_by_the_opened_date_whatever_the_status(world: World) -> None:
    DealFactory(owner=world.owner, amount=Decimal("10"), opened_on=JAN)
    won(world.owner, "20", datetime.date(2026, 5, 1), opened_on=FEB)
    lost(world.owner, datetime.date(2026, 5, 1), opened_on=MAR, amount=Decimal("30"))
    DealFactory(owner=world.owner, amount=Decimal("40"), opened_on=datetime.date(2025, 12, 31))
    assert value(world, world.admin, "new_pipeline") == Decimal("60.00")
    assert value(world, world.admin, "new_deals") == Decimal(3)


def test_new_customers_and_follow_ups_count_by_the_company_day_not_utc(world: World, settings: Any) -> None:
    zone = timezone.get_default_timezone()
    # 2026-03-31 23:30 in Shanghai is 15:30 UTC: still the first quarter there.
    late = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=zone)
    early = datetime.datetime(2026, 4, 1, 0, 30, tzinfo=zone)
    for when in (late, early):
        account = AccountFactory(owner=world.owner)
        account.__class__.objects.filter(pk=account.pk).update(created_at=when)
        ActivityFactory(author=world.owner, occurred_at=when)
    assert value(world, world.admin, "new_customers") == Decimal(1)
    assert value(world, world.admin, "follow_ups") == Decimal(1)
    assert value(
        world, world.owner, "follow_ups", datetime.date(2026, 4, 1), datetime.date(2026, 4, 1)
    ) == Decimal(1)


# --- Custom definitions -------------------------------------------------------------------------


def test_a_custom_kpi_counts_what_its_filters_say(world: World) -> None:
    won(world.owner, "100", JAN, source="referral")
    won(world.owner, "100", JAN, source="web")
    lost(world.owner, JAN, source="referral")
    referrals = KpiFactory(code="referrals_closed", filters={"source": ["referral"]})
    referral_revenue = KpiFactory(
        code="referral_revenue",
        measure="sum",
        sum_field="amount",
        unit="money",
        filters={"source": ["referral"], "status": ["won"]},
    )
    share = KpiFactory(
        code="referral_share",
        measure="ratio",
        source="",
        date_field="",
        numerator=referrals,
        denominator=kpi("closed_deals"),
        unit="percent",
    )
    actor = world.actor(world.owner)
    assert engine.figure(actor=actor, kpi=referrals, start=Q1[0], end=Q1[1]).value == Decimal(2)
    assert engine.figure(actor=actor, kpi=referral_revenue, start=Q1[0], end=Q1[1]).value == Decimal("100.00")
    assert engine.figure(actor=actor, kpi=share, start=Q1[0], end=Q1[1]).value == Decimal("0.6667")


def test_a_kpi_filtered_on_a_field_outside_the_whitelist_counts_nothing(world: World) -> None:
    """Services refuse such a definition; a row edited by hand must not widen or break a figure."""
    won(world.owner, "100", JAN)
    rogue = KpiFactory(filters={"owner__is_superuser": [False]})
    assert engine.figure(actor=world.actor(world.admin), kpi=rogue, start=Q1[0], end=Q1[1]).value == Decimal(
        0
    )


# --- Money ---------------------------------------------------------------------------------------


def test_foreign_amounts_convert_at_the_rate_of_the_month_they_are_counted_by(world: World) -> None:
    ExchangeRateFactory(month=JAN, currency="USD", rate=Decimal("7.1"))
    ExchangeRateFactory(month=FEB, currency="USD", rate=Decimal("7.2"))
    won(world.owner, "100", JAN, currency="USD", opened_on=datetime.date(2025, 12, 1))
    won(world.owner, "10", FEB, currency="USD")
    won(world.owner, "5", FEB)  # company currency: 1:1
    result = engine.figure(actor=world.actor(world.admin), kpi=kpi("won_amount"), start=Q1[0], end=Q1[1])
    assert result == Figure(value=Decimal("787.00"), count=3, unit="money")  # 710 + 72 + 5


def test_an_amount_without_a_rate_is_left_out_and_reported(world: World) -> None:
    ExchangeRateFactory(month=JAN, currency="USD", rate=Decimal("7"))
    won(world.owner, "100", JAN, currency="USD")
    won(world.owner, "10", MAR, currency="USD")  # no March rate
    won(world.owner, "3", MAR, currency="EUR")  # no EUR rates at all
    won(world.owner, "1", MAR)
    result = engine.figure(actor=world.actor(world.admin), kpi=kpi("won_amount"), start=Q1[0], end=Q1[1])
    assert result.value == Decimal("701.00")
    assert result.count == 4
    assert result.missing_rates == (("EUR", "2026-03"), ("USD", "2026-03"))
    assert result.missing_rates_text() == [
        "EUR amounts of 2026-03 have no exchange rate and are not included.",
        "USD amounts of 2026-03 have no exchange rate and are not included.",
    ]
    with translation.override("zh-hans"):
        assert "汇率" in result.missing_rates_text()[0]


def test_a_rate_is_stated_against_the_company_currency_whichever_it_is(world: World) -> None:
    CompanySettings.objects.filter(pk=company_settings().pk).update(currency="USD")
    ExchangeRateFactory(month=JAN, currency="CNY", rate=Decimal("0.14"))
    won(world.owner, "100", JAN)  # CNY
    won(world.owner, "1", JAN, currency="USD")
    assert value(world, world.admin, "won_amount") == Decimal("15.00")


# --- Grouping and trends --------------------------------------------------------------------------


def test_figures_group_by_person_team_month_and_fiscal_quarter(world: World) -> None:
    won(world.owner, "1", JAN)
    won(world.teammate, "2", FEB)
    won(world.outsider, "4", datetime.date(2026, 4, 2))
    actor = world.actor(world.admin)
    half = (JAN, datetime.date(2026, 6, 30))
    by_owner = engine.figures(
        actor=actor, kpi=kpi("won_amount"), start=half[0], end=half[1], group_by="owner"
    )
    assert {k: f.value for k, f in by_owner.items()} == {
        world.owner.pk: Decimal("1.00"),
        world.teammate.pk: Decimal("2.00"),
        world.outsider.pk: Decimal("4.00"),
    }
    by_team = engine.figures(actor=actor, kpi=kpi("won_deals"), start=half[0], end=half[1], group_by="team")
    assert {k: f.value for k, f in by_team.items()} == {world.east_sales.pk: 2, world.west_sales.pk: 1}
    by_month = engine.figures(
        actor=actor, kpi=kpi("won_amount"), start=half[0], end=half[1], group_by="month"
    )
    assert list(by_month) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert [f.value for f in by_month.values()] == [
        Decimal(x) for x in ("1.00", "2.00", "0.00", "4.00", "0.00", "0.00")
    ]
    by_quarter = engine.figures(
        actor=actor, kpi=kpi("won_amount"), start=half[0], end=half[1], group_by="quarter"
    )
    assert {k: f.value for k, f in by_quarter.items()} == {
        "2026-Q1": Decimal("3.00"),
        "2026-Q2": Decimal("4.00"),
    }

    CompanySettings.objects.filter(pk=company_settings().pk).update(fiscal_year_start_month=4)
    by_fiscal = engine.figures(
        actor=world.actor(world.admin),  # a new request: the settings are read once per actor
        kpi=kpi("won_amount"),
        start=half[0],
        end=half[1],
        group_by="quarter",
    )
    assert {k: f.value for k, f in by_fiscal.items()} == {
        "2025-Q4": Decimal("3.00"),
        "2026-Q1": Decimal("4.00"),
    }


def test_a_ratio_grouped_by_month_divides_month_by_month(world: World) -> None:
    won(world.owner, "1", JAN)
    lost(world.owner, JAN)
    won(world.owner, "1", FEB)
    by_month = engine.figures(
        actor=world.actor(world.admin), kpi=kpi("win_rate"), start=Q1[0], end=Q1[1], group_by="month"
    )
    assert [f.value for f in by_month.values()] == [Decimal("0.5000"), Decimal("1.0000"), None]


def test_series_gives_one_figure_per_period_with_its_missing_rates(world: World) -> None:
    won(world.owner, "1", JAN)
    won(world.owner, "2", datetime.date(2026, 5, 5), currency="USD")
    won(world.owner, "4", datetime.date(2026, 8, 8))
    quarters = [period_containing(JAN, QUARTER, fiscal_start=1)]
    quarters += [quarters[0].next(), quarters[0].next().next()]
    result = engine.series(actor=world.actor(world.owner), kpi=kpi("won_amount"), periods=quarters)
    assert [f.value for f in result] == [Decimal("1.00"), Decimal("0.00"), Decimal("4.00")]
    assert [f.missing_rates for f in result] == [(), (("USD", "2026-05"),), ()]
    months = quarters[0].months()
    assert [
        f.value for f in engine.series(actor=world.actor(world.owner), kpi=kpi("won_deals"), periods=months)
    ] == [1, 0, 0]
    assert engine.series(actor=world.actor(world.owner), kpi=kpi("won_deals"), periods=[]) == []


def test_open_pipeline_gives_open_deals_per_stage_converted_at_this_months_rate(world: World) -> None:
    today = timezone.localdate()
    ExchangeRateFactory(month=today.replace(day=1), currency="USD", rate=Decimal("7"))
    proposal = stage_named("Proposal")
    DealFactory(owner=world.owner, stage=proposal, amount=Decimal("10"), currency="USD")
    DealFactory(owner=world.owner, stage=proposal, amount=Decimal("5"))
    DealFactory(owner=world.outsider, stage=proposal, amount=Decimal("1000"))
    won(world.owner, "99", today)
    found = engine.open_pipeline(actor=world.actor(world.manager))
    assert found == {proposal.pk: Figure(value=Decimal("75.00"), count=2, unit="money")}


def test_a_range_that_ends_before_it_starts_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        engine.figure(actor=world.actor(world.admin), kpi=kpi("won_amount"), start=Q1[1], end=Q1[0])
    with pytest.raises(ValueError):
        engine.figures(
            actor=world.actor(world.admin), kpi=kpi("won_amount"), start=Q1[0], end=Q1[1], group_by="stage"
        )


# --- Scope ------------------------------------------------------------------------------------------

PEOPLE = [
    "owner",
    "teammate",
    "two_teams",
    "manager",
    "east_manager",
    "sibling_manager",
    "outsider",
    "director",
    "admin",
    "support",
]


def _company_of_deals(world: World) -> dict[str, Decimal]:
    """One won deal each, amounts as powers of two so that any sum names exactly who is in it."""
    amounts = {}
    for n, name in enumerate(
        [
            "owner",
            "teammate",
            "two_teams",
            "manager",
            "sibling_manager",
            "outsider",
            "director",
            "east_manager",
        ]
    ):
        amounts[name] = Decimal(2**n)
        won(getattr(world, name), str(2**n), FEB)
    return amounts


def _expected(world: World, viewer: str, amounts: dict[str, Decimal]) -> Decimal:
    actor = world.actor(getattr(world, viewer))
    visible = set(access.visible(actor, "deal", Deal.objects.all()).values_list("owner__username", flat=True))
    return sum((amounts[name] for name in amounts if name in visible), Decimal(0)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("viewer", PEOPLE)
def test_every_person_sees_exactly_the_figures_of_their_scope(world: World, viewer: str) -> None:
    amounts = _company_of_deals(world)
    expected = {
        "owner": ["owner"],
        "teammate": ["teammate"],
        "two_teams": ["two_teams"],
        "manager": ["owner", "teammate", "two_teams", "manager"],
        "east_manager": ["owner", "teammate", "two_teams", "manager", "east_manager"],
        "sibling_manager": ["sibling_manager", "outsider"],
        "outsider": ["outsider"],
        "director": list(amounts),
        "admin": list(amounts),
        "support": [],
    }[viewer]
    total = sum((amounts[n] for n in expected), Decimal(0)).quantize(Decimal("0.01"))
    assert total == _expected(world, viewer, amounts)  # the access policy agrees with the list above
    person = getattr(world, viewer)
    assert value(world, person, "won_amount") == total
    assert value(world, person, "won_deals") == len(expected)
    by_owner = engine.figures(
        actor=world.actor(person), kpi=kpi("won_amount"), start=Q1[0], end=Q1[1], group_by="owner"
    )
    assert {User.objects.get(pk=k).username for k in by_owner} == set(expected)
    rows, whole = engine.deal_breakdown(actor=world.actor(person), group_by="owner")
    assert whole.won_amount == total
    assert {row.key for row in rows} == {getattr(world, n).pk for n in expected}


@pytest.mark.parametrize("viewer", PEOPLE)
def test_every_builtin_figure_holds_exactly_the_records_of_the_viewers_scope(
    world: World, viewer: str
) -> None:
    """Each of eight people has one of everything (a won deal that went through a stage, an open
    deal, a lost one, an account, a follow-up): each built-in figure counts exactly the people
    whose records the viewer may see."""
    people = [
        "owner",
        "teammate",
        "two_teams",
        "manager",
        "sibling_manager",
        "outsider",
        "director",
        "east_manager",
    ]
    qualification = stage_named("Qualification")
    for name in people:
        person = getattr(world, name)
        deal = won(person, "10", FEB, opened_on=FEB)
        DealStageHistory.objects.create(deal=deal, stage=qualification, entered_at=timezone.now())
        DealFactory(owner=person, stage=qualification, amount=Decimal("5"), opened_on=FEB)
        lost(person, MAR, opened_on=JAN, amount=None)  # unknown: counts as nothing
        account = AccountFactory(owner=person)
        Account.objects.filter(pk=account.pk).update(
            created_at=timezone.make_aware(datetime.datetime(2026, 2, 3, 10))
        )
        ActivityFactory(author=person, occurred_at=timezone.make_aware(datetime.datetime(2026, 2, 3, 10)))
    sees = {
        "owner": 1,
        "teammate": 1,
        "two_teams": 1,
        "manager": 4,
        "east_manager": 5,
        "sibling_manager": 2,
        "outsider": 1,
        "director": 8,
        "admin": 8,
        "support": 0,
    }[viewer]
    person = getattr(world, viewer)
    assert value(world, person, "won_amount") == Decimal(10 * sees).quantize(Decimal("0.01"))
    assert value(world, person, "won_deals") == sees
    assert value(world, person, "closed_deals") == 2 * sees
    assert value(world, person, "win_rate") == (Decimal("0.5000") if sees else None)
    assert value(world, person, "new_deals") == 3 * sees
    assert value(world, person, "new_pipeline") == Decimal(15 * sees).quantize(Decimal("0.01"))
    # Accounts and follow-ups follow their own grants: a technical-support person sees their team's
    # accounts (none here) and their own follow-ups (none).
    assert value(world, person, "new_customers") == sees
    assert value(world, person, "follow_ups") == sees
    actor = world.actor(person)
    open_counts = engine.open_pipeline(actor=actor)
    assert sum(f.count for f in open_counts.values()) == sees
    steps = {step.stage.name: step.deals for step in engine.funnel(actor=actor, start=Q1[0], end=Q1[1])}
    assert steps["Qualification"] == sees and steps["Won"] == 0  # the history says what it says


def test_a_scope_narrows_within_what_the_actor_may_see_never_beyond(world: World) -> None:
    amounts = _company_of_deals(world)
    # A team and its whole subtree.
    assert (
        value(world, world.director, "won_amount", team_id=world.east.pk)
        == amounts["owner"]
        + amounts["teammate"]
        + amounts["two_teams"]
        + amounts["manager"]
        + amounts["east_manager"]
    )
    assert (
        value(world, world.director, "won_amount", team_id=world.east_sales.pk)
        == amounts["owner"] + amounts["teammate"] + amounts["two_teams"] + amounts["manager"]
    )
    # One person.
    assert value(world, world.manager, "won_amount", owner_id=world.teammate.pk) == amounts["teammate"]
    # Out of the actor's sight: nothing, not an error.
    assert value(world, world.owner, "won_amount", owner_id=world.teammate.pk) == Decimal("0.00")
    assert value(world, world.manager, "won_amount", team_id=world.west.pk) == Decimal("0.00")
    assert (
        value(world, world.sibling_manager, "won_amount", team_id=world.company.pk)
        == amounts["sibling_manager"] + amounts["outsider"]
    )
    # A pipeline.
    other = DealFactory(owner=world.owner, stage=stage_named("Won"), closed_on=FEB, amount=Decimal("1000"))
    pipeline_id = other.pipeline_id
    assert value(world, world.owner, "won_amount", pipeline_id=pipeline_id) == amounts["owner"] + 1000
    assert value(world, world.owner, "won_amount", pipeline_id=pipeline_id + 999) == Decimal("0.00")
    # Follow-ups count for their author.
    ActivityFactory(author=world.teammate, occurred_at=timezone.make_aware(datetime.datetime(2026, 2, 2, 12)))
    assert value(world, world.manager, "follow_ups", owner_id=world.teammate.pk) == 1
    assert value(world, world.outsider, "follow_ups") == 0


@pytest.mark.parametrize("viewer", ["owner", "manager", "sibling_manager", "director", "admin"])
def test_the_breakdown_by_owner_agrees_with_the_won_amount_figures(world: World, viewer: str) -> None:
    ExchangeRateFactory(month=FEB, currency="USD", rate=Decimal("6.5"))
    for n, name in enumerate(["owner", "teammate", "manager", "outsider", "sibling_manager", "director"]):
        person = getattr(world, name)
        won(person, str(100 + n), FEB)
        won(person, str(10 + n), FEB, currency="USD")
        won(person, str(1 + n), MAR, currency="USD")  # no rate: left out of both
        lost(person, MAR)
        won(person, "5", datetime.date(2026, 4, 4))  # outside the quarter
    actor = world.actor(getattr(world, viewer))
    by_owner = engine.figures(actor=actor, kpi=kpi("won_amount"), start=Q1[0], end=Q1[1], group_by="owner")
    rows, total = engine.deal_breakdown(
        actor=actor, group_by="owner", filters={"closed_from": Q1[0], "closed_to": Q1[1]}
    )
    assert {row.key: row.won_amount for row in rows} == {k: f.value for k, f in by_owner.items()}
    assert {row.key: row.missing_rates for row in rows} == {k: f.missing_rates for k, f in by_owner.items()}
    assert total.won_amount == engine.figure(actor=actor, kpi=kpi("won_amount"), start=Q1[0], end=Q1[1]).value
    rates = engine.figures(actor=actor, kpi=kpi("win_rate"), start=Q1[0], end=Q1[1], group_by="owner")
    assert {row.key: row.win_rate for row in rows} == {k: f.value for k, f in rates.items()}


# --- Cost ---------------------------------------------------------------------------------------------


def _queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_records(world: World) -> None:
    ExchangeRateFactory(month=FEB, currency="USD", rate=Decimal("7"))
    company_settings()

    def work() -> None:
        actor = world.actor(world.manager)
        engine.figure(
            actor=actor, kpi=kpi("won_amount"), start=Q1[0], end=Q1[1], scope=Scope(team_id=world.east.pk)
        )
        engine.figure(actor=actor, kpi=kpi("win_rate"), start=Q1[0], end=Q1[1])
        engine.figures(actor=actor, kpi=kpi("won_amount"), start=Q1[0], end=Q1[1], group_by="owner")
        engine.series(
            actor=actor,
            kpi=kpi("new_pipeline"),
            periods=period_containing(JAN, QUARTER, fiscal_start=1).months(),
        )
        for group in engine.BREAKDOWN_GROUPS:
            engine.deal_breakdown(actor=actor, group_by=group)
        engine.deal_breakdown(actor=actor, group_by="owner", filters={"closed_from": JAN, "opened_to": MAR})
        engine.figure(actor=actor, kpi=kpi("follow_ups"), start=datetime.date(2026, 1, 10), end=Q1[1])
        engine.open_pipeline(actor=actor)
        engine.funnel(actor=actor, start=Q1[0], end=datetime.date(2026, 3, 15))

    def add(n: int) -> None:
        for i in range(n):
            won(
                [world.owner, world.teammate][i % 2],
                str(10 + i),
                [JAN, FEB, MAR][i % 3],
                currency=["CNY", "USD"][i % 2],
            )
            deal = lost(world.owner, FEB, opened_on=FEB)
            DealStageHistory.objects.create(
                deal=deal, stage=stage_named("Qualification"), entered_at=timezone.now()
            )
            DealFactory(owner=world.teammate, opened_on=MAR)
            ActivityFactory(
                author=world.owner, occurred_at=timezone.make_aware(datetime.datetime(2026, 2, 2, 9))
            )

    work()  # whether the summaries' triggers are in place is checked once per process
    add(2)
    few = _queries(work)
    add(20)
    assert _queries(work) == few


# --- One read a request ---------------------------------------------------------------------------


def test_remembering_reads_the_same_tallies_once_and_only_within(world: World) -> None:
    won(world.owner, "100", JAN, team=world.east_sales)
    won(world.teammate, "50", FEB, team=world.east_sales)
    director = world.actor(world.admin)
    args = {"actor": director, "kpi": kpi("won_amount"), "start": Q1[0], "end": Q1[1]}

    with engine.remembering():
        with CaptureQueriesContext(connection) as first:
            by_team = engine.figures(group_by="team", **args)
        with CaptureQueriesContext(connection) as again:
            assert engine.figures(group_by="team", **args) == by_team
        with CaptureQueriesContext(connection) as by_owner:
            owners = engine.figures(group_by="owner", **args)  # another grouping: its own read
        won(world.owner, "1000", FEB, team=world.east_sales)  # (a read-only request never does this)
        assert engine.figures(group_by="team", **args) == by_team
    outside = engine.figures(group_by="team", **args)

    assert by_team[world.east_sales.pk].value == Decimal("150.00")
    assert len(first.captured_queries) >= 1
    assert not [q for q in again.captured_queries if "deal" in q["sql"]]
    assert [q for q in by_owner.captured_queries if "deal" in q["sql"]]
    assert owners[world.owner.pk].value == Decimal("100.00")
    assert outside[world.east_sales.pk].value == Decimal("1150.00")


def test_remembering_keeps_each_actor_and_scope_apart(world: World) -> None:
    won(world.owner, "100", JAN, team=world.east_sales)
    won(world.outsider, "7", JAN)
    code = kpi("won_amount")

    with engine.remembering():
        everyone = engine.figure(actor=world.actor(world.admin), kpi=code, start=Q1[0], end=Q1[1])
        theirs = engine.figure(actor=world.actor(world.owner), kpi=code, start=Q1[0], end=Q1[1])
        outsiders = engine.figure(
            actor=world.actor(world.admin),
            kpi=code,
            start=Q1[0],
            end=Q1[1],
            scope=Scope(owner_id=world.outsider.pk),
        )

    assert (everyone.value, theirs.value, outsiders.value) == (
        Decimal("107.00"),
        Decimal("100.00"),
        Decimal("7.00"),
    )
