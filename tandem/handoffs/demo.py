"""The demo company's handoffs (issue 14 §2, §8): three templates — a won deal to an account
manager, a new customer's onboarding to technical support, a manual handover — and handoffs in
every state between demo people: accepted, rejected, pending, overdue, and one waiting in the
technical-support team's queue. Deterministic; a second run adds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.deals.models import Deal, DealStatus
from tandem.org.models import Team, User

from . import services
from .models import Handoff, HandoffTemplate

WON_TO_AM = "Won deal to account manager"
ONBOARDING = "Onboarding to technical support"
MANUAL = "Hand over a deal"

TEMPLATES: list[dict[str, Any]] = [
    {
        "name": WON_TO_AM,
        "names": {"zh-hans": "赢单交接客户经理"},
        "record_kind": "deal",
        "from_role": "owner",
        "to_role": "account_manager",
        "trigger": "deal_won",
        "checklist": [
            {"label": "Contract signed", "labels": {"zh-hans": "合同已签署"}, "required": True},
            {"label": "Contacts confirmed", "labels": {"zh-hans": "联系人已确认"}, "required": True},
            {"label": "Requirements documented", "labels": {"zh-hans": "需求已记录"}, "required": True},
        ],
        "required_fields": ["account", "amount"],
        "sla_hours": 24,
        "on_accept": "owner",
        "sender_stays": True,
        "sender_role": "co_seller",
    },
    {
        "name": ONBOARDING,
        "names": {"zh-hans": "上线交接技术支持"},
        "record_kind": "account",
        "from_role": "owner",
        "to_role": "support",
        "trigger": "account_onboarding",
        "checklist": [
            {"label": "Kick-off meeting held", "labels": {"zh-hans": "启动会已召开"}, "required": True},
            {
                "label": "Administrator accounts created",
                "labels": {"zh-hans": "管理员账号已开通"},
                "required": True,
            },
            {"label": "Training booked", "labels": {"zh-hans": "培训已预约"}, "required": False},
        ],
        "required_fields": [],
        "sla_hours": 48,
        "on_accept": "member",
        "sender_stays": True,
        "sender_role": "",
    },
    {
        "name": MANUAL,
        "names": {"zh-hans": "手动移交商机"},
        "record_kind": "deal",
        "from_role": "owner",
        "to_role": "owner",
        "trigger": "manual",
        "checklist": [
            {"label": "Next step written down", "labels": {"zh-hans": "下一步已写明"}, "required": True},
        ],
        "required_fields": ["next_step"],
        "sla_hours": 72,
        "on_accept": "owner",
        "sender_stays": False,
        "sender_role": "",
    },
]

NOTES = [
    "合同已回传，客户 IT 对接人是王工，周三前需要开通账号。",
    "Signed last Friday; the customer wants a quarterly review with their COO.",
    "客户要求下月初完成上线培训，请提前排期。",
    "Renewal in 12 months; price was discounted 8%, see the deal notes.",
]


@dataclass
class HandoffDemoResult:
    templates: int = 0
    handoffs: int = 0
    complete_already: bool = False

    def summary_line(self) -> str:
        if self.complete_already:
            return "Demo handoffs are complete already: nothing added."
        return f"Demo handoffs: {self.templates} templates, {self.handoffs} handoffs (every state)."


def _admin() -> User | None:
    return User.objects.filter(is_active=True, is_superuser=True).order_by("id").first() or (
        User.objects.filter(is_active=True, roles__is_admin=True).order_by("id").first()
    )


def _templates(result: HandoffDemoResult) -> dict[str, HandoffTemplate]:
    admin = _admin()
    found: dict[str, HandoffTemplate] = {
        t.name: t for t in HandoffTemplate.objects.filter(name__in=[d["name"] for d in TEMPLATES])
    }
    for data in TEMPLATES:
        if data["name"] in found or admin is None:
            continue
        found[data["name"]] = services.template_save(actor=Actor.for_user(admin), template=None, data=data)
        result.templates += 1
    return found


def _won_deals(n: int) -> list[Deal]:
    return list(
        Deal.objects.filter(
            status=DealStatus.WON,
            account__isnull=False,
            amount__gt=0,
            owner__is_active=True,
            owner__roles__code="sales-rep",
        )
        .select_related("owner", "account")
        .distinct()
        .order_by("id")[:n]
    )


def _backdate(handoff: Handoff, *, sent_hours_ago: float, decided_after: float | None = None) -> None:
    """Demo history: when it was sent and, if decided, how long acceptance took."""
    now = timezone.now()
    sent = now - datetime.timedelta(hours=sent_hours_ago)
    values: dict[str, Any] = {
        "created_at": sent,
        "due_at": sent + datetime.timedelta(hours=handoff.template.sla_hours),
    }
    if decided_after is not None:
        values["decided_at"] = sent + datetime.timedelta(hours=decided_after)
        if handoff.response_seconds is not None:
            values["response_seconds"] = int(decided_after * 3600)
    Handoff.objects.filter(pk=handoff.pk).update(**values)


@transaction.atomic
def seed_handoffs() -> HandoffDemoResult:
    result = HandoffDemoResult()
    templates = _templates(result)
    if Handoff.objects.filter(template__name__in=[WON_TO_AM, ONBOARDING, MANUAL]).exists():
        result.complete_already = result.templates == 0
        return result
    people = {u.username: u for u in User.objects.filter(username__in=["am", "han.xue", "feng.tao"])}
    support_team = Team.objects.filter(name="技术支持部", deleted_at__isnull=True).first()
    deals = _won_deals(6)
    if len(deals) < 5 or len(people) < 3 or WON_TO_AM not in templates:
        return result
    won = templates[WON_TO_AM]
    ticked = [0, 1, 2]

    def send(deal: Deal, recipient: User, note: str) -> Handoff:
        result.handoffs += 1
        return services.handoff_send(
            actor=Actor.for_user(deal.owner),
            template=won,
            record=deal,
            recipient=recipient,
            note=note,
            checked=ticked,
        )

    # Accepted: the account manager took the deal on after five hours; the rep stays as co-seller.
    accepted = send(deals[0], people["am"], NOTES[0])
    accepted = services.handoff_accept(actor=Actor.for_user(people["am"]), handoff=accepted)
    _backdate(accepted, sent_hours_ago=240, decided_after=5)
    accepted_2 = send(deals[1], people["han.xue"], NOTES[1])
    accepted_2 = services.handoff_accept(actor=Actor.for_user(people["han.xue"]), handoff=accepted_2)
    _backdate(accepted_2, sent_hours_ago=120, decided_after=17)
    # Rejected, with the reason the figures count.
    rejected = send(deals[2], people["feng.tao"], NOTES[3])
    services.handoff_reject(
        actor=Actor.for_user(people["feng.tao"]), handoff=rejected, reason="合同扫描件缺失，请补齐后再发。"
    )
    _backdate(rejected, sent_hours_ago=72, decided_after=3)
    # Pending, due tomorrow; and overdue (the scheduler escalates it to the manager).
    send(deals[3], people["han.xue"], NOTES[1])
    overdue = send(deals[4], people["feng.tao"], NOTES[0])
    _backdate(overdue, sent_hours_ago=30)
    # Onboarding of the first customer: waiting in technical support's queue.
    if ONBOARDING in templates and support_team is not None:
        account = deals[0].account
        sender = account.owner if account is not None else None
        if account is not None and sender is not None and sender.is_active:
            services.handoff_send(
                actor=Actor.for_user(sender),
                template=templates[ONBOARDING],
                record=account,
                recipient_team=support_team,
                note=NOTES[2],
                checked=[0, 1],
            )
            result.handoffs += 1
    return result
