"""Reads of the deals web UI: the board's columns and cards, markers, the deal page's timeline.

Every read starts from the access policy (``access.visible``); the board costs a constant number
of queries however many deals a column holds: one aggregate for every column's count and total
(over the pre-aggregated ``DealStageTotal`` where the filters allow, docs/decisions/0009), and one
bounded query for the first cards of each column.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, F, Prefetch, QuerySet, Sum
from django.utils import timezone
from django_filters.constants import EMPTY_VALUES

from tandem.activities.models import Activity
from tandem.core import access, history
from tandem.core.access import Actor

from .models import Deal, DealStageHistory, DealStageTotal, DealStatus, Pipeline, Stage, StageKind

STALE_DAYS = 14
CARDS_PER_COLUMN = 20
TIMELINE_LIMIT = 30


def deal_queryset(actor: Actor) -> QuerySet[Deal]:
    """Visible deals with what a list row or a card shows."""
    return access.visible(actor, "deal", Deal.objects.all()).select_related(
        "owner", "team", "account", "stage", "pipeline"
    )


# What a row of the deals list shows (deals/deal_list.html, any column) and ``mark`` reads. The
# full account and person rows cost more to load than the page query itself at a million deals.
LIST_FIELDS = (
    "name",
    "account__name",
    "owner__display_name",
    "owner__username",
    "team__name",
    "team__names",
    "stage__name",
    "stage__names",
    "stage__probability",
    "status",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "forecast_category",
    "last_follow_up_at",
    "created_at",
    "version",
)


def deal_list_queryset(actor: Actor) -> QuerySet[Deal]:
    """Visible deals with what a row of the deals list shows, and nothing more."""
    return (
        access.visible(actor, "deal", Deal.objects.all())
        .select_related("owner", "team", "account", "stage")
        .only(*LIST_FIELDS)
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


def with_stages(pipelines: QuerySet[Pipeline]) -> QuerySet[Pipeline]:
    """``pipelines``, each with its stages in their order: two queries however many there are."""
    return pipelines.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))


def board_pipelines() -> list[Pipeline]:
    """The active pipelines, the default first, each with its stages: the board's pipeline menu,
    its columns and its stage filter read them once."""
    return list(with_stages(Pipeline.objects.filter(is_active=True).order_by("-is_default", "order", "id")))


def board_stages(pipeline: Pipeline) -> list[Stage]:
    if "stages" in getattr(pipeline, "_prefetched_objects_cache", {}):
        return list(pipeline.stages.all())  # board_pipelines' order
    return list(pipeline.stages.order_by("order", "id"))


# What a card shows (deals/partials/_board_card.html) and ``mark`` reads; no other join. Six
# joined tables cost PostgreSQL 4–6 ms to plan per column at a million deals, more than the read.
CARD_FIELDS = (
    "name",
    "account__name",
    "owner__display_name",
    "owner__username",
    "stage",
    "amount",
    "currency",
    "expected_close_date",
    "status",
    "last_follow_up_at",
    "created_at",
    "version",
)


def _cards(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related(None).select_related("owner", "account").only(*CARD_FIELDS)


def _card_order() -> list[Any]:
    return [F("expected_close_date").asc(nulls_last=True), F("id").asc()]


# Filters the pre-aggregated totals can answer: their rows carry owner, team and stage (and the
# stage its pipeline). The board picks its own pipeline and stages, so it leaves those two out.
BOARD_SUMMARY_FILTERS = ("owner", "team", "whose")
LIST_SUMMARY_FILTERS = ("owner", "team", "whose", "stage", "pipeline")


def _per_stage(rows: QuerySet[Any], count: Any, stage_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Count and total amount per stage (per currency) of ``rows`` (deals, or their pre-aggregated
    totals), in one aggregate query."""
    totals: dict[int, dict[str, Any]] = {pk: {"count": 0, "totals": {}} for pk in stage_ids}
    grouped = (
        rows.filter(stage_id__in=list(stage_ids))
        .order_by()
        .values("stage_id", "currency")
        .annotate(n=count, total=Sum("amount"))
    )
    for row in grouped:
        if not row["n"] and not row["total"]:
            continue  # pre-aggregated deltas of a currency that has left the column net to nothing
        entry = totals.setdefault(row["stage_id"], {"count": 0, "totals": {}})
        entry["count"] += row["n"]
        entry["totals"][row["currency"]] = row["total"] or Decimal("0")
    return totals


def column_totals(deals: QuerySet[Deal], stage_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Count and total amount per stage (per currency) of ``deals``, in one aggregate query."""
    return _per_stage(deals, Count("id"), stage_ids)


def stage_totals_summary(
    actor: Actor, filterset: Any = None, filters: Sequence[str] = BOARD_SUMMARY_FILTERS
) -> QuerySet[DealStageTotal] | None:
    """The pre-aggregated totals rows the actor may see under ``filterset``, or None when they
    cannot answer: a filter other than ``filters`` is set (or the filters are invalid), or deals
    are visible by more than their owner and team (``access.visible_summary``)."""
    if not _summary_filters_ok(filterset, filters):
        return None
    summary = access.visible_summary(actor, "deal", DealStageTotal.objects.all())
    if summary is None:
        return None
    return _summary_filtered(summary, filterset, filters)


def _summary_filters_ok(filterset: Any, filters: Sequence[str]) -> bool:
    if filterset is None:
        return True
    if not filterset.is_valid():
        return False
    cleaned = filterset.form.cleaned_data
    return not any(value not in EMPTY_VALUES for name, value in cleaned.items() if name not in filters)


def stage_totals_split(
    actor: Actor, deals: QuerySet[Deal], filterset: Any = None, filters: Sequence[str] = BOARD_SUMMARY_FILTERS
) -> tuple[QuerySet[DealStageTotal], QuerySet[Deal]] | None:
    """For a record team member (tandem/recordteams): the totals rows of their role scope under
    ``filterset`` and the few ``deals`` (visible, filtered) only their memberships reach, to add
    up themselves (``access.visible_summary_split``). None when the totals cannot answer."""
    if not _summary_filters_ok(filterset, filters):
        return None
    split = access.visible_summary_split(actor, "deal", DealStageTotal.objects.all(), deals)
    if split is None:
        return None
    summary, extra = split
    return _summary_filtered(summary, filterset, filters), extra


def _summary_filtered(
    summary: QuerySet[DealStageTotal], filterset: Any, filters: Sequence[str]
) -> QuerySet[DealStageTotal]:
    cleaned: dict[str, Any] = filterset.form.cleaned_data if filterset is not None else {}
    for name in filters:
        value = cleaned.get(name)
        if value in EMPTY_VALUES:
            continue
        if name == "pipeline":
            summary = summary.filter(stage__pipeline=value)
        else:  # the deal filter itself: owner, whose, stage, team (with its sub-teams)
            summary = filterset.filters[name].filter(summary, value)
    return summary


def deal_count(actor: Actor, filterset: Any) -> int | None:
    """How many deals the deals list shows, from the pre-aggregated totals (a few hundred rows
    instead of up to 10,001 deals), or None when its filters need the deals themselves."""
    summary = stage_totals_summary(actor, filterset, LIST_SUMMARY_FILTERS)
    if summary is None:
        return None
    return int(summary.aggregate(n=Sum("deals"))["n"] or 0)


def board_totals(
    actor: Actor, deals: QuerySet[Deal], stage_ids: Sequence[int], filterset: Any = None
) -> dict[int, dict[str, Any]]:
    """``column_totals`` of the board's ``deals`` (visible, filtered by ``filterset``), read from
    the pre-aggregated totals when they can answer: a few thousand summary rows instead of every
    deal in the columns (a region manager's board at a million deals reads ~90,000 otherwise)."""
    summary = stage_totals_summary(actor, filterset)
    if summary is None:
        # A record team member: their scope's totals plus the deals only membership reaches.
        split = stage_totals_split(actor, deals, filterset)
        if split is None:
            return column_totals(deals, stage_ids)
        totals = _per_stage(split[0], Sum("deals"), stage_ids)
        for pk, entry in column_totals(split[1], stage_ids).items():
            into = totals.setdefault(pk, {"count": 0, "totals": {}})
            into["count"] += entry["count"]
            for currency, amount in entry["totals"].items():
                into["totals"][currency] = into["totals"].get(currency, Decimal("0")) + amount
        return totals
    return _per_stage(summary, Sum("deals"), stage_ids)


def board_cards(deals: QuerySet[Deal], stage_ids: Sequence[int]) -> dict[int, list[Deal]]:
    """The first ``CARDS_PER_COLUMN`` cards of every column: an index range read on (stage,
    close date, id) a column that stops at the page's end, all columns in one ``UNION ALL``
    where the database takes a ``LIMIT`` in each part (PostgreSQL), else one query a column.

    Not one windowed query over all columns: ``ROW_NUMBER() OVER (PARTITION BY stage)`` has to
    number every visible deal of every column before it can keep twenty, about 90,000 rows and
    over a second for a region manager at a million deals (measured, bench/README.md).
    """
    columns = [
        _cards(deals.filter(stage_id=pk)).order_by(*_card_order())[:CARDS_PER_COLUMN] for pk in stage_ids
    ]
    if len(columns) < 2 or not connections[deals.db].features.supports_slicing_ordering_in_compound:
        return {pk: mark(column) for pk, column in zip(stage_ids, columns, strict=True)}
    found: dict[int, list[Deal]] = {pk: [] for pk in stage_ids}
    for deal in columns[0].union(*columns[1:], all=True):
        found[deal.stage_id].append(deal)
    # A union's rows come in no promised order: each column in the cards' own (close date, no
    # date last, then id).
    return {pk: mark(sorted(cards, key=_card_key)) for pk, cards in found.items()}


def _card_key(deal: Deal) -> tuple[bool, datetime.date, int]:
    day = deal.expected_close_date
    return (day is None, day or datetime.date.min, deal.pk)


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
    base = _cards(deals.filter(stage=stage))
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
