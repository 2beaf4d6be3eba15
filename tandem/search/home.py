"""The person's day on the home page: follow-ups due, deals closing this month, pool reminders,
recent notifications. Every read starts from ``access.visible``; every list is bounded."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.models import Notification
from tandem.customers.models import Account
from tandem.customers.pools import reclaim_warnings
from tandem.deals.models import Deal, DealStatus
from tandem.leads.models import Lead, LeadStatus

DUE_LIMIT = 10
NOTIFICATION_LIMIT = 5


def _month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = today.replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, next_month - datetime.timedelta(days=1)


def due_follow_ups(*, actor: Actor, today: datetime.date | None = None) -> dict[str, Any]:
    """My accounts, leads and deals whose next follow-up is today or overdue (oldest first)."""
    today = today or timezone.localdate()
    user = actor.user
    rows: list[dict[str, Any]] = []
    total = 0
    sources: list[tuple[str, Any]] = [
        ("account", Account.objects.all()),
        ("lead", Lead.objects.exclude(status__in=[LeadStatus.CONVERTED, LeadStatus.UNQUALIFIED])),
        ("deal", Deal.objects.filter(status=DealStatus.OPEN).select_related("account")),
    ]
    for resource, base in sources:
        if not actor.has(resource):
            continue
        qs = access.visible(actor, resource, base.filter(owner=user, next_follow_up_on__lte=today))
        found = list(qs.order_by("next_follow_up_on", "id")[: DUE_LIMIT + 1])
        total += len(found)
        for obj in found[:DUE_LIMIT]:
            rows.append(
                {
                    "type": resource,
                    "obj": obj,
                    "on": obj.next_follow_up_on,
                    "overdue": obj.next_follow_up_on < today,
                    "days": (today - obj.next_follow_up_on).days,
                }
            )
    rows.sort(key=lambda r: (r["on"], r["type"]))
    shown = rows[:DUE_LIMIT]
    return {"rows": shown, "more": total > DUE_LIMIT, "count": len(shown)}


def deals_closing_this_month(*, actor: Actor, today: datetime.date | None = None) -> dict[str, Any]:
    """My open deals expected to close this month: how many, and their amount in the company
    currency, other currencies converted at this month's rate as the open pipeline is (one
    query grouped by currency); amounts without a rate are left out and said so."""
    from tandem.kpis import engine

    today = today or timezone.localdate()
    first, last = _month_bounds(today)
    currency = engine._company(actor).currency
    found: dict[str, Any] = {
        "count": 0,
        "total": Decimal("0"),
        "first": first,
        "last": last,
        "currency": currency,
        "missing_rates": [],
    }
    if not actor.has("deal"):
        return found
    qs = access.visible(
        actor,
        "deal",
        Deal.objects.filter(
            owner=actor.user, status=DealStatus.OPEN, expected_close_date__range=(first, last)
        ),
    )
    amounts = engine.Amounts()
    for row in qs.order_by().values("currency").annotate(n=Count("id"), total=Sum("amount")):
        found["count"] += row["n"]
        amounts.add(row["currency"], None if row["currency"] == currency else first, row["total"])
    total, _known, missing = engine.Rates(currency, amounts.needs(), actor).convert(amounts)
    found["total"] = total
    found["missing_rates"] = engine.missing_rates_text(missing)
    return found


def person_day_context(*, actor: Actor) -> dict[str, Any]:
    user = actor.user
    mine = Notification.objects.filter(recipient=user)
    return {
        "due": due_follow_ups(actor=actor),
        "closing": deals_closing_this_month(actor=actor),
        # Live, not the stored notification: a follow-up that answered it removes it at once.
        "reclaim_soon": reclaim_warnings(actor=actor, person=user, limit=NOTIFICATION_LIMIT)
        if actor.has("account") and user is not None
        else [],
        "recent_notifications": list(mine.order_by("-created_at", "-id")[:NOTIFICATION_LIMIT]),
        "can_log": actor.has("activity", "create"),
        "has_crm": any(actor.has(r) for r in ("account", "lead", "deal")),
    }
