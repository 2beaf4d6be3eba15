"""A report drafted from the period's real activity (``build``).

For the period in the author's own time zone: the follow-ups they logged (by kind, and the list),
the accounts and leads they took on, the deals they moved between stages, the deals they won and
lost with amounts in the company currency (converted the way the figures are, at each close
month's rate), the tasks they finished, and their customer visits and meetings on the calendar.
Everything is read through the access policy as the author and only their own work counts.
The "work done" section is pre-filled in the author's language; the figures stay structured;
the previous report's plan is shown beside what happened. Nothing is saved here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from tandem.core import access
from tandem.core.access import Actor

from . import periods
from .defaults import default_template
from .models import Report, ReportKind, ReportStatus, ReportTemplate, SectionKind

LISTED = 20  # items listed per figure; the counts cover all


@dataclass
class Draft:
    author: Any
    kind: str
    period_start: datetime.date
    period_end: datetime.date
    template: ReportTemplate
    figures: dict[str, Any]
    answers: dict[str, str]
    previous: Report | None = None
    previous_plan: list[dict[str, str]] = field(default_factory=list)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def figures_for(author: Any, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The activity summary of ``author`` over ``start``..``end`` (dates in their zone): JSON-ready."""
    from tandem.activities.models import Activity
    from tandem.customers.models import Account
    from tandem.deals.models import Deal, DealStageHistory, DealStatus
    from tandem.kpis import company
    from tandem.kpis.engine import Amounts, Rates
    from tandem.leads.models import Lead

    actor = Actor.for_user(author)
    low, high = periods.bounds(author, start, end)
    me = author.pk
    out: dict[str, Any] = {"period": [start.isoformat(), end.isoformat()]}

    follow_ups = access.visible(actor, "activity", Activity.objects.all()).filter(
        author_id=me, occurred_at__gte=low, occurred_at__lt=high
    )
    by_kind = dict(follow_ups.order_by().values_list("kind").annotate(n=Count("id")))
    out["follow_ups"] = {
        "count": sum(by_kind.values()),
        "by_kind": by_kind,
        "items": [
            {
                "id": a.pk,
                "kind": a.kind,
                "subject": a.subject or (a.content or "")[:80],
                "record": str(a.account or a.lead or a.deal or ""),
                "at": a.occurred_at.isoformat(),
            }
            for a in follow_ups.select_related("account", "lead", "deal").order_by("occurred_at", "id")[
                :LISTED
            ]
        ],
    }

    accounts = access.visible(actor, "account", Account.objects.all()).filter(
        Q(owner_id=me) | Q(created_by_id=me), created_at__gte=low, created_at__lt=high
    )
    out["new_accounts"] = {
        "count": accounts.count(),
        "items": [
            {"id": pk, "name": name}
            for pk, name in accounts.order_by("id").values_list("pk", "name")[:LISTED]
        ],
    }
    leads = access.visible(actor, "lead", Lead.objects.all()).filter(
        Q(owner_id=me) | Q(created_by_id=me), created_at__gte=low, created_at__lt=high
    )
    out["new_leads"] = {
        "count": leads.count(),
        "items": [
            {"id": pk, "name": str(lead)} for pk, lead in ((x.pk, x) for x in leads.order_by("id")[:LISTED])
        ],
    }

    visible_deals = access.visible(actor, "deal", Deal.objects.all()).values("pk")
    moves = (
        DealStageHistory.objects.filter(
            actor_id=me, entered_at__gte=low, entered_at__lt=high, deal_id__in=visible_deals
        )
        .select_related("deal", "stage")
        .order_by("entered_at", "id")
    )
    move_rows = list(moves[: LISTED * 5])
    out["deals_moved"] = {
        "count": len({m.deal_id for m in move_rows}),
        "items": [
            {
                "id": m.deal_id,
                "name": m.deal.name,
                "stage": m.stage.display_name if hasattr(m.stage, "display_name") else str(m.stage),
            }
            for m in move_rows[:LISTED]
        ],
    }

    settings_ = company.company_settings()
    currency = settings_.currency
    for status, key in ((DealStatus.WON, "won"), (DealStatus.LOST, "lost")):
        closed = list(
            access.visible(actor, "deal", Deal.objects.all())
            .filter(owner_id=me, status=status, closed_on__gte=start, closed_on__lte=end)
            .order_by("closed_on", "id")
            .only("pk", "name", "amount", "currency", "closed_on")
        )
        amounts = Amounts()
        for deal in closed:
            if deal.amount is None:
                continue
            month = None if deal.currency == currency else (deal.closed_on or start).replace(day=1)
            amounts.add(deal.currency, month, deal.amount, 1)
        total, _known, missing = Rates(currency, amounts.needs(), actor).convert(amounts)
        out[key] = {
            "count": len(closed),
            "amount": str(total),
            "currency": currency,
            "missing_rates": [list(m) for m in missing],
            "items": [
                {
                    "id": d.pk,
                    "name": d.name,
                    "amount": None if d.amount is None else str(d.amount),
                    "currency": d.currency,
                }
                for d in closed[:LISTED]
            ],
        }

    from tandem.tasks.models import Task, TaskStatus

    tasks = access.visible(actor, "task", Task.objects.all()).filter(
        assignee_id=me, status=TaskStatus.DONE, completed_at__gte=low, completed_at__lt=high
    )
    out["tasks_done"] = {
        "count": tasks.count(),
        "items": [
            {"id": pk, "title": t}
            for pk, t in tasks.order_by("completed_at", "id").values_list("pk", "title")[:LISTED]
        ],
    }

    out["visits"] = {"count": 0, "items": []}
    out["meetings"] = {"count": 0, "items": []}
    if apps.is_installed("tandem.schedule"):
        from tandem.schedule.models import Event, EventStatus

        events = access.visible(actor, "event", Event.objects.all()).filter(
            Q(organizer_id=me) | Q(attendees__user_id=me),
            status=EventStatus.CONFIRMED,
            starts_at__gte=low,
            starts_at__lt=high,
        )
        for kind, key in (("visit", "visits"), ("meeting", "meetings")):
            rows = list(
                events.filter(kind=kind)
                .distinct()
                .order_by("starts_at", "id")
                .values_list("pk", "title")[: LISTED + 1]
            )
            count = len(rows) if len(rows) <= LISTED else events.filter(kind=kind).distinct().count()
            out[key] = {"count": count, "items": [{"id": pk, "title": t} for pk, t in rows[:LISTED]]}
    return out


def summary_lines(figures: dict[str, Any]) -> list[str]:
    """The figures in sentences, in the active language (the "work done" section's first draft)."""
    from tandem.activities.models import ActivityKind

    lines: list[str] = []
    fu = figures.get("follow_ups") or {}
    if fu.get("count"):
        kinds = pgettext("between items of a list", ", ")
        parts = [
            f"{ActivityKind(k).label} {n}"
            for k, n in sorted(fu.get("by_kind", {}).items())
            if k in ActivityKind.values
        ]
        lines.append(
            ngettext("Logged %(n)d follow-up (%(kinds)s)", "Logged %(n)d follow-ups (%(kinds)s)", fu["count"])
            % {"n": fu["count"], "kinds": kinds.join(parts)}
        )
    n = (figures.get("visits") or {}).get("count") or 0
    if n:
        lines.append(ngettext("%(n)d customer visit", "%(n)d customer visits", n) % {"n": n})
    n = (figures.get("meetings") or {}).get("count") or 0
    if n:
        lines.append(ngettext("%(n)d meeting", "%(n)d meetings", n) % {"n": n})
    n = (figures.get("new_accounts") or {}).get("count") or 0
    if n:
        lines.append(ngettext("%(n)d new customer", "%(n)d new customers", n) % {"n": n})
    n = (figures.get("new_leads") or {}).get("count") or 0
    if n:
        lines.append(ngettext("%(n)d new lead", "%(n)d new leads", n) % {"n": n})
    n = (figures.get("deals_moved") or {}).get("count") or 0
    if n:
        lines.append(ngettext("Moved %(n)d deal forward", "Moved %(n)d deals forward", n) % {"n": n})
    for key in ("won", "lost"):
        block = figures.get(key) or {}
        n = block.get("count") or 0
        if not n:
            continue
        values = {
            "n": n,
            "amount": _money(Decimal(block.get("amount") or "0")),
            "currency": block.get("currency", ""),
        }
        if key == "won":
            lines.append(
                ngettext(
                    "Won %(n)d deal, %(amount)s %(currency)s", "Won %(n)d deals, %(amount)s %(currency)s", n
                )
                % values
            )
        else:
            lines.append(
                ngettext(
                    "Lost %(n)d deal, %(amount)s %(currency)s", "Lost %(n)d deals, %(amount)s %(currency)s", n
                )
                % values
            )
    n = (figures.get("tasks_done") or {}).get("count") or 0
    if n:
        lines.append(ngettext("Finished %(n)d task", "Finished %(n)d tasks", n) % {"n": n})
    if not lines:
        lines.append(_("No activity recorded in Tandem for this period."))
    return lines


def previous_report(author: Any, kind: str, start: datetime.date) -> Report | None:
    return (
        Report.objects.filter(
            author_id=author.pk, kind=kind, status=ReportStatus.SUBMITTED, period_start__lt=start
        )
        .select_related("template")
        .order_by("-period_start")
        .first()
    )


def plan_of(report: Report | None) -> list[dict[str, str]]:
    """The plan sections of a report, title and text, in the active language."""
    if report is None:
        return []
    return [
        {"title": s["text"], "text": (report.answers or {}).get(s["key"], "")}
        for s in report.template.section_list()
        if s.get("kind") == SectionKind.PLAN and (report.answers or {}).get(s["key"])
    ]


def build(author: Any, kind: str, day: datetime.date, template: ReportTemplate | None = None) -> Draft:
    if kind not in ReportKind.values:
        raise ValueError(kind)
    start, end = periods.period_for(kind, day)
    template = template or default_template(kind)
    figures = figures_for(author, start, end)
    with translation.override(getattr(author, "language", None) or None):
        text = "\n".join(f"- {line}" for line in summary_lines(figures))
    answers = {s["key"]: "" for s in template.sections or []}
    for s in template.sections or []:
        if s.get("kind") == SectionKind.TEXT:
            answers[s["key"]] = text
            break
    previous = previous_report(author, kind, start)
    return Draft(
        author=author,
        kind=kind,
        period_start=start,
        period_end=end,
        template=template,
        figures=figures,
        answers=answers,
        previous=previous,
        previous_plan=plan_of(previous),
    )
