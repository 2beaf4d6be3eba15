"""The one way Tandem computes a figure (数据口径): every page, API, target, forecast and
dashboard reads its numbers through this module.

- ``figure``: one KPI over a date range, for a scope (a person, a team and its subtree, a
  pipeline) inside what the actor may see.
- ``figures``: the same, grouped by person, team, month or fiscal quarter.
- ``series``: one figure per period (trends).
- ``deal_breakdown``: the deal figures of the analytics API (issue 11 §7), grouped many ways.
- ``open_pipeline``: today's open deals per stage.

Everything starts from ``access.visible``: nobody sees a number made of records they may not see.

**Money.** Amounts are summed per currency and month and converted into the company currency at
the month's ``ExchangeRate`` (the month of the date the KPI counts by: closed_on for won amount,
opened_on for new pipeline). The company currency converts 1:1. An amount without a rate is never
converted silently: it is left out and the figure lists it in ``missing_rates`` as
``(currency, "YYYY-MM")``, which every page and API showing the figure reports. An unknown
amount (empty, decision 0012) counts as nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Count, F, Q, Subquery, Sum, Value, When
from django.db.models.functions import Concat, TruncMonth
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.customers.models import Source as DealSource
from tandem.deals.models import (
    DealStageHistory,
    DealStageTotal,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
)
from tandem.org.models import Team, User

from . import company, periods, summary
from .models import (
    ActivityMonthTotal,
    CompanySettings,
    DealMonthTotal,
    ExchangeRate,
    FunnelTotal,
    KpiDefinition,
    Measure,
)
from .periods import Period
from .sources import SOURCES, SourceSpec, filter_values

ZERO = Decimal(0)
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
GROUPS = ("owner", "team", "month", "quarter")

Missing = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Figure:
    """A KPI's value. ``value`` is None only for a ratio with nothing to divide by.

    ``count``: the records counted (for a ratio, the denominator's). ``missing_rates``: amounts
    left out for want of an exchange rate, as (currency, "YYYY-MM").
    """

    value: Decimal | None
    count: int
    missing_rates: Missing = ()
    unit: str = "count"

    def missing_rates_text(self) -> list[str]:
        return missing_rates_text(self.missing_rates)


@dataclass(frozen=True)
class Scope:
    """Whose figures, inside what the actor may see: one person, a team and its whole subtree,
    a pipeline (deals only). Empty: everything the actor may see."""

    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None


def missing_rates_text(missing: Iterable[tuple[str, str]]) -> list[str]:
    """One sentence per currency: which months' amounts were left out."""
    months: dict[str, list[str]] = defaultdict(list)
    for currency, month in sorted(set(missing)):
        months[currency].append(month)
    return [
        _("%(currency)s amounts of %(months)s have no exchange rate and are not included.")
        % {"currency": currency, "months": ", ".join(found)}
        for currency, found in months.items()
    ]


# --- Money ----------------------------------------------------------------------------------


@dataclass
class Amounts:
    """Sums of one group per (currency, month); the month only where a rate is needed."""

    sums: dict[tuple[str, datetime.date | None], Decimal] = field(default_factory=dict)
    known: dict[tuple[str, datetime.date | None], int] = field(default_factory=dict)

    def add(self, currency: str, month: Any, amount: Any, known: int = 0) -> None:
        """``month``: a date in it, or None for the company currency (a database may give a
        truncated month as a date, a datetime or text)."""
        if amount is None and not known:
            return
        if month is not None and type(month) is not datetime.date:
            month = _as_date(month)
        key = (currency, month)
        value = amount if type(amount) is Decimal else Decimal(str(amount or 0))
        self.sums[key] = self.sums.get(key, ZERO) + value
        self.known[key] = self.known.get(key, 0) + known

    def merge(self, other: Amounts) -> None:
        sums, counts = self.sums, self.known
        for key, amount in other.sums.items():
            sums[key] = sums.get(key, ZERO) + amount
            counts[key] = counts.get(key, 0) + other.known.get(key, 0)

    def needs(self) -> set[tuple[str, datetime.date]]:
        return {(c, m) for c, m in self.sums if m is not None}


def _all_rates() -> dict[tuple[str, datetime.date], Decimal]:
    return {(c, m): r for c, m, r in ExchangeRate.objects.values_list("currency", "month", "rate")}


def _company(actor: Actor) -> CompanySettings:
    """The company settings, read once per actor (a request builds one)."""
    found: CompanySettings = actor.memo("kpis.company_settings", company.company_settings)
    return found


class Rates:
    """The exchange rates some sums need: every rate on file (a few hundred rows at most), read
    once per actor and only when a sum is in another currency than the company's."""

    def __init__(
        self, currency: str, needed: Iterable[tuple[str, datetime.date]], actor: Actor | None = None
    ) -> None:
        self.currency = currency
        self.rates: dict[tuple[str, datetime.date], Decimal] = {}
        if set(needed):
            self.rates = actor.memo("kpis.rates", _all_rates) if actor is not None else _all_rates()

    def convert(self, amounts: Amounts) -> tuple[Decimal, int, Missing]:
        """(total in the company currency, amounts known and converted, what was left out)."""
        total = ZERO
        known = 0
        missing: set[tuple[str, str]] = set()
        for (currency, month), amount in amounts.sums.items():
            if month is None or currency == self.currency:
                total += amount
                known += amounts.known.get((currency, month), 0)
                continue
            rate = self.rates.get((currency, month))
            if rate is None:
                if amount:
                    missing.add((currency, month.isoformat()[:7]))
                continue
            total += amount * rate
            known += amounts.known.get((currency, month), 0)
        return total.quantize(CENT, ROUND_HALF_UP), known, tuple(sorted(missing))


def _conversion_month(currency_field: str, date: Any, company_currency: str, when: Q | None = None) -> Case:
    """The month an amount converts at, NULL where no conversion is needed (the company currency)
    or no amount is summed: grouping by it keeps the company currency's rows to one per group."""
    condition = ~Q(**{currency_field: company_currency})
    if when is not None:
        condition &= when
    return Case(When(condition, then=date), default=Value(None), output_field=models.DateField())


# --- Records a KPI counts -------------------------------------------------------------------


def _local_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """start 00:00 and the day after end 00:00 in the company's time zone (the server's)."""
    zone = timezone.get_default_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return low, high


def date_range_q(spec: SourceSpec, date_field: str, start: datetime.date, end: datetime.date) -> Q:
    if date_field in spec.datetime_fields:
        low, high = _local_bounds(start, end)
        return Q(**{f"{date_field}__gte": low, f"{date_field}__lt": high})
    return Q(**{f"{date_field}__gte": start, f"{date_field}__lte": end})


def month_of(spec: SourceSpec, date_field: str) -> TruncMonth:
    if date_field in spec.datetime_fields:
        return TruncMonth(date_field, tzinfo=timezone.get_default_timezone(), output_field=models.DateField())
    return TruncMonth(date_field, output_field=models.DateField())


def subtree_team_ids(team_id: int, actor: Actor | None = None) -> Subquery | list[int]:
    """The team and every team below it (its materialised path as a prefix; no recursion): from
    ``actor``'s loaded subtree when it holds the team, else as a subquery."""
    known = actor.known_subtree(team_id) if actor is not None else None
    if known is not None:
        return known
    path = Team.objects.filter(pk=team_id).values("path")[:1]
    return Subquery(Team.objects.filter(path__startswith=Subquery(path)).values("pk"))


def team_paths(actor: Actor) -> dict[int, str]:
    """Every live team's materialised path, read once per actor (a request builds one): for
    pages that roll figures up several teams' subtrees (the director's dashboard)."""
    paths: dict[int, str] = actor.memo(
        "kpis.team_paths", lambda: dict(Team.objects.values_list("pk", "path"))
    )
    return paths


def subtree_in(paths: Mapping[int, str], team_id: int) -> list[int]:
    """The team and every team below it among ``paths`` (``team_paths``); none for a team not there."""
    top = paths.get(team_id)
    return [] if top is None else [pk for pk, path in paths.items() if path.startswith(top)]


def scoped(actor: Actor, spec: SourceSpec, scope: Scope) -> models.QuerySet[Any]:
    """The live records of a source the actor may see, narrowed to ``scope``."""
    qs = access.visible(actor, spec.resource, spec.model._default_manager.all())
    if scope.owner_id is not None:
        qs = qs.filter(**{f"{spec.owner_field}_id": scope.owner_id}) if spec.owner_field else qs.none()
    if scope.team_id is not None:
        qs = (
            qs.filter(**{f"{spec.team_field}_id__in": subtree_team_ids(scope.team_id, actor)})
            if spec.team_field
            else qs.none()
        )
    if scope.pipeline_id is not None and spec.resource == "deal":
        qs = qs.filter(pipeline_id=scope.pipeline_id)
    return qs


def _kpi_filtered(qs: models.QuerySet[Any], spec: SourceSpec, kpi: KpiDefinition) -> models.QuerySet[Any]:
    for name, value in (kpi.filters or {}).items():
        if name not in spec.filters:  # services refuse these; a hand-edited row must not widen anything
            return qs.none()
        qs = qs.filter(**{f"{name}__in": filter_values(value)})
    return qs


def kpi_queryset(
    actor: Actor, kpi: KpiDefinition, start: datetime.date, end: datetime.date, scope: Scope
) -> models.QuerySet[Any]:
    """The records a count or sum KPI counts over ``start``..``end``: also what a figure drills down to."""
    spec = SOURCES[kpi.source]
    return _kpi_filtered(
        scoped(actor, spec, scope).filter(date_range_q(spec, kpi.date_field, start, end)), spec, kpi
    )


@dataclass
class Tally:
    count: int = 0
    amounts: Amounts = field(default_factory=Amounts)

    def merge(self, other: Tally) -> None:
        self.count += other.count
        self.amounts.merge(other.amounts)


def _merge(into: dict[Any, Tally], more: dict[Any, Tally]) -> dict[Any, Tally]:
    for key, tally in more.items():
        into.setdefault(key, Tally()).merge(tally)
    return into


# --- Whole months from the summary, edges from the records ---------------------------------------

Span = tuple[datetime.date | None, datetime.date | None]

# Read the deals themselves, never the monthly summary (tests compare the two; the benchmark's floor).
_direct_only: contextvars.ContextVar[bool] = contextvars.ContextVar("kpis_direct_only", default=False)


@contextlib.contextmanager
def reading_records_only() -> Iterator[None]:
    """Within: every figure is computed from the records, not the monthly summary."""
    token = _direct_only.set(True)
    try:
        yield
    finally:
        _direct_only.reset(token)


# Within one request the same figure is often asked for more than once (the director's company
# tiles, the targets' attainment rows and coverage insight all read "won this quarter by team").
_request_memo: contextvars.ContextVar[dict[Any, tuple[Actor, dict[Any, Tally]]] | None] = (
    contextvars.ContextVar("kpis_request_memo", default=None)
)


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Within: the same grouped tallies (same actor, KPI definition, dates, scope and grouping)
    are read from the database once. For a read-only request; nothing may change records meanwhile."""
    token = _request_memo.set({})
    try:
        yield
    finally:
        _request_memo.reset(token)


def _kpi_key(kpi: KpiDefinition) -> tuple[Any, ...]:
    """What a (non-ratio) KPI's tallies depend on, whether or not it is saved."""
    return (kpi.source, kpi.measure, kpi.sum_field, kpi.date_field, repr(sorted((kpi.filters or {}).items())))


def month_split(start: datetime.date | None, end: datetime.date | None) -> tuple[Span | None, list[Span]]:
    """``start``..``end`` (either may be open) as the whole months inside it and the partial
    months at its edges: (first and last whole month as first days, None where unbounded — or
    None when no month is whole; [(from, to), …] of the partial edges)."""
    if start is None and end is None:
        return (None, None), []
    edges: list[Span] = []
    low = high = None
    if start is not None and end is not None and periods.month_start(start) == periods.month_start(end):
        if start.day == 1 and end == periods.month_end(end):
            return (start, start), []
        return None, [(start, end)]
    if start is not None:
        low = start if start.day == 1 else periods.add_months(start, 1)
        if start.day != 1:
            edges.append((start, periods.month_end(start)))
    if end is not None:
        high = periods.month_start(end) if end == periods.month_end(end) else periods.add_months(end, -1)
        if end != periods.month_end(end):
            edges.append((periods.month_start(end), end))
    if low is not None and high is not None and low > high:
        return None, edges
    return (low, high), edges


def _span_q(column: str, span: Span) -> Q:
    low, high = span
    q = Q()
    if low is not None:
        q &= Q(**{f"{column}__gte": low})
    if high is not None:
        q &= Q(**{f"{column}__lte": high})
    return q


def _edges_q(column: str, edges: Sequence[Span]) -> Q:
    q = Q(pk__in=[])
    for edge in edges:
        q |= _span_q(column, edge)
    return q


@dataclass(frozen=True)
class SummarySource:
    """How a source's monthly summary stands in for its records."""

    model: type[models.Model]
    upkeep: summary.Summary
    months: dict[str, str]  # the source's date field -> the summary's month column
    filters: dict[str, str]  # a KPI filter -> the summary's column
    count: str  # the column holding how many records
    amount: str | None = None  # the column holding their amount


SUMMARY_SOURCES = {
    "deal": SummarySource(
        model=DealMonthTotal,
        upkeep=summary.DEALS,
        months={"closed_on": "closed_month", "opened_on": "opened_month"},
        filters={"status": "status", "pipeline": "pipeline_id", "stage": "stage_id"},
        count="deals",
        amount="amount",
    ),
    "activity": SummarySource(
        model=ActivityMonthTotal,
        upkeep=summary.FOLLOW_UPS,
        months={"occurred_at": "month"},
        filters={"kind": "kind"},
        count="activities",
    ),
}


def summary_rows(
    actor: Actor, source: str, scope: Scope, kept: tuple[type[models.Model], summary.Summary] | None = None
) -> models.QuerySet[Any] | None:
    """A source's monthly summary (or ``kept``: another summary of its records, as model and
    upkeep) as the actor may see it, narrowed to ``scope``; None when the summary cannot say (no
    summary, a visibility rule beyond owner and team, triggers not in place for this time zone,
    or the records were asked for)."""
    found = SUMMARY_SOURCES.get(source)
    model, upkeep = kept or ((found.model, found.upkeep) if found else (None, None))
    if model is None or upkeep is None or _direct_only.get() or not upkeep.is_current():
        return None
    spec = SOURCES[source]
    qs = access.visible_summary(actor, spec.resource, model._default_manager.all())
    if qs is None:
        return None
    if scope.owner_id is not None:
        qs = qs.filter(**{f"{spec.owner_field}_id": scope.owner_id})
    if scope.team_id is not None:
        qs = qs.filter(team_id__in=subtree_team_ids(scope.team_id, actor))
    if scope.pipeline_id is not None and source == "deal":
        qs = qs.filter(pipeline_id=scope.pipeline_id)
    return qs


def _summary_serves(kpi: KpiDefinition) -> bool:
    found = SUMMARY_SOURCES.get(kpi.source)
    return (
        found is not None
        and kpi.date_field in found.months
        and set(kpi.filters or {}) <= set(found.filters)
        and (kpi.measure == Measure.COUNT or (found.amount is not None and kpi.sum_field == "amount"))
    )


def _contiguous(edges: Sequence[Span]) -> list[Span]:
    """The edges with those that touch (one ends the day before the next starts) made one span:
    a week across a month's start is one range, which an index on the date walks in one pass."""
    joined: list[Span] = []
    for low, high in sorted(edges, key=lambda e: e[0] or datetime.date.min):
        assert low is not None and high is not None
        if joined and joined[-1][1] is not None and joined[-1][1] + datetime.timedelta(days=1) == low:
            joined[-1] = (joined[-1][0], high)
        else:
            joined.append((low, high))
    return joined


def _records_on(spec: SourceSpec, date_field: str, edges: Sequence[Span]) -> Q:
    q = Q(pk__in=[])
    for low, high in _contiguous(edges):
        assert low is not None and high is not None
        q |= date_range_q(spec, date_field, low, high)
    return q


def _record_tallies(
    qs: models.QuerySet[Any], spec: SourceSpec, kpi: KpiDefinition, group: str | None, currency: str
) -> dict[Any, Tally]:
    """One grouped query over records: per group key, the records counted and their sums per
    (currency, month)."""
    values: dict[str, Any] = {}
    if group == "owner":
        values["g"] = F(f"{spec.owner_field}_id") if spec.owner_field else Value(None)
    elif group == "team":
        values["g"] = F(f"{spec.team_field}_id") if spec.team_field else Value(None)
    elif group == "month":
        values["g"] = month_of(spec, kpi.date_field)
    else:
        values["g"] = Value(0)
    summing = kpi.measure == Measure.SUM and kpi.sum_field in spec.sum_fields
    if summing and spec.currency_field:
        values["cur"] = F(spec.currency_field)
        values["cm"] = _conversion_month(spec.currency_field, month_of(spec, kpi.date_field), currency)
    aggregates: dict[str, Any] = {"n": Count("pk")}
    if summing:
        aggregates["total"] = Sum(kpi.sum_field)
    found: dict[Any, Tally] = {}
    for row in qs.order_by().values(**values).annotate(**aggregates):
        tally = found.setdefault(row["g"], Tally())
        tally.count += row["n"]
        if summing:
            tally.amounts.add(row.get("cur", currency), row.get("cm"), row["total"])
    return found


def _summary_tallies(
    rows: models.QuerySet[Any], kpi: KpiDefinition, span: Span, group: str | None, currency: str
) -> dict[Any, Tally]:
    """The same grouped sums, over the whole months of ``span``, from the monthly summary."""
    source = SUMMARY_SOURCES[kpi.source]
    spec = SOURCES[kpi.source]
    month = source.months[kpi.date_field]
    rows = rows.filter(_span_q(month, span))
    for name, value in (kpi.filters or {}).items():
        rows = rows.filter(**{f"{source.filters[name]}__in": filter_values(value)})
    key: Any = {"owner": F(f"{spec.owner_field}_id"), "team": F("team_id"), "month": F(month)}.get(
        group or "", Value(0)
    )
    summing = kpi.measure == Measure.SUM and source.amount is not None
    values: dict[str, Any] = {"g": key}
    aggregates: dict[str, Any] = {"n": Sum(source.count)}
    if summing:
        values["cur"] = F("currency")
        values["cm"] = _conversion_month("currency", F(month), currency)
        aggregates["total"] = Sum(source.amount)
    found: dict[Any, Tally] = {}
    grouped: Any = rows.order_by().values(**values).annotate(**aggregates)
    for row in grouped:
        tally = found.setdefault(row["g"], Tally())
        tally.count += int(row["n"] or 0)
        if summing:
            tally.amounts.add(row["cur"], row["cm"], row["total"])
    return found


def _remembered(
    read: Callable[..., dict[Any, Tally]],
) -> Callable[..., dict[Any, Tally]]:
    """``read(actor, kpi, start, end, scope, group, currency)``, once a ``remembering()`` block
    for the same arguments (the KPI by what its tallies depend on)."""

    @functools.wraps(read)
    def tallies(actor: Actor, kpi: KpiDefinition, *rest: Any) -> dict[Any, Tally]:
        memo = _request_memo.get()
        if memo is None:
            return read(actor, kpi, *rest)
        # The actor is kept beside its tallies, so its id cannot name another actor meanwhile.
        key = (id(actor), _kpi_key(kpi), *rest, _direct_only.get())
        if key not in memo:
            memo[key] = (actor, read(actor, kpi, *rest))
        return dict(memo[key][1])

    return tallies


@_remembered
def _tallies(
    actor: Actor,
    kpi: KpiDefinition,
    start: datetime.date,
    end: datetime.date,
    scope: Scope,
    group: str | None,
    currency: str,
) -> dict[Any, Tally]:
    """Per group key, the records a KPI counts over ``start``..``end`` and their sums: whole
    months from the monthly summary where it serves the KPI, the rest from the records."""
    spec = SOURCES[kpi.source]
    rows = summary_rows(actor, kpi.source, scope) if _summary_serves(kpi) else None
    if rows is None:
        found = _record_tallies(kpi_queryset(actor, kpi, start, end, scope), spec, kpi, group, currency)
    else:
        whole, edges = month_split(start, end)
        found = _summary_tallies(rows, kpi, whole, group, currency) if whole is not None else {}
        if edges:
            records = _kpi_filtered(
                scoped(actor, spec, scope).filter(_records_on(spec, kpi.date_field, edges)), spec, kpi
            )
            _merge(found, _record_tallies(records, spec, kpi, group, currency))
    if group == "month":
        found = _merge({}, {_as_date(k): t for k, t in found.items() if k is not None})
    return {key: tally for key, tally in found.items() if tally.count}


def _finish(kpi: KpiDefinition, tally: Tally | None, rates: Rates) -> Figure:
    tally = tally or Tally()
    if kpi.measure == Measure.SUM:
        value, _known, missing = rates.convert(tally.amounts)
        return Figure(value=value, count=tally.count, missing_rates=missing, unit=kpi.unit)
    return Figure(value=Decimal(tally.count), count=tally.count, unit=kpi.unit)


def _ratio(numerator: Figure, denominator: Figure, unit: str) -> Figure:
    missing = tuple(sorted(set(numerator.missing_rates) | set(denominator.missing_rates)))
    value = None
    if denominator.value:
        assert numerator.value is not None
        value = (numerator.value / denominator.value).quantize(RATIO_PLACES, ROUND_HALF_UP)
    return Figure(value=value, count=denominator.count, missing_rates=missing, unit=unit)


def _parts(kpi: KpiDefinition) -> tuple[KpiDefinition, KpiDefinition]:
    numerator, denominator = kpi.numerator, kpi.denominator
    if numerator is None or denominator is None:
        raise ValueError(f"ratio KPI {kpi.code} lacks a numerator or denominator")
    return numerator, denominator


def _figures_by(
    actor: Actor,
    kpi: KpiDefinition,
    start: datetime.date,
    end: datetime.date,
    scope: Scope,
    group: str | None,
    currency: str,
    depth: int = 0,
) -> dict[Any, Figure]:
    """Figures per group key (``None`` group: the key 0)."""
    if kpi.measure == Measure.RATIO:
        if depth > 4:
            raise ValueError(f"ratio KPI {kpi.code} refers to itself")
        numerator, denominator = _parts(kpi)
        above = _figures_by(actor, numerator, start, end, scope, group, currency, depth + 1)
        below = _figures_by(actor, denominator, start, end, scope, group, currency, depth + 1)
        empty = Figure(value=Decimal(0), count=0)
        return {
            key: _ratio(above.get(key, empty), below.get(key, empty), kpi.unit)
            for key in set(above) | set(below)
        }
    tallies = _tallies(actor, kpi, start, end, scope, group, currency)
    needed: set[tuple[str, datetime.date]] = set()
    for tally in tallies.values():
        needed |= tally.amounts.needs()
    rates = Rates(currency, needed, actor)
    return {key: _finish(kpi, tally, rates) for key, tally in tallies.items()}


def _zero(kpi: KpiDefinition) -> Figure:
    if kpi.measure == Measure.RATIO:
        return Figure(value=None, count=0, unit=kpi.unit)
    if kpi.measure == Measure.SUM:
        return Figure(value=Decimal("0.00"), count=0, unit=kpi.unit)
    return Figure(value=Decimal(0), count=0, unit=kpi.unit)


def _check_range(start: datetime.date, end: datetime.date) -> None:
    if start > end:
        raise ValueError("start must not be after end")


# --- The interface ----------------------------------------------------------------------------


def figure(
    *, actor: Actor, kpi: KpiDefinition, start: datetime.date, end: datetime.date, scope: Scope = Scope()
) -> Figure:
    """One KPI over ``start``..``end`` (inclusive) for ``scope``, inside what ``actor`` may see."""
    _check_range(start, end)
    currency = _company(actor).currency
    found = _figures_by(actor, kpi, start, end, scope, None, currency)
    return found.get(0) or _zero(kpi)


def figures(
    *,
    actor: Actor,
    kpi: KpiDefinition,
    start: datetime.date,
    end: datetime.date,
    group_by: str,
    scope: Scope = Scope(),
) -> dict[Any, Figure]:
    """One KPI grouped by ``owner`` (keys: user ids; None for records without one), ``team``
    (team ids, the record's own team), ``month`` ("2026-03") or ``quarter`` (fiscal, "2026-Q1").

    Months and quarters: every one that ``start``..``end`` touches is present, zero or not.
    People and teams: only those with records.
    """
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    _check_range(start, end)
    settings = _company(actor)
    if group_by in ("owner", "team"):
        return _figures_by(actor, kpi, start, end, scope, group_by, settings.currency)
    by_month = _month_tallies(actor, kpi, start, end, scope, settings.currency)
    kind = periods.MONTH if group_by == "month" else periods.QUARTER
    chosen = periods.periods_between(start, end, kind, fiscal_start=settings.fiscal_year_start_month)
    return {p.key: by_month.figure_for(p.months()) for p in chosen}


def series(
    *, actor: Actor, kpi: KpiDefinition, periods: Sequence[Period], scope: Scope = Scope()
) -> list[Figure]:
    """One figure per period (a trend), from one grouped query by month."""
    if not periods:
        return []
    currency = _company(actor).currency
    start = min(p.start for p in periods)
    end = max(p.end for p in periods)
    by_month = _month_tallies(actor, kpi, start, end, scope, currency)
    return [by_month.figure_for(p.months()) for p in periods]


class _MonthTallies:
    """A KPI's tallies per month over a range, combined into any run of months on demand
    (a ratio keeps its numerator's and denominator's)."""

    def __init__(
        self,
        kpi: KpiDefinition,
        tallies: dict[Any, Tally] | None,
        parts: tuple[_MonthTallies, _MonthTallies] | None,
        rates: Rates,
    ) -> None:
        self.kpi = kpi
        self.tallies = tallies or {}
        self.parts = parts
        self.rates = rates

    def figure_for(self, months: Sequence[Period]) -> Figure:
        if self.parts is not None:
            return _ratio(self.parts[0].figure_for(months), self.parts[1].figure_for(months), self.kpi.unit)
        combined = Tally()
        for month in months:
            tally = self.tallies.get(month.start)
            if tally is not None:
                combined.merge(tally)
        return _finish(self.kpi, combined, self.rates)


def _month_tallies(
    actor: Actor,
    kpi: KpiDefinition,
    start: datetime.date,
    end: datetime.date,
    scope: Scope,
    currency: str,
    depth: int = 0,
) -> _MonthTallies:
    if kpi.measure == Measure.RATIO:
        if depth > 4:
            raise ValueError(f"ratio KPI {kpi.code} refers to itself")
        numerator, denominator = _parts(kpi)
        parts = (
            _month_tallies(actor, numerator, start, end, scope, currency, depth + 1),
            _month_tallies(actor, denominator, start, end, scope, currency, depth + 1),
        )
        return _MonthTallies(kpi, None, parts, parts[0].rates)
    tallies = _tallies(actor, kpi, start, end, scope, "month", currency)
    needed: set[tuple[str, datetime.date]] = set()
    for tally in tallies.values():
        needed |= tally.amounts.needs()
    return _MonthTallies(kpi, tallies, None, Rates(currency, needed, actor))


def _as_date(value: Any) -> datetime.date:
    """TruncMonth gives a date, or on some backends a datetime: the month's first day."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.date().replace(day=1)
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10]).replace(day=1)
    assert isinstance(value, datetime.date)
    return value.replace(day=1)


# --- Open pipeline today ------------------------------------------------------------------------


def open_pipeline(
    *, actor: Actor, scope: Scope = Scope(), on: datetime.date | None = None
) -> dict[int, Figure]:
    """The open deals per stage (stage id to count and amount), amounts converted at the rate of
    ``on``'s month (today's by default): an open deal has no date of its own to convert at.

    Read from the board's column totals (decision 0009) when the access policy lets a summary
    stand for the deals, else from the deals."""
    on = on or timezone.localdate()
    currency = _company(actor).currency
    month = periods.month_start(on)
    totals = None
    if not _direct_only.get():
        totals = access.visible_summary(
            actor, "deal", DealStageTotal.objects.filter(stage__kind=StageKind.OPEN)
        )
    grouped: Any
    if totals is not None:
        if scope.owner_id is not None:
            totals = totals.filter(owner_id=scope.owner_id)
        if scope.team_id is not None:
            totals = totals.filter(team_id__in=subtree_team_ids(scope.team_id, actor))
        if scope.pipeline_id is not None:
            totals = totals.filter(stage__pipeline_id=scope.pipeline_id)
        grouped = (
            totals.order_by().values("stage_id", "currency").annotate(n=Sum("deals"), total=Sum("amount"))
        )
    else:
        qs = scoped(actor, SOURCES["deal"], scope).filter(stage__kind=StageKind.OPEN)
        grouped = qs.order_by().values("stage_id", "currency").annotate(n=Count("pk"), total=Sum("amount"))
    tallies: dict[int, Tally] = {}
    for row in grouped:
        if not row["n"]:
            continue
        tally = tallies.setdefault(row["stage_id"], Tally())
        tally.count += int(row["n"])
        tally.amounts.add(row["currency"], None if row["currency"] == currency else month, row["total"])
    needed: set[tuple[str, datetime.date]] = set()
    for tally in tallies.values():
        needed |= tally.amounts.needs()
    rates = Rates(currency, needed, actor)
    result = {}
    for stage_id, tally in tallies.items():
        value, _known, missing = rates.convert(tally.amounts)
        result[stage_id] = Figure(value=value, count=tally.count, missing_rates=missing, unit="money")
    return result


# --- The funnel ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    """A stage and how many of the cohort's deals entered it at least once. ``conversion``: that
    share of the previous step's deals (the won step: of the last open stage's); None for the
    first step, for lost, and when the previous step had none."""

    stage: Stage
    deals: int
    conversion: Decimal | None


def funnel(
    *, actor: Actor, start: datetime.date, end: datetime.date, scope: Scope = Scope()
) -> list[FunnelStep]:
    """Of the deals opened in ``start``..``end`` (the cohort), in ``scope`` and what the actor
    may see, how many entered each stage of the pipeline (``scope.pipeline_id``, else the
    default one) at least once, from the stage history: whole months from the funnel summary,
    partial edge months from the history itself."""
    _check_range(start, end)
    pipeline_id = funnel_pipeline_id(scope)
    stages = list(Stage.objects.filter(pipeline_id=pipeline_id or 0).order_by("order", "id"))
    cohort_scope = Scope(owner_id=scope.owner_id, team_id=scope.team_id, pipeline_id=pipeline_id)
    rows = summary_rows(actor, "deal", cohort_scope, (FunnelTotal, summary.FUNNEL))
    counts: dict[int, int] = defaultdict(int)
    whole: Span | None = None
    edges: list[Span] = [(start, end)]
    if rows is not None:
        whole, edges = month_split(start, end)
    if rows is not None and whole is not None:
        grouped: Any = (
            rows.filter(_span_q("opened_month", whole)).order_by().values("stage_id").annotate(n=Sum("deals"))
        )
        for row in grouped:
            counts[row["stage_id"]] += int(row["n"] or 0)
    if edges:
        cohort = scoped(actor, SOURCES["deal"], cohort_scope).filter(_edges_q("opened_on", edges))
        entered: Any = (
            DealStageHistory.objects.filter(deal__in=cohort.values("pk"))
            .order_by()
            .values("stage_id")
            .annotate(n=Count("deal_id", distinct=True))
        )
        for row in entered:
            counts[row["stage_id"]] += row["n"]
    steps: list[FunnelStep] = []
    previous: int | None = None
    for stage in sorted(
        stages, key=lambda s: (s.kind == StageKind.LOST, s.kind == StageKind.WON, s.order, s.pk)
    ):
        reached = counts.get(stage.pk, 0)
        conversion = None
        if stage.kind != StageKind.LOST and previous:
            conversion = (Decimal(reached) / Decimal(previous)).quantize(RATIO_PLACES, ROUND_HALF_UP)
        steps.append(FunnelStep(stage=stage, deals=reached, conversion=conversion))
        if stage.kind != StageKind.LOST:
            previous = reached
    return steps


def funnel_pipeline_id(scope: Scope) -> int | None:
    """The pipeline a funnel shows: the scope's, else the default one, else the first."""
    if scope.pipeline_id is not None:
        return scope.pipeline_id
    return (
        Pipeline.objects.filter(is_default=True).values_list("pk", flat=True).first()
        or Pipeline.objects.order_by("order", "id").values_list("pk", flat=True).first()
    )


def funnel_queryset(
    actor: Actor, start: datetime.date, end: datetime.date, stage_id: int, scope: Scope = Scope()
) -> models.QuerySet[Any]:
    """The deals behind a funnel step: of the cohort (opened in ``start``..``end``, in ``scope``
    and what the actor may see, in the funnel's pipeline), those that entered ``stage_id``."""
    cohort_scope = Scope(
        owner_id=scope.owner_id, team_id=scope.team_id, pipeline_id=funnel_pipeline_id(scope)
    )
    entered = DealStageHistory.objects.filter(stage_id=stage_id).values("deal_id")
    return (
        scoped(actor, SOURCES["deal"], cohort_scope)
        .filter(opened_on__gte=start, opened_on__lte=end)
        .filter(pk__in=entered)
    )


# --- The deal breakdown of the analytics API (issue 11 §7) ----------------------------------------

BREAKDOWN_GROUPS = (
    "owner",
    "team",
    "product",
    "industry",
    "pipeline",
    "stage",
    "source",
    "close_month",
    "close_quarter",
)
# Groups the analytics pages add to the API's (tandem/analytics): read from the deals themselves.
EXTRA_GROUPS = ("region", "lost_reason", "competitor")


class DaysBetween(models.Func):
    """Whole days from the second date column to the first (NULL when either is)."""

    output_field = models.IntegerField()
    arity = 2
    template = "(%(expressions)s)"  # PostgreSQL: date - date is a number of days
    arg_joiner = " - "

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


@dataclass(frozen=True)
class DealFilters:
    """What the analytics API may narrow the deals to. Dates are inclusive."""

    team_id: int | None = None  # the team and its subtree
    owner_id: int | None = None
    pipeline_id: int | None = None
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    opened_from: datetime.date | None = None
    opened_to: datetime.date | None = None


@dataclass(frozen=True)
class BreakdownRow:
    key: Any
    label: str
    deals: int
    open: int
    won: int
    lost: int
    won_amount: Decimal
    win_rate: Decimal | None
    avg_won_days: Decimal | None
    avg_won_amount: Decimal | None
    missing_rates: Missing = ()


@dataclass
class _DealTally:
    deals: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    won_amounts: Amounts = field(default_factory=Amounts)
    days: int = 0
    days_n: int = 0

    def add(
        self, status: str, n: int, currency: str, month: Any, total: Any, known: int, days: Any, days_n: int
    ) -> None:
        self.deals += n
        if status == "open":
            self.open += n
        elif status == "won":
            self.won += n
            self.won_amounts.add(currency, month, total, known or 0)
            self.days += int(days or 0)
            self.days_n += days_n or 0
        elif status == "lost":
            self.lost += n

    def merge(self, other: _DealTally) -> None:
        self.deals += other.deals
        self.open += other.open
        self.won += other.won
        self.lost += other.lost
        self.won_amounts.merge(other.won_amounts)
        self.days += other.days
        self.days_n += other.days_n

    def row(self, key: Any, label: str, rates: Rates) -> BreakdownRow:
        amount, known, missing = rates.convert(self.won_amounts)
        closed = self.won + self.lost
        return BreakdownRow(
            key=key,
            label=label,
            deals=self.deals,
            open=self.open,
            won=self.won,
            lost=self.lost,
            won_amount=amount,
            win_rate=(Decimal(self.won) / Decimal(closed)).quantize(RATIO_PLACES, ROUND_HALF_UP)
            if closed
            else None,
            avg_won_days=(Decimal(self.days) / Decimal(self.days_n)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if self.days_n
            else None,
            avg_won_amount=(amount / Decimal(known)).quantize(CENT, ROUND_HALF_UP) if known else None,
            missing_rates=missing,
        )


def breakdown_queryset(actor: Actor, filters: DealFilters) -> models.QuerySet[Any]:
    """The deals a breakdown counts: what the actor may see, narrowed by the filters (also what
    a row drills down to)."""
    qs = scoped(
        actor,
        SOURCES["deal"],
        Scope(owner_id=filters.owner_id, team_id=filters.team_id, pipeline_id=filters.pipeline_id),
    )
    for name, lookup in (
        ("closed_from", "closed_on__gte"),
        ("closed_to", "closed_on__lte"),
        ("opened_from", "opened_on__gte"),
        ("opened_to", "opened_on__lte"),
    ):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    return qs


WON = Q(status="won")
WON_WITH_DATES = WON & Q(opened_on__isnull=False, closed_on__isnull=False)

_KEYS: dict[str, Any] = {
    "owner": F("owner_id"),
    "team": F("team_id"),
    "industry": F("account__industry"),
    "pipeline": F("pipeline_id"),
    "stage": F("stage_id"),
    "source": F("source"),
    "close_month": TruncMonth("closed_on", output_field=models.DateField()),
    "close_quarter": TruncMonth("closed_on", output_field=models.DateField()),
    # A region: the account's country and province ("CN/广东"); a deal without an account: none.
    "region": Concat(
        F("account__country"), Value("/"), F("account__province"), output_field=models.CharField()
    ),
    # The reason from the administrators' list (decision 0030), by id.
    "lost_reason": F("lost_reason_ref_id"),
    "competitor": F("competitor"),
}


def _deal_tallies(qs: models.QuerySet[Any], key: Any, currency: str) -> dict[Any, _DealTally]:
    rows = (
        qs.order_by()
        .values(
            g=key,
            st=F("status"),
            cur=F("currency"),
            cm=_conversion_month(
                "currency", TruncMonth("closed_on", output_field=models.DateField()), currency, WON
            ),
        )
        .annotate(
            n=Count("pk"),
            total=Sum("amount", filter=WON),
            known=Count("amount", filter=WON),
            days=Sum(DaysBetween("closed_on", "opened_on"), filter=WON_WITH_DATES),
            days_n=Count("pk", filter=WON_WITH_DATES),
        )
    )
    found: dict[Any, _DealTally] = {}
    for row in rows:
        found.setdefault(row["g"], _DealTally()).add(
            row["st"], row["n"], row["cur"], row["cm"], row["total"], row["known"], row["days"], row["days_n"]
        )
    return found


_SUMMARY_KEYS = {
    "owner": "owner_id",
    "team": "team_id",
    "pipeline": "pipeline_id",
    "stage": "stage_id",
    "close_month": "closed_month",
    "close_quarter": "closed_month",
}


def _summary_deal_tallies(rows: models.QuerySet[Any], key: Any, currency: str) -> dict[Any, _DealTally]:
    """``_deal_tallies`` from the monthly summary."""
    found: dict[Any, _DealTally] = {}
    grouped: Any = (
        rows.order_by()
        .values(
            g=key,
            st=F("status"),
            cur=F("currency"),
            cm=_conversion_month("currency", F("closed_month"), currency, WON),
        )
        .annotate(
            n=Sum("deals"),
            total=Sum("amount", filter=WON),
            known=Sum("amount_known", filter=WON),
            days=Sum("days", filter=WON),
            days_n=Sum("days_known", filter=WON),
        )
    )
    for row in grouped:
        found.setdefault(row["g"], _DealTally()).add(
            row["st"],
            int(row["n"] or 0),
            row["cur"],
            row["cm"],
            row["total"],
            int(row["known"] or 0),
            row["days"],
            int(row["days_n"] or 0),
        )
    return found


def _breakdown_tallies(
    actor: Actor, filters: DealFilters, group_by: str | None, currency: str
) -> dict[Any, _DealTally]:
    """Per group (``None``: one group, key 0) the deal tallies of a breakdown: whole months of
    the date filters from the monthly summary, deals closed or opened in partial edge months
    from the deals. Grouped by something the summary does not hold: all from the deals."""
    qs = breakdown_queryset(actor, filters)
    key = _KEYS[group_by] if group_by else Value(0)
    rows = None
    if group_by is None or group_by in _SUMMARY_KEYS:
        rows = summary_rows(
            actor,
            "deal",
            Scope(owner_id=filters.owner_id, team_id=filters.team_id, pipeline_id=filters.pipeline_id),
        )
    if rows is None:
        return _deal_tallies(qs, key, currency)
    closed_whole, closed_edges = month_split(filters.closed_from, filters.closed_to)
    opened_whole, opened_edges = month_split(filters.opened_from, filters.opened_to)
    found: dict[Any, _DealTally] = {}
    if closed_whole is not None and opened_whole is not None:
        inside = rows.filter(_span_q("closed_month", closed_whole) & _span_q("opened_month", opened_whole))
        summary_key = F(_SUMMARY_KEYS[group_by]) if group_by else Value(0)
        found = _summary_deal_tallies(inside, summary_key, currency)
    if closed_edges or opened_edges:
        edges = qs.filter(_edges_q("closed_on", closed_edges) | _edges_q("opened_on", opened_edges))
        for group, tally in _deal_tallies(edges, key, currency).items():
            found.setdefault(group, _DealTally()).merge(tally)
    return {group: tally for group, tally in found.items() if tally.deals}


def _product_tallies(qs: models.QuerySet[Any], currency: str) -> dict[Any, _DealTally]:
    """By product: one row per deal and product it holds (its lines' amount), then grouped.
    A deal without line items counts under no product, with its own amount."""
    inner = (
        qs.order_by()
        .values(
            d=F("pk"),
            g=F("lines__product"),
            st=F("status"),
            cur=F("currency"),
            am=F("amount"),
            cm=_conversion_month(
                "currency", TruncMonth("closed_on", output_field=models.DateField()), currency, WON
            ),
            dd=DaysBetween("closed_on", "opened_on"),
        )
        .annotate(lt=Sum("lines__amount"))
    )
    sql, params = inner.query.sql_with_params()
    q = connection.ops.quote_name
    amount = f"CASE WHEN {q('g')} IS NULL THEN {q('am')} ELSE {q('lt')} END"
    won = f"{q('st')} = 'won'"
    group = ", ".join(q(c) for c in ("g", "st", "cur", "cm"))
    columns = ", ".join(
        [
            group,
            "COUNT(*)",
            f"SUM(CASE WHEN {won} THEN {amount} END)",
            f"COUNT(CASE WHEN {won} THEN {amount} END)",
            f"SUM(CASE WHEN {won} THEN {q('dd')} END)",
            f"COUNT(CASE WHEN {won} THEN {q('dd')} END)",
        ]
    )
    # Only quoted column aliases and the compiled inner query (its values are in params) go in.
    outer = f"SELECT {columns} FROM ({sql}) per_product GROUP BY {group}"  # noqa: S608
    found: dict[Any, _DealTally] = {}
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        for g, st, cur, cm, n, total, known, days, days_n in cursor.fetchall():
            found.setdefault(g, _DealTally()).add(st, n, cur, cm, total, known, days, days_n)
    return found


def _breakdown_labels(
    group_by: str, keys: Iterable[Any], fiscal_start: int
) -> tuple[dict[Any, str], dict[Any, tuple[int, ...]]]:
    """Each key's label in the active language, and for stages their order in the pipelines."""
    keys = [k for k in keys if k is not None]
    labels: dict[Any, str] = {}
    orders: dict[Any, tuple[int, ...]] = {}
    if group_by == "owner":
        labels = {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    elif group_by == "team":
        labels = {t.pk: t.display_name for t in Team.all_objects.filter(pk__in=keys)}
    elif group_by == "product":
        labels = {p.pk: p.display_name for p in Product.all_objects.filter(pk__in=keys)}
    elif group_by == "pipeline":
        labels = {p.pk: p.display_name for p in Pipeline.objects.filter(pk__in=keys)}
    elif group_by == "stage":
        stages = list(Stage.objects.select_related("pipeline").filter(pk__in=keys))
        several = len({s.pipeline_id for s in stages}) > 1
        labels = {
            s.pk: f"{s.pipeline.display_name} · {s.display_name}" if several else s.display_name
            for s in stages
        }
        orders = {s.pk: (s.pipeline.order, s.pipeline_id, s.order, s.pk) for s in stages}
    elif group_by == "source":
        choices = dict(DealSource.choices)
        labels = {k: str(choices.get(k, k)) for k in keys}
    elif group_by == "lost_reason":
        reasons = list(LostReason.objects.filter(pk__in=keys))
        labels = {r.pk: r.display_name for r in reasons}
        orders = {r.pk: (r.order, r.pk) for r in reasons}
    elif group_by in ("industry", "competitor"):
        labels = {k: str(k) for k in keys}
    elif group_by == "region":
        labels = {k: region_label(k) for k in keys}
    elif group_by in ("close_month", "close_quarter"):
        labels = {k: periods.period_from_key(k, fiscal_start=fiscal_start).label() for k in keys}
    return labels, orders


def region_label(key: str) -> str:
    """A region key ("CN/广东", "US/", "/") for people: "广东 (CN)", "US"."""
    country, _sep, province = key.partition("/")
    if province and country:
        return f"{province} ({country})"
    return province or country


def _none_label(group_by: str) -> str:
    labels = {
        "owner": _("No owner"),
        "team": _("No team"),
        "product": _("No products"),
        "industry": _("No industry"),
        "pipeline": _("No pipeline"),
        "stage": _("No stage"),
        "source": _("No source"),
        "close_month": _("Not closed"),
        "close_quarter": _("Not closed"),
        "region": _("No region"),
        "lost_reason": _("No reason given"),
        "competitor": _("No competitor named"),
    }
    return labels[group_by]


def deal_breakdown(
    *, actor: Actor, group_by: str, filters: DealFilters | Mapping[str, Any] = DealFilters()
) -> tuple[list[BreakdownRow], BreakdownRow]:
    """The deals the actor may see, narrowed by ``filters``, grouped by ``group_by``: per group
    deals, open, won, lost, won amount (company currency, by the month each closed), win rate
    (won ÷ (won + lost), None when nothing closed), mean days opened → closed over won deals
    with both dates, mean won amount. Returns (rows, total).

    By product, a deal counts once per product it holds and its amount there is that product's
    lines; the total counts each deal once with its own amount.
    """
    if group_by not in BREAKDOWN_GROUPS + EXTRA_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(BREAKDOWN_GROUPS + EXTRA_GROUPS)}")
    if isinstance(filters, Mapping):
        filters = DealFilters(**filters)
    settings = _company(actor)
    currency = settings.currency
    if group_by == "product":
        tallies = _product_tallies(breakdown_queryset(actor, filters), currency)
        total_tally = _breakdown_tallies(actor, filters, None, currency).get(0, _DealTally())
    else:
        tallies = _breakdown_tallies(actor, filters, group_by, currency)
        total_tally = _DealTally()
        for tally in tallies.values():
            total_tally.merge(tally)
    tallies = _normalise_keys(group_by, tallies, settings.fiscal_year_start_month)
    needed: set[tuple[str, datetime.date]] = set(total_tally.won_amounts.needs())
    for tally in tallies.values():
        needed |= tally.won_amounts.needs()
    rates = Rates(currency, needed, actor)
    labels, orders = _breakdown_labels(group_by, tallies, settings.fiscal_year_start_month)
    rows = [
        tally.row(key, labels.get(key, str(key)) if key is not None else _none_label(group_by), rates)
        for key, tally in tallies.items()
    ]
    rows.sort(key=_sorter(group_by, orders))
    return rows, total_tally.row(None, _("Total"), rates)


def _normalise_keys(
    group_by: str, tallies: dict[Any, _DealTally], fiscal_start: int
) -> dict[Any, _DealTally]:
    """Keys as the API gives them: months and quarters as period keys, blank text as None."""
    if group_by not in ("close_month", "close_quarter", "industry", "source", *EXTRA_GROUPS):
        return tallies
    merged: dict[Any, _DealTally] = {}
    for key, tally in tallies.items():
        if key in (None, "") or (group_by == "region" and key == "/"):
            new_key = None
        elif group_by == "close_month":
            new_key = f"{_as_date(key):%Y-%m}"
        elif group_by == "close_quarter":
            new_key = periods.period_containing(_as_date(key), periods.QUARTER, fiscal_start=fiscal_start).key
        else:
            new_key = key
        merged.setdefault(new_key, _DealTally()).merge(tally)
    return merged


def _sorter(group_by: str, orders: Mapping[Any, tuple[int, ...]]) -> Any:
    """Months and quarters in time order, stages in pipeline order, the rest by won amount
    then deals then label; the "none" group last."""
    if group_by in ("close_month", "close_quarter"):
        return lambda row: (row.key is None, row.key or "")
    if group_by == "stage":
        return lambda row: (row.key is None, orders.get(row.key, ()), row.label)
    return lambda row: (row.key is None, -row.won_amount, -row.deals, row.label)
