"""Pipeline coverage = weighted open pipeline ÷ remaining target.

The remaining target comes from the targets app (``tandem.targets``), which registers a provider
here when it is installed; this module never guesses one. Without a provider, or when the
provider knows no target for the scope and period, coverage is None and the pages show the
weighted open pipeline alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from tandem.core.access import Actor
from tandem.kpis.engine import Scope

# (actor, period start, period end, scope) -> the won amount still to reach the period's target
# (the target minus what is already won, floored at 0), or None when no target is set.
RemainingTarget = Callable[[Actor, datetime.date, datetime.date, Scope], Decimal | None]

_providers: list[RemainingTarget] = []


def register_remaining_target(provider: RemainingTarget) -> None:
    """Called by the targets app's ``ready()``."""
    if provider not in _providers:
        _providers.append(provider)


def remaining_target(
    *, actor: Actor, start: datetime.date, end: datetime.date, scope: Scope
) -> Decimal | None:
    """The first registered provider's answer; None without one."""
    for provider in _providers:
        found = provider(actor, start, end, scope)
        if found is not None:
            return found
    return None


def coverage(weighted: Decimal, remaining: Decimal | None) -> Decimal | None:
    """Weighted open pipeline ÷ remaining target, as a ratio (1.5 = 150 %); None without a
    remaining target or when the target is already met (nothing left to cover)."""
    if remaining is None or remaining <= 0:
        return None
    return (weighted / remaining).quantize(Decimal("0.01"), ROUND_HALF_UP)
