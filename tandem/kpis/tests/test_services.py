"""Company settings, exchange rates and KPI definitions: administrators change them, validated,
in history; everyone else is refused and nothing changes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.conftest import World
from tandem.core.errors import VersionConflict
from tandem.core.history import entries_for
from tandem.deals.tests.factories import pipeline
from tandem.kpis import services
from tandem.kpis.company import company_settings
from tandem.kpis.models import CompanySettings, ExchangeRate, KpiDefinition
from tandem.kpis.tests.factories import ExchangeRateFactory, KpiFactory, kpi

JAN = datetime.date(2026, 1, 1)


def _errors(exc: Any) -> dict[str, list[str]]:
    return dict(exc.value.message_dict)


# --- Company settings ------------------------------------------------------------------------------


def test_the_company_settings_start_with_the_installations_currency(db: None, settings: Any) -> None:
    settings.DEFAULT_CURRENCY = "USD"
    found = company_settings()
    assert (found.pk, found.currency, found.fiscal_year_start_month) == (1, "USD", 1)
    assert (found.pace_at_risk, found.pace_off_track) == (Decimal("0.90"), Decimal("0.70"))
    assert company_settings().pk == 1 and CompanySettings.objects.count() == 1


def test_an_administrator_changes_the_settings_and_history_says_so(world: World) -> None:
    actor = world.actor(world.admin)
    saved = services.company_settings_update(
        actor=actor,
        data={
            "currency": "usd",
            "fiscal_year_start_month": 4,
            "pace_at_risk": "0.95",
            "pace_off_track": "0.6",
        },
        version=1,
    )
    assert (saved.currency, saved.fiscal_year_start_month, saved.pace_at_risk, saved.pace_off_track) == (
        "USD",
        4,
        Decimal("0.95"),
        Decimal("0.60"),
    )
    assert saved.version == 2 and saved.updated_by == world.admin
    changes = entries_for(saved)[0].changes
    assert changes["currency"] == ["CNY", "USD"] and changes["fiscal_year_start_month"] == [1, 4]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
        ({"fiscal_year_start_month": "April"}, "fiscal_year_start_month"),
        ({"pace_at_risk": "1.5"}, "pace_at_risk"),
        ({"pace_off_track": "abc"}, "pace_off_track"),
        ({"pace_at_risk": "0.5", "pace_off_track": "0.8"}, "pace_off_track"),
    ],
)
def test_bad_settings_are_refused_per_field(world: World, data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.company_settings_update(actor=world.actor(world.admin), data=data)
    assert list(_errors(exc)) == [field]
    assert company_settings().version == 1


def test_changing_the_currency_with_rates_on_file_needs_them_cleared(world: World) -> None:
    ExchangeRateFactory(month=JAN, currency="USD")
    actor = world.actor(world.admin)
    with pytest.raises(ValidationError) as exc:
        services.company_settings_update(actor=actor, data={"currency": "EUR"})
    assert "1 exchange rates" in _errors(exc)["currency"][0]
    assert ExchangeRate.objects.count() == 1
    services.company_settings_update(actor=actor, data={"currency": "EUR"}, clear_rates=True)
    assert ExchangeRate.objects.count() == 0 and company_settings().currency == "EUR"
    # Same currency: nothing to clear, no question asked.
    ExchangeRateFactory(month=JAN, currency="USD")
    services.company_settings_update(actor=actor, data={"currency": "EUR", "fiscal_year_start_month": 2})
    assert ExchangeRate.objects.count() == 1


def test_a_stale_version_of_the_settings_is_a_conflict(world: World) -> None:
    actor = world.actor(world.admin)
    services.company_settings_update(actor=actor, data={"fiscal_year_start_month": 2}, version=1)
    with pytest.raises(VersionConflict):
        services.company_settings_update(actor=actor, data={"fiscal_year_start_month": 3}, version=1)
    assert company_settings().fiscal_year_start_month == 2


@pytest.mark.parametrize("person", ["director", "manager", "owner"])
def test_only_administrators_change_company_wide_configuration(world: World, person: str) -> None:
    actor = world.actor(getattr(world, person))
    rate = ExchangeRateFactory(month=JAN, currency="USD", rate=Decimal("7"))
    custom = KpiFactory()
    with pytest.raises(PermissionDenied):
        services.company_settings_update(actor=actor, data={"currency": "USD"})
    with pytest.raises(PermissionDenied):
        services.exchange_rate_set(actor=actor, month=JAN, currency="USD", rate="8")
    with pytest.raises(PermissionDenied):
        services.exchange_rate_delete(actor=actor, rate=rate)
    with pytest.raises(PermissionDenied):
        services.kpi_save(
            actor=actor, kpi=None, data={"name": "Mine", "source": "deal", "date_field": "closed_on"}
        )
    with pytest.raises(PermissionDenied):
        services.kpi_delete(actor=actor, kpi=custom)
    assert company_settings().currency == "CNY"
    assert ExchangeRate.objects.get().rate == Decimal("7")
    assert KpiDefinition.objects.filter(pk=custom.pk).exists()
    assert KpiDefinition.objects.count() == len(services.BUILTIN_KPIS) + 1


# --- Exchange rates ------------------------------------------------------------------------------


def test_a_rate_is_set_for_the_month_then_replaced_then_removed(world: World) -> None:
    actor = world.actor(world.admin)
    rate = services.exchange_rate_set(
        actor=actor, month=datetime.date(2026, 1, 17), currency="usd", rate="7.12345678"
    )
    assert (rate.month, rate.currency, rate.rate, rate.version) == (JAN, "USD", Decimal("7.12345678"), 1)
    again = services.exchange_rate_set(actor=actor, month=JAN, currency="USD", rate=Decimal("7.2"), version=1)
    assert again.pk == rate.pk and again.rate == Decimal("7.2") and again.version == 2
    with pytest.raises(VersionConflict):
        services.exchange_rate_set(actor=actor, month=JAN, currency="USD", rate="7.3", version=1)
    assert [e.action for e in entries_for(again)] == ["update", "create"]
    services.exchange_rate_delete(actor=actor, rate=again)
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("month", "currency", "rate", "fields"),
    [
        ("2026-01", "USD", "7", ["month"]),
        (JAN, "CNY", "1", ["currency"]),  # the company currency needs no rate
        (JAN, "XXX", "1", ["currency"]),
        (JAN, "USD", "0", ["rate"]),
        (JAN, "USD", "-7", ["rate"]),
        (JAN, "USD", "seven", ["rate"]),
        (JAN, "USD", "7.123456789", ["rate"]),
        (JAN, "USD", "NaN", ["rate"]),
        (datetime.date(609, 1, 1), "USD", "7", ["month"]),
        (datetime.date(2101, 1, 1), "USD", "7", ["month"]),
    ],
)
def test_bad_rates_are_refused_per_field(
    world: World, month: Any, currency: str, rate: str, fields: list[str]
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.exchange_rate_set(actor=world.actor(world.admin), month=month, currency=currency, rate=rate)
    assert sorted(_errors(exc)) == fields
    assert not ExchangeRate.objects.exists()


# --- KPI definitions -----------------------------------------------------------------------------


def test_an_administrator_defines_a_custom_count_kpi_with_whitelisted_filters(world: World) -> None:
    saved = services.kpi_save(
        actor=world.actor(world.admin),
        kpi=None,
        data={
            "name": "Referral wins",
            "names": {"zh-hans": "转介绍赢单"},
            "source": "deal",
            "measure": "count",
            "date_field": "closed_on",
            "filters": {"status": "won", "source": ["referral", "partner", "referral"]},
        },
    )
    assert saved.code == "referral-wins"
    assert saved.filters == {"status": ["won"], "source": ["referral", "partner"]}
    assert (saved.unit, saved.is_builtin, saved.created_by) == ("count", False, world.admin)
    assert entries_for(saved)[0].action == "create"


def test_a_sum_kpi_sums_the_sources_money_field_and_is_money(world: World) -> None:
    pipeline_id = pipeline().pk
    saved = services.kpi_save(
        actor=world.actor(world.admin),
        kpi=None,
        data={
            "code": "main_pipeline",
            "name": "Main pipeline",
            "source": "deal",
            "measure": "sum",
            "date_field": "opened_on",
            "filters": {"pipeline": [str(pipeline_id)]},
        },
    )
    assert (saved.sum_field, saved.unit, saved.filters) == ("amount", "money", {"pipeline": [pipeline_id]})


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"source": "deal", "date_field": "created_at"}, ["date_field"]),
        ({"source": "invoice", "date_field": "closed_on"}, ["source"]),
        ({"source": "deal", "date_field": "closed_on", "filters": {"owner": [1]}}, ["filters"]),
        ({"source": "deal", "date_field": "closed_on", "filters": {"status": ["maybe"]}}, ["filters"]),
        ({"source": "deal", "date_field": "closed_on", "filters": {"status": []}}, ["filters"]),
        ({"source": "deal", "date_field": "closed_on", "filters": "status=won"}, ["filters"]),
        ({"source": "activity", "date_field": "occurred_at", "measure": "sum"}, ["measure"]),
        ({"source": "deal", "date_field": "closed_on", "measure": "median"}, ["measure"]),
        ({"source": "deal", "date_field": "closed_on", "code": "Has Spaces"}, ["code"]),
        ({"source": "deal", "date_field": "closed_on", "code": "won_amount"}, ["code"]),
        ({"source": "deal", "date_field": "closed_on", "name": ""}, ["code", "name"]),
        ({"measure": "ratio"}, ["denominator", "numerator"]),
    ],
)
def test_a_bad_definition_is_refused_per_field(world: World, data: dict[str, Any], fields: list[str]) -> None:
    before = KpiDefinition.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.kpi_save(actor=world.actor(world.admin), kpi=None, data={"name": "Mine", **data})
    assert sorted(_errors(exc)) == fields
    assert KpiDefinition.objects.count() == before


def test_a_ratio_divides_two_count_or_sum_kpis_never_a_ratio_or_itself(world: World) -> None:
    actor = world.actor(world.admin)
    average = services.kpi_save(
        actor=actor,
        kpi=None,
        data={
            "code": "avg_won",
            "name": "Average won deal",
            "measure": "ratio",
            "unit": "money",
            "numerator": kpi("won_amount"),
            "denominator": kpi("won_deals"),
        },
    )
    assert (average.numerator, average.denominator, average.unit, average.source) == (
        kpi("won_amount"),
        kpi("won_deals"),
        "money",
        "",
    )
    with pytest.raises(ValidationError) as exc:
        services.kpi_save(
            actor=actor,
            kpi=None,
            data={"name": "x", "measure": "ratio", "numerator": average, "denominator": kpi("won_deals")},
        )
    assert list(_errors(exc)) == ["numerator"]
    counted = KpiFactory()
    with pytest.raises(ValidationError) as exc:
        services.kpi_save(
            actor=actor,
            kpi=counted,
            data={"measure": "ratio", "numerator": counted, "denominator": kpi("won_deals")},
        )
    assert list(_errors(exc)) == ["numerator"]


def test_a_builtin_kpi_may_be_renamed_and_deactivated_but_counts_what_it_counts(world: World) -> None:
    actor = world.actor(world.admin)
    won_amount = kpi("won_amount")
    saved = services.kpi_save(
        actor=actor,
        kpi=won_amount,
        data={"names": {"en": "Bookings"}, "is_active": False, "order": 5},
        version=1,
    )
    assert (saved.display_name, saved.is_active, saved.order, saved.version) == ("Bookings", False, 5, 2)
    changes: list[dict[str, Any]] = [
        {"filters": {}},
        {"date_field": "opened_on"},
        {"code": "bookings"},
        {"numerator": kpi("won_deals")},
    ]
    for data in changes:
        with pytest.raises(ValidationError):
            services.kpi_save(actor=actor, kpi=saved, data=data)
    services.kpi_save(
        actor=actor, kpi=saved, data={"code": "won_amount", "filters": {"status": ["won"]}}
    )  # unchanged: fine
    with pytest.raises(ValidationError):
        services.kpi_delete(actor=actor, kpi=saved)
    assert kpi("won_amount").filters == {"status": ["won"]}


def test_a_stale_version_of_a_kpi_is_a_conflict(world: World) -> None:
    custom = KpiFactory()
    actor = world.actor(world.admin)
    services.kpi_save(actor=actor, kpi=custom, data={"name": "First"}, version=1)
    with pytest.raises(VersionConflict):
        services.kpi_save(actor=actor, kpi=custom, data={"name": "Second"}, version=1)
    assert KpiDefinition.objects.get(pk=custom.pk).name == "First"


def test_a_kpi_another_one_divides_by_cannot_be_deleted(world: World) -> None:
    actor = world.actor(world.admin)
    part = KpiFactory()
    ratio = KpiFactory(
        measure="ratio",
        source="",
        date_field="",
        numerator=part,
        denominator=kpi("won_deals"),
        unit="percent",
    )
    with pytest.raises(ValidationError):
        services.kpi_delete(actor=actor, kpi=part)
    services.kpi_delete(actor=actor, kpi=ratio)
    services.kpi_delete(actor=actor, kpi=part)
    assert not KpiDefinition.objects.filter(pk__in=[part.pk, ratio.pk]).exists()
