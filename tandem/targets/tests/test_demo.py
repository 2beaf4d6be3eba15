"""The demo company's targets: relative to what each person won, idempotent, with history."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.kpis import periods
from tandem.targets.demo import seed_targets
from tandem.targets.models import SubjectKind, Target


def test_it_sets_a_year_of_targets_above_last_years_results_once(world: World) -> None:
    today = timezone.localdate()
    last_month = periods.add_months(today.replace(day=1), -1)
    for _ in range(12):
        DealFactory(
            owner=world.owner, stage=stage_named("Won"), amount=Decimal("10000"), closed_on=last_month
        )
    result = seed_targets()
    assert result.people == 1 and result.created == 12 * 2 + 1 and result.edits == 6
    year = periods.period_containing(today, periods.YEAR)
    amounts = Target.objects.filter(user=world.owner, kpi__code="won_amount", start__gte=year.start)
    # 120,000 won over the last year: 10-20 % more, spread over the months (a little more in some)
    assert Decimal("130000") <= sum(t.value for t in amounts) <= Decimal("175000")
    deals = Target.objects.filter(user=world.owner, kpi__code="won_deals")
    assert {t.value for t in deals} == {Decimal(1)}
    company = Target.objects.get(subject_kind=SubjectKind.COMPANY)
    assert company.period_kind == "year" and company.value > 0
    edited = HistoryEntry.objects.filter(action="update", changes__has_key="value")
    assert edited.count() == 6
    again = seed_targets()
    assert again.skipped and Target.objects.count() == result.created
    assert "exist already" in again.summary_line()


def test_it_adds_nothing_without_won_deals(world: World) -> None:
    DealFactory(owner=world.owner, closed_on=None)
    assert seed_targets().created == 0
    assert not Target.objects.exists()


def test_it_gives_the_demo_exchange_rates_for_its_currencies_once(world: World) -> None:
    from django.utils import timezone

    from tandem.kpis.models import ExchangeRate
    from tandem.targets.demo import DEMO_RATES, seed_exchange_rates

    added = seed_exchange_rates()
    this_month = timezone.localdate().replace(day=1)
    assert added == 27 * len(DEMO_RATES)
    assert set(ExchangeRate.objects.filter(month=this_month).values_list("currency", flat=True)) == set(
        DEMO_RATES
    )
    assert seed_exchange_rates() == 0
