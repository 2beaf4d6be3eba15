from __future__ import annotations

from typing import Any

from tandem.core.access import Actor
from tandem.org.models import User

from ..models import Handoff, HandoffTemplate
from ..services import handoff_send, template_save

CHECKLIST = [
    {"label": "Contract signed", "labels": {"zh-hans": "合同已签"}, "required": True},
    {"label": "Contacts confirmed", "labels": {"zh-hans": "联系人已确认"}, "required": True},
    {"label": "Requirements documented", "labels": {"zh-hans": "需求已记录"}, "required": False},
]


def admin_actor() -> Actor:
    return Actor.for_user(User.objects.filter(username="admin").first())


def template(**overrides: Any) -> HandoffTemplate:
    data: dict[str, Any] = {
        "name": "Won deal to account manager",
        "names": {"zh-hans": "赢单交接给客户经理"},
        "record_kind": "deal",
        "from_role": "owner",
        "to_role": "account_manager",
        "trigger": "deal_won",
        "checklist": CHECKLIST,
        "required_fields": ["amount"],
        "sla_hours": 24,
        "on_accept": "owner",
        "sender_stays": True,
        "sender_role": "co_seller",
        **overrides,
    }
    return template_save(actor=admin_actor(), template=None, data=data)


def send(sender: User, record: Any, tpl: HandoffTemplate | None = None, **kwargs: Any) -> Handoff:
    kwargs.setdefault("checked", [0, 1])
    return handoff_send(actor=Actor.for_user(sender), template=tpl or template(), record=record, **kwargs)
