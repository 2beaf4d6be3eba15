"""Reads on handoffs, each starting from the access policy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor

from .models import Handoff, HandoffStatus, HandoffTemplate

BOXES = ("incoming", "outgoing", "team")
TOP_REASONS = 5


def handoff_queryset(actor: Actor) -> QuerySet[Handoff]:
    """The handoffs the actor may see, with what a list shows, in one query."""
    base = Handoff.objects.select_related(
        "template", "sender", "recipient", "recipient_team", "deal", "account", "decided_by"
    )
    return access.visible(actor, "handoff", base)


def handoff_list(
    actor: Actor, *, box: str = "", status: str = "", overdue: bool = False
) -> QuerySet[Handoff]:
    """``box``: incoming (to me, or to one of my teams), outgoing (sent by me), team (to my
    teams, not yet picked up); pending first (soonest due first), then decided (latest first)."""
    qs = handoff_queryset(actor)
    me = actor.id or 0
    if box == "incoming":
        qs = qs.filter(
            Q(recipient_id=me) | Q(recipient__isnull=True, recipient_team_id__in=sorted(actor.team_ids))
        )
    elif box == "outgoing":
        qs = qs.filter(sender_id=me)
    elif box == "team":
        qs = qs.filter(recipient_team_id__in=sorted(actor.team_ids))
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=HandoffStatus.PENDING, due_at__lt=timezone.now())
    pending_first = Case(
        When(status=HandoffStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(pending_first=pending_first).order_by("pending_first", "due_at", "-id")


def handoff_for_party(actor: Actor, pk: int) -> Handoff:
    """One handoff the actor may see; 404 otherwise (as if missing)."""
    return access.get_visible_or_404(actor, "handoff", handoff_queryset(actor), pk=pk)


def record_handoffs(record: Any, resource: str, limit: int = 20) -> list[Handoff]:
    """A record's handoffs, newest first, for its page (the caller has found the record visible)."""
    # Most records have none: find the ids first, and join the five related tables (a few
    # milliseconds of query building, issue 12) only for handoffs there are.
    ids = list(
        Handoff.objects.filter(**{resource: record})
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return []
    found = Handoff.objects.filter(pk__in=ids).select_related(
        "template", "sender", "recipient", "recipient_team", "decided_by"
    )
    by_id = {handoff.pk: handoff for handoff in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def template_list(actor: Actor, *, include_inactive: bool = False) -> QuerySet[HandoffTemplate]:
    if not actor.has("handoff", "view") and not actor.is_admin:
        return HandoffTemplate.objects.none()
    qs = HandoffTemplate.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("record_kind", "name", "id")


@dataclass
class TemplateFigures:
    template: HandoffTemplate | None
    from_role: str
    to_role: str
    sent: int
    accepted: int
    rejected: int
    pending: int
    overdue: int
    cancelled: int
    average_hours: float | None
    median_hours: float | None


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return rows[0] if rows else {}


def handoff_figures(actor: Actor, *, start: datetime.datetime, end: datetime.datetime) -> dict[str, Any]:
    """Per template and per from→to stage over handoffs sent in [start, end): sent, accepted,
    rejected, pending, overdue, average and median time to accept; the top rejection reasons.

    Bounded: one grouped query per table, one ordered single-row query per template for its
    median (templates are few: administrators keep them)."""
    now = timezone.now()
    qs = access.visible(actor, "handoff", Handoff.objects.all()).filter(
        created_at__gte=start, created_at__lt=end
    )
    counts = {
        "sent": Count("id"),
        "accepted": Count("id", filter=Q(status=HandoffStatus.ACCEPTED)),
        "rejected": Count("id", filter=Q(status=HandoffStatus.REJECTED)),
        "cancelled": Count("id", filter=Q(status=HandoffStatus.CANCELLED)),
        "pending": Count("id", filter=Q(status=HandoffStatus.PENDING)),
        "overdue": Count("id", filter=Q(status=HandoffStatus.PENDING, due_at__lt=now)),
        "average": Avg("response_seconds", filter=Q(status=HandoffStatus.ACCEPTED)),
    }
    per_template: list[dict[str, Any]] = [
        dict(row) for row in qs.values("template_id").annotate(**counts).order_by("template_id")
    ]
    templates = HandoffTemplate.objects.in_bulk([row["template_id"] for row in per_template])
    rows: list[TemplateFigures] = []
    for row in per_template:
        template = templates.get(row["template_id"])
        median = None
        if row["accepted"]:
            accepted = qs.filter(template_id=row["template_id"], status=HandoffStatus.ACCEPTED)
            middle = accepted.order_by("response_seconds").values_list("response_seconds", flat=True)[
                (row["accepted"] - 1) // 2
            ]
            median = middle / 3600 if middle is not None else None
        rows.append(
            TemplateFigures(
                template=template,
                from_role=template.from_role if template else "",
                to_role=template.to_role if template else "",
                sent=row["sent"],
                accepted=row["accepted"],
                rejected=row["rejected"],
                pending=row["pending"],
                overdue=row["overdue"],
                cancelled=row["cancelled"],
                average_hours=row["average"] / 3600 if row["average"] is not None else None,
                median_hours=median,
            )
        )
    per_stage: list[dict[str, Any]] = [
        dict(row)
        for row in (
            qs.values("template__from_role", "template__to_role")
            .annotate(**counts)
            .order_by("template__from_role", "template__to_role")
        )
    ]
    for row in per_stage:
        row["average_hours"] = row["average"] / 3600 if row["average"] is not None else None
    reasons = list(
        qs.filter(status=HandoffStatus.REJECTED)
        .values("rejection_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "rejection_reason")[:TOP_REASONS]
    )
    return {"templates": rows, "stages": per_stage, "reasons": reasons}
