"""Factories for the KPI foundation: exchange rates and custom KPI definitions, and a helper
to read a built-in KPI."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from tandem.kpis.models import ExchangeRate, KpiDefinition, Measure, Source, Unit


def kpi(code: str) -> KpiDefinition:
    """A KPI by code (the built-ins exist after migrate: won_amount, win_rate, follow_ups, ...)."""
    return KpiDefinition.objects.select_related("numerator", "denominator").get(code=code)


class ExchangeRateFactory(DjangoModelFactory[ExchangeRate]):
    class Meta:
        model = ExchangeRate

    month = datetime.date(2026, 1, 1)
    currency = "USD"
    rate = Decimal("7.00000000")


class KpiFactory(DjangoModelFactory[KpiDefinition]):
    """A custom count KPI over deals by closed date; override source, measure, filters, ..."""

    class Meta:
        model = KpiDefinition

    code = factory.Sequence(lambda n: f"custom_{n}")
    name = factory.Sequence(lambda n: f"Custom KPI {n}")
    source = Source.DEAL
    measure = Measure.COUNT
    date_field = "closed_on"
    filters: Any = factory.LazyFunction(dict)
    unit = Unit.COUNT
