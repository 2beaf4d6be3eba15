"""The demo company's approvals (issue 14 §8): a discount flow (15 % and more: the rep's manager;
30 % and more: then the sales director) and a stage flow (moving a deal of 50,000 or more into
Negotiation or Won: the sales director), with requests in every state among the demo people.

``seed_approvals()`` is idempotent (the discount flow existing means it ran) and deterministic
(deals are chosen by id).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from tandem.core.access import Actor
from tandem.deals import services as deal_services
from tandem.deals.models import Deal, DealStatus, Product, Stage
from tandem.org.models import Role, User

from . import services
from .models import ApprovalFlow, ApprovalRequest

DISCOUNT_FLOW = "Discounts of 15% and more"
STAGE_FLOW = "Large deals into Negotiation or Won"


@dataclass
class ApprovalSeedResult:
    flows: int = 0
    requests: int = 0
    skipped: bool = False

    def summary_line(self) -> str:
        if self.skipped:
            return "Approval flows exist already: no approvals added."
        return f"Approvals: {self.flows} flows, {self.requests} requests (pending, approved, rejected, returned)."


def _actor(user: User) -> Actor:
    return Actor.for_user(User.objects.get(pk=user.pk))


def by_user(user: User | None) -> Actor | None:
    return _actor(user) if user is not None else None


def _team_deals(manager: User) -> list[Deal]:
    """Open deals of the people reporting to ``manager``, by id (the scenarios take them in turn)."""
    return list(
        Deal.objects.filter(
            owner__manager=manager, owner__is_active=True, status=DealStatus.OPEN, amount__gt=0
        )
        .select_related("stage", "owner")
        .order_by("id")[:40]
    )


def _discount(actor: Actor, deal: Deal, percent: int) -> ApprovalRequest | None:
    product = (
        Product.objects.filter(is_active=True, currency=deal.currency, list_price__gt=0)
        .order_by("id")
        .first()
    )
    if product is None:
        return None
    quantity = max(1, int((deal.amount or Decimal(0)) // product.list_price) or 1)
    line = {"product": product, "quantity": Decimal(quantity), "discount_percent": Decimal(percent)}
    saved = deal_services.deal_update(actor=actor, deal=deal, data={}, lines=[line])
    held = getattr(saved, "held_approvals", [])
    return held[0] if held else None


@transaction.atomic
def seed_approvals() -> ApprovalSeedResult:
    result = ApprovalSeedResult()
    if ApprovalFlow.objects.filter(name=DISCOUNT_FLOW).exists():
        result.skipped = True
        return result
    people = {u.username: u for u in User.objects.filter(is_active=True)}
    admin = people.get("admin") or User.objects.filter(is_superuser=True).first()
    director_role = Role.objects.filter(code="sales-director").first()
    if admin is None or director_role is None:
        result.skipped = True
        return result
    admin_actor = _actor(admin)
    services.flow_save(
        actor=admin_actor,
        flow=None,
        data={
            "name": DISCOUNT_FLOW,
            "names": {"zh-hans": "折扣 15% 及以上"},
            "guard": "deal.discount",
            "min_discount": Decimal("15"),
            "priority": 10,
            "reminder_hours": 24,
        },
        steps=[
            {"approver_kind": "manager"},
            {"approver_kind": "role", "role": director_role, "min_discount": Decimal("30")},
        ],
    )
    stages = list(
        Stage.objects.filter(
            pipeline=deal_services.default_pipeline(), name__in=["Negotiation", "Won"]
        ).order_by("order")
    )
    result.flows = 1
    if stages:
        services.flow_save(
            actor=admin_actor,
            flow=None,
            data={
                "name": STAGE_FLOW,
                "names": {"zh-hans": "大额商机进入谈判或赢单"},
                "guard": "deal.stage",
                "min_amount": Decimal("50000"),
                "stages": stages,
                "priority": 20,
                "reminder_hours": 48,
            },
            steps=[{"approver_kind": "role", "role": director_role}],
        )
        result.flows += 1
    used: set[int] = set()
    manager_user = people.get("manager")
    manager, director = by_user(manager_user), by_user(people.get("director"))
    pool = _team_deals(manager_user) if manager_user else []

    def discount(percent: int) -> ApprovalRequest | None:
        for deal in pool:
            if deal.pk in used:
                continue
            used.add(deal.pk)
            request = _discount(_actor(deal.owner), deal, percent)
            if request is not None:
                result.requests += 1
                return request
        return None

    if manager is not None:
        # Pending with the manager.
        discount(20)
        # Approved by the manager, pending with the director (35 % needs both).
        request = discount(35)
        if request is not None:
            services.request_approve(actor=manager, request=request, comment="客户是三年老客户，同意。")
        # Approved and applied.
        request = discount(18)
        if request is not None:
            services.request_approve(actor=manager, request=request)
        # Rejected with a reason.
        request = discount(25)
        if request is not None:
            services.request_reject(
                actor=manager, request=request, reason="Margin too low; offer 12% with a longer term."
            )
        # Returned for changes, after the rep's comment.
        request = discount(22)
        if request is not None:
            services.request_comment(
                actor=_actor(request.submitter), request=request, body="竞争对手报价低 20%。"
            )
            services.request_return(actor=manager, request=request, comment="请补充竞品报价单后重新提交。")
    # A large deal moved into Negotiation: pending with the director.
    negotiation = next((s for s in stages if s.name == "Negotiation"), None)
    if negotiation is not None and manager_user is not None and director is not None:
        big = (
            Deal.objects.filter(
                owner__manager=manager_user,
                owner__is_active=True,
                status=DealStatus.OPEN,
                amount__gte=Decimal("50000"),
                pipeline=negotiation.pipeline,
                stage__order__lt=negotiation.order,
            )
            .exclude(pk__in=used)
            .select_related("owner")
            .order_by("id")
            .first()
        )
        if big is not None:
            saved = deal_services.deal_move(actor=_actor(big.owner), deal=big, stage=negotiation)
            result.requests += len(getattr(saved, "held_approvals", []))
    return result
