"""Flows for tests: a discount flow and a stage flow, built through the service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tandem.approvals import services
from tandem.approvals.models import ApprovalFlow
from tandem.core.access import Actor
from tandem.deals.models import Stage
from tandem.org.models import User


def admin_actor() -> Actor:
    admin = User.objects.get(username="admin")
    return Actor.for_user(admin)


def discount_flow(
    *, min_discount: str = "15", steps: list[dict[str, Any]] | None = None, **data: Any
) -> ApprovalFlow:
    return services.flow_save(
        actor=admin_actor(),
        flow=None,
        data={"name": "Discount", "guard": "deal.discount", "min_discount": Decimal(min_discount), **data},
        steps=steps or [{"approver_kind": "manager"}],
    )


def stage_flow(
    *, stages: list[Stage], steps: list[dict[str, Any]] | None = None, **data: Any
) -> ApprovalFlow:
    return services.flow_save(
        actor=admin_actor(),
        flow=None,
        data={"name": "Stage", "guard": "deal.stage", "stages": stages, **data},
        steps=steps or [{"approver_kind": "manager"}],
    )
