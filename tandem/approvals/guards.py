"""Guarded changes: kinds of record changes an approval flow may hold for a decision.

An app declares each with ``register(Guard(...))`` in its ``ready()``; a flow names one by its
``code``. A guard knows how to summarise a held change for people (``describe``), which facts
a flow's conditions read from it (``facts``), and how to apply it once approved (``apply``,
which goes through the app's own services so their rules still hold). Later issues add
contracts, quotes and rewards the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.functional import Promise

from tandem.core.access import Actor

# Conditions a flow may set; a guard lists those that make sense for it.
AMOUNT, DISCOUNT, TEAM, PIPELINE, STAGES = "min_amount", "min_discount", "team", "pipeline", "stages"


@dataclass(frozen=True)
class Guard:
    code: str
    label: str | Promise
    resource: str
    model: str  # "deals.Deal": the kind of record it guards
    describe: Callable[[Mapping[str, Any]], list[tuple[str, str, str]]]  # (what, before, after) rows
    summary: Callable[[Mapping[str, Any]], str]  # one line, in the active language
    apply: Callable[[Actor, models.Model, Mapping[str, Any]], None]
    conditions: tuple[str, ...] = (AMOUNT, TEAM)
    required: tuple[str, ...] = ()  # conditions a flow for this guard must set


@dataclass(frozen=True)
class Facts:
    """What a flow's conditions are checked against, for one held change."""

    amount: Decimal | None = None
    discount: Decimal | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None


GUARDS: dict[str, Guard] = {}


def register(guard: Guard) -> Guard:
    GUARDS[guard.code] = guard
    return guard


def get(code: str) -> Guard | None:
    return GUARDS.get(code)


def choices() -> list[tuple[str, str]]:
    return [(g.code, str(g.label)) for g in GUARDS.values()]
