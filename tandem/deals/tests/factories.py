"""Factories for deals (in the default pipeline) and products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tandem.customers.services import primary_team_id
from tandem.deals.models import Deal, DealStatus, LostReason, Pipeline, Product, Stage, StageKind
from tandem.deals.services import default_pipeline, ensure_default_pipeline, ensure_lost_reasons
from tandem.org.models import Team


def pipeline() -> Pipeline:
    """The default pipeline (created by the deals app's post_migrate hook)."""
    ensure_default_pipeline()
    found = default_pipeline()
    assert found is not None
    return found


def stage_named(name: str) -> Stage:
    """A stage of the default pipeline by its English name: Qualification, Proposal, Won, Lost..."""
    return Stage.objects.get(pipeline=pipeline(), name=name)


def first_open_stage() -> Stage:
    stage = pipeline().stages.filter(kind=StageKind.OPEN).order_by("order").first()
    assert stage is not None
    return stage


def _status(o: Any) -> str:
    return {"open": DealStatus.OPEN, "won": DealStatus.WON, "lost": DealStatus.LOST}[o.stage.kind]


class DealFactory(DjangoModelFactory[Deal]):
    """An open deal owned by ``owner`` (required), team = the owner's primary team.

    Pass ``stage=stage_named("Won")`` for a won deal: status and closed_on follow the stage.
    """

    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    account: Any = None
    owner: Any = None
    team = factory.LazyAttribute(
        lambda o: Team.objects.filter(pk=primary_team_id(o.owner)).first() if o.owner else None
    )
    stage = factory.LazyFunction(first_open_stage)
    pipeline = factory.LazyAttribute(lambda o: o.stage.pipeline)
    status = factory.LazyAttribute(_status)
    closed_on = factory.LazyAttribute(lambda o: None if o.status == DealStatus.OPEN else timezone.localdate())
    lost_reason_ref = factory.LazyAttribute(
        lambda o: lost_reason_named("Price") if o.status == DealStatus.LOST else None
    )
    amount = Decimal("10000.00")
    stage_entered_at = factory.LazyFunction(timezone.now)


def lost_reason_named(name: str) -> LostReason:
    """A built-in lost reason by its stored name ("Price", "Other")."""
    ensure_lost_reasons()
    return LostReason.objects.get(name=name)


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    code = factory.Sequence(lambda n: f"P-{n:04d}")
    list_price = Decimal("100.00")
