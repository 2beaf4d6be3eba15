"""Factories for targets."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from tandem.kpis.tests.factories import kpi
from tandem.targets.models import PeriodKind, SubjectKind, Target


class TargetFactory(DjangoModelFactory[Target]):
    """A person's monthly won-amount target (March 2026) unless told otherwise."""

    class Meta:
        model = Target

    subject_kind = SubjectKind.PERSON
    user: Any = None
    team: Any = None
    kpi = factory.LazyFunction(lambda: kpi("won_amount"))
    period_kind = PeriodKind.MONTH
    start = datetime.date(2026, 3, 1)
    end = datetime.date(2026, 3, 31)
    value = Decimal("100000.00")
