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

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Count, F, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.customers.models import Source as DealSource
from tandem.deals.models import Pipeline, Product, Stage, StageKind
from tandem.org.models import Team, User

from . import company, periods
from .models import ExchangeRate, KpiDefinition, Measure
from .periods import Period
from .sources import SOURCES, SourceSpec, filter_values

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
        key = (currency, _as_date(month) if month is not None else None)
        self.sums[key] = self.sums.get(key, Decimal(0)) + Decimal(str(amount or 0))
        self.known[key] = self.known.get(key, 0) + known

    def merge(self, other: Amounts) -> None:
        for key, amount in other.sums.items():
            self.add(key[0], key[1], amount, other.known.get(key, 0))

    def needs(self) -> set[tuple[str, datetime.date]]:
        return {(c, m) for c, m in self.sums if m is not None}


class Rates:
    """Exchange rates for the (currency, month) pairs some sums need, read in one query."""

    def __init__(self, currency: str, needed: Iterable[tuple[str, datetime.date]]) -> None:
        self.currency = currency
        needed = set(needed)
        self.rates: dict[tuple[str, datetime.date], Decimal] = {}
        if needed:
            currencies = {c for c, _m in needed}
            months = {m for _c, m in needed}
            for row in ExchangeRate.objects.filter(currency__in=currencies, month__in=months).values_list(
                "currency", "month", "rate"
            ):
                self.rates[(row[0], row[1])] = row[2]

    def convert(self, amounts: Amounts) -> tuple[Decimal, int, Missing]:
        """(total in the company currency, amounts known and converted, what was left out)."""
        total = Decimal(0)
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
                    missing.add((currency, f"{month:%Y-%m}"))
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


def subtree_team_ids(team_id: int) -> Subquery:
    """The team and every team below it (its materialised path as a prefix; no recursion)."""
    path = Team.objects.filter(pk=team_id).values("path")[:1]
    return Subquery(Team.objects.filter(path__startswith=Subquery(path)).values("pk"))


def scoped(actor: Actor, spec: SourceSpec, scope: Scope) -> models.QuerySet[Any]:
    """The live records of a source the actor may see, narrowed to ``scope``."""
    qs = access.visible(actor, spec.resource, spec.model._default_manager.all())
    if scope.owner_id is not None:
        qs = qs.filter(**{f"{spec.owner_field}_id": scope.owner_id}) if spec.owner_field else qs.none()
    if scope.team_id is not None:
        qs = (
            qs.filter(**{f"{spec.team_field}_id__in": subtree_team_ids(scope.team_id)})
            if spec.team_field
            else qs.none()
        )
    if scope.pipeline_id is not None and spec.resource == "deal":
        qs = qs.filter(pipeline_id=scope.pipeline_id)
    return qs


def kpi_queryset(
    actor: Actor, kpi: KpiDefinition, start: datetime.date, end: datetime.date, scope: Scope
) -> models.QuerySet[Any]:
    """The records a count or sum KPI counts over ``start``..``end``: also what a figure drills down to."""
    spec = SOURCES[kpi.source]
    qs = scoped(actor, spec, scope).filter(date_range_q(spec, kpi.date_field, start, end))
    for name, value in (kpi.filters or {}).items():
        if name not in spec.filters:  # services refuse these; a hand-edited row must not widen anything
            return qs.none()
        qs = qs.filter(**{f"{name}__in": filter_values(value)})
    return qs


@dataclass
class Tally:
    count: int = 0
    amounts: Amounts = field(default_factory=Amounts)


def _tallies(
    actor: Actor,
    kpi: KpiDefinition,
    start: datetime.date,
    end: datetime.date,
    scope: Scope,
    group: str | None,
    currency: str,
) -> dict[Any, Tally]:
    """One grouped query: per group key, the records counted and their sums per (currency, month)."""
    spec = SOURCES[kpi.source]
    qs = kpi_queryset(actor, kpi, start, end, scope)
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
    rates = Rates(currency, needed)
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
    currency = company.company_settings().currency
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
    settings = company.company_settings()
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
    currency = company.company_settings().currency
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
                combined.count += tally.count
                combined.amounts.merge(tally.amounts)
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
    normalised = {_as_date(key): tally for key, tally in tallies.items() if key is not None}
    return _MonthTallies(kpi, normalised, None, Rates(currency, needed))


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
    ``on``'s month (today's by default): an open deal has no date of its own to convert at."""
    on = on or timezone.localdate()
    currency = company.company_settings().currency
    qs = scoped(actor, SOURCES["deal"], scope).filter(stage__kind=StageKind.OPEN)
    month = periods.month_start(on)
    rows = qs.order_by().values("stage_id", "currency").annotate(n=Count("pk"), total=Sum("amount"))
    tallies: dict[int, Tally] = {}
    for row in rows:
        tally = tallies.setdefault(row["stage_id"], Tally())
        tally.count += row["n"]
        tally.amounts.add(row["currency"], None if row["currency"] == currency else month, row["total"])
    needed: set[tuple[str, datetime.date]] = set()
    for tally in tallies.values():
        needed |= tally.amounts.needs()
    rates = Rates(currency, needed)
    result = {}
    for stage_id, tally in tallies.items():
        value, _known, missing = rates.convert(tally.amounts)
        result[stage_id] = Figure(value=value, count=tally.count, missing_rates=missing, unit="money")
    return result


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
        labels = {t.pk: t.name for t in Team.all_objects.filter(pk__in=keys)}
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
    elif group_by == "industry":
        labels = {k: str(k) for k in keys}
    elif group_by in ("close_month", "close_quarter"):
        labels = {k: periods.period_from_key(k, fiscal_start=fiscal_start).label() for k in keys}
    return labels, orders


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
    if group_by not in BREAKDOWN_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(BREAKDOWN_GROUPS)}")
    if isinstance(filters, Mapping):
        filters = DealFilters(**filters)
    settings = company.company_settings()
    currency = settings.currency
    qs = breakdown_queryset(actor, filters)
    if group_by == "product":
        tallies = _product_tallies(qs, currency)
        total_tally = _deal_tallies(qs, Value(0), currency).get(0, _DealTally())
    else:
        tallies = _deal_tallies(qs, _KEYS[group_by], currency)
        total_tally = _DealTally()
        for tally in tallies.values():
            total_tally.merge(tally)
    tallies = _normalise_keys(group_by, tallies, settings.fiscal_year_start_month)
    needed: set[tuple[str, datetime.date]] = set(total_tally.won_amounts.needs())
    for tally in tallies.values():
        needed |= tally.won_amounts.needs()
    rates = Rates(currency, needed)
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
    if group_by not in ("close_month", "close_quarter", "industry", "source"):
        return tallies
    merged: dict[Any, _DealTally] = {}
    for key, tally in tallies.items():
        if key in (None, ""):
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
