"""Reads of the deals web UI: the board's columns and cards, markers, the deal page's timeline.

Every read starts from the access policy (``access.visible``); the board costs a constant number
of queries however many deals a column holds: one aggregate for every column's count and total,
one windowed query for the first cards of every column.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.core import access, history
from tandem.core.access import Actor

from .models import Deal, DealStageHistory, DealStatus, Pipeline, Stage, StageKind

STALE_DAYS = 14
CARDS_PER_COLUMN = 20
TIMELINE_LIMIT = 30


def deal_queryset(actor: Actor) -> QuerySet[Deal]:
    """Visible deals with what a list row or a card shows."""
    return access.visible(actor, "deal", Deal.objects.all()).select_related(
        "owner", "team", "account", "stage", "pipeline"
    )


def mark(deals: Iterable[Deal], *, now: datetime.datetime | None = None) -> list[Deal]:
    """Set ``is_overdue`` (close date passed, still open) and ``is_stale`` (no follow-up for 14 days)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stale_before = now - datetime.timedelta(days=STALE_DAYS)
    out = []
    for deal in deals:
        is_open = deal.status == DealStatus.OPEN
        deal.is_overdue = bool(  # type: ignore[attr-defined]
            is_open and deal.expected_close_date is not None and deal.expected_close_date < today
        )
        last = deal.last_follow_up_at or deal.created_at
        deal.is_stale = bool(is_open and last is not None and last < stale_before)  # type: ignore[attr-defined]
        out.append(deal)
    return out


def board_pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.filter(is_active=True).order_by("-is_default", "order", "id"))


def board_stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("order", "id"))


def _card_order() -> list[Any]:
    return [F("expected_close_date").asc(nulls_last=True), F("id").asc()]


def column_totals(deals: QuerySet[Deal], stage_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Count and total amount per stage (per currency), in one aggregate query."""
    totals: dict[int, dict[str, Any]] = {pk: {"count": 0, "totals": {}} for pk in stage_ids}
    rows = (
        deals.filter(stage_id__in=list(stage_ids))
        .order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    for row in rows:
        entry = totals.setdefault(row["stage_id"], {"count": 0, "totals": {}})
        entry["count"] += row["n"]
        entry["totals"][row["currency"]] = row["total"] or Decimal("0")
    return totals


def board_cards(deals: QuerySet[Deal], stage_ids: Sequence[int]) -> dict[int, list[Deal]]:
    """The first ``CARDS_PER_COLUMN`` cards of every column, in one windowed query."""
    ranked = (
        deals.filter(stage_id__in=list(stage_ids))
        .select_related("owner", "account")
        .annotate(rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=_card_order()))
        .filter(rank__lte=CARDS_PER_COLUMN)
        .order_by("stage_id", "rank")
    )
    cards: dict[int, list[Deal]] = {pk: [] for pk in stage_ids}
    for deal in mark(ranked):
        cards.setdefault(deal.stage_id, []).append(deal)
    return cards


CardCursor = tuple[datetime.date | None, int]


def card_cursor(deal: Deal) -> str:
    """Where a column's next page starts: after this card (close date, then id; no date last)."""
    day = deal.expected_close_date.isoformat() if deal.expected_close_date else "-"
    return f"{day}_{deal.pk}"


def parse_card_cursor(raw: str) -> CardCursor | None:
    """The cursor ``card_cursor`` wrote, or None for anything else."""
    day, _sep, pk = (raw or "").partition("_")
    try:
        return (None if day == "-" else datetime.date.fromisoformat(day)), int(pk)
    except ValueError:
        return None


def column_page(deals: QuerySet[Deal], stage: Stage, after: CardCursor) -> tuple[list[Deal], str]:
    """The cards of a column that come after ``after``, and the cursor of the page after them
    ("" when there is none).

    Keyset paging: a card moved or added while someone reads the column is neither skipped nor
    shown twice, as an offset would. At most three index range reads (the same close date after
    the card, later dates, no date), each stopping after a page; as fast deep in a column as at
    its top.
    """
    day, pk = after
    base = deals.filter(stage=stage).select_related("owner", "account")
    want = CARDS_PER_COLUMN + 1
    rows: list[Deal] = []
    if day is not None:
        rows += base.filter(expected_close_date=day, id__gt=pk).order_by("id")[:want]
        if len(rows) < want:
            rows += base.filter(expected_close_date__gt=day).order_by(*_card_order())[: want - len(rows)]
        if len(rows) < want:
            rows += base.filter(expected_close_date__isnull=True).order_by("id")[: want - len(rows)]
    else:
        rows += base.filter(expected_close_date__isnull=True, id__gt=pk).order_by("id")[:want]
    cards = mark(rows[:CARDS_PER_COLUMN])
    return cards, card_cursor(cards[-1]) if len(rows) > CARDS_PER_COLUMN else ""


def open_stage_ids(stages: Sequence[Stage]) -> list[int]:
    return [s.pk for s in stages if s.kind == StageKind.OPEN]


def deal_timeline(actor: Actor, deal: Deal, limit: int = TIMELINE_LIMIT) -> list[dict[str, Any]]:
    """Follow-ups (every one on the deal: ``access.visible_on_record``), stage moves and
    history, newest first.

    Three bounded queries merged in Python; the caller has already decided the deal is visible.
    """
    items: list[dict[str, Any]] = []
    follow_ups = (
        access.visible_on_record(actor, "activity", Activity.objects.filter(deal=deal))
        .select_related("author")
        .order_by("-occurred_at", "-id")[:limit]
    )
    for activity in follow_ups:
        items.append({"kind": "follow_up", "at": activity.occurred_at, "obj": activity})
    stays = (
        DealStageHistory.objects.filter(deal=deal)
        .select_related("stage", "actor")
        .order_by("-entered_at", "-id")[:limit]
    )
    for stay in stays:
        items.append({"kind": "stage", "at": stay.entered_at, "obj": stay})
    for entry in history.entries_for(deal).order_by("-at", "-id")[:limit]:
        items.append({"kind": "history", "at": entry.at, "obj": entry})
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]
