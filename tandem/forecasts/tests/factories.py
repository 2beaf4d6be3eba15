"""Factories and helpers for forecast tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User


def open_deal(owner: User, *, amount: str, stage: str = "Proposal", close: datetime.date, **kw: Any) -> Deal:
    """An open deal closing on ``close``, its category its stage's unless given."""
    found = stage_named(stage)
    kw.setdefault("forecast_category", found.forecast_category)
    deal: Deal = DealFactory(
        owner=owner, stage=found, amount=Decimal(amount), expected_close_date=close, **kw
    )
    return deal


def won_deal(owner: User, *, amount: str, closed: datetime.date) -> Deal:
    deal: Deal = DealFactory(owner=owner, stage=stage_named("Won"), amount=Decimal(amount), closed_on=closed)
    return deal
