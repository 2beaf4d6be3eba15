"""The analytics workspace's sections, each a card of figures, a chart and tables, every number
read through the KPI engine (``tandem.kpis.engine``, decision 0018) inside what the viewer may
see, and every row carrying the link to the records behind it (``drill``)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.activities.models import ActivityKind
from tandem.core.access import Actor
from tandem.deals.models import Stage, StageKind
from tandem.kpis import engine, periods
from tandem.kpis.engine import BreakdownRow, Figure
from tandem.kpis.models import KpiDefinition, Measure, Source, Unit
from tandem.org.models import User

from . import coverage
from .filters import Filters

LEADERBOARD_SIZE = 10
TREND_MONTHS = 12
TREND_QUARTERS = 8
BREAKDOWNS = {
    "product": gettext_lazy("Product"),
    "industry": gettext_lazy("Industry"),
    "region": gettext_lazy("Region"),
    "source": gettext_lazy("Source"),
    "team": gettext_lazy("Team"),
    "owner": gettext_lazy("Person"),
}
DEFAULT_BREAKDOWN = "product"


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, count, money, percent, days, ratio


@dataclass
class Row:
    cells: dict[str, Any]
    drill: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None
    empty: str = ""


@dataclass
class Tile:
    """One headline figure."""

    label: str
    value: Any
    kind: str
    drill: str = ""
    help: str = ""


@dataclass
class Section:
    key: str
    title: str
    question: str
    tables: list[Table] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    missing: set[tuple[str, str]] = field(default_factory=set)

    @property
    def chart_json(self) -> str:
        """The chart for ``data-spec`` (htmx inserts no script elements, so not json_script)."""
        return json.dumps(self.chart, ensure_ascii=False)

    @property
    def missing_rates_text(self) -> list[str]:
        return engine.missing_rates_text(self.missing)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


# --- Links to the records behind a figure ------------------------------------------------------------


def _scope_query(f: Filters) -> dict[str, str]:
    return {k: v for k, v in f.query.items() if k in ("team", "person", "pipeline")}


def records_url(**params: Any) -> str:
    clean = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    return f"{reverse('analytics:records')}?{urlencode(clean)}"


def kpi_drill(f: Filters, code: str, start: datetime.date, end: datetime.date, **extra: Any) -> str:
    return records_url(
        src="kpi", kpi=code, start=start.isoformat(), end=end.isoformat(), **{**_scope_query(f), **extra}
    )


def deals_drill(f: Filters, by: str = "", key: Any = None, **extra: Any) -> str:
    params: dict[str, Any] = {
        "src": "deals",
        "closed_from": f.start.isoformat(),
        "closed_to": f.end.isoformat(),
        **_scope_query(f),
    }
    if by:
        params["by"] = by
        if key is None:
            params["none"] = "1"
        else:
            params["key"] = key
    return records_url(**{**params, **extra})


# --- Helpers ---------------------------------------------------------------------------------------


def people_names(ids: Iterable[Any]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    return {u.pk: str(u) for u in User.objects.filter(pk__in=wanted).only("pk", "display_name", "username")}


def _kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.select_related("numerator", "denominator").get(code=code)


def _kpis(*codes: str) -> dict[str, KpiDefinition]:
    found = {
        k.code: k
        for k in KpiDefinition.objects.select_related("numerator", "denominator").filter(code__in=codes)
    }
    return found


def follow_ups_of_kind(kind: str) -> KpiDefinition:
    """The built-in "follow-ups logged" narrowed to one kind: a definition in memory, not saved,
    so the engine counts it exactly as it counts the built-in (summary and edges)."""
    return KpiDefinition(
        code=f"follow_ups_{kind}",
        name=kind,
        source=Source.ACTIVITY,
        measure=Measure.COUNT,
        date_field="occurred_at",
        filters={"kind": [kind]},
        unit=Unit.COUNT,
    )


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(engine.RATIO_PLACES, ROUND_HALF_UP) if whole else None


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def velocity(
    open_deals: int, win_rate: Decimal | None, avg_won: Decimal | None, cycle_days: Decimal | None
) -> Decimal | None:
    """Sales velocity: open deals × win rate × average won deal ÷ sales cycle in days, the
    amount the pipeline is expected to turn into won business per day."""
    if win_rate is None or avg_won is None or not cycle_days:
        return None
    return (Decimal(open_deals) * win_rate * avg_won / cycle_days).quantize(engine.CENT, ROUND_HALF_UP)


# --- Funnel and key figures ----------------------------------------------------------------------


def funnel_section(actor: Actor, f: Filters) -> Section:
    steps = engine.funnel(actor=actor, start=f.start, end=f.end, scope=f.scope)
    base = {"start": f.start.isoformat(), "end": f.end.isoformat(), **_scope_query(f)}
    rows = [
        Row(
            cells={"stage": step.stage.display_name, "deals": step.deals, "conversion": step.conversion},
            drill=records_url(src="funnel", stage=step.stage.pk, **base),
        )
        for step in steps
    ]
    table = Table(
        key="funnel",
        title=_("Funnel"),
        columns=[
            Column("stage", _("Stage")),
            Column("deals", _("Deals that reached it"), "count"),
            Column("conversion", _("Conversion from the step before"), "percent"),
        ],
        rows=rows,
        empty=_("No deal was opened in this period."),
    )
    shown = [r for r, step in zip(rows, steps, strict=True) if step.stage.kind != StageKind.LOST]
    chart = {
        "type": "funnel",
        "title": _("How far deals opened in the period got"),
        "categories": [r.cells["stage"] for r in shown],
        "series": [{"name": _("Deals"), "unit": "count", "data": [r.cells["deals"] for r in shown]}],
        "drill": [r.drill for r in shown],
    }
    return Section(
        key="funnel",
        title=_("Funnel"),
        question=_("Of the deals opened in the period, how many reached each stage?"),
        tables=[table],
        chart=chart,
        notes=[
            _("A deal that skipped a stage is not counted in it; lost deals are in the table, not the chart.")
        ],
    )


def figures_section(actor: Actor, f: Filters) -> Section:
    """Win rate, average deal size, sales cycle, velocity, new pipeline, and the open pipeline
    weighted by stage probability with its coverage of the remaining target."""
    _rows, total = engine.deal_breakdown(actor=actor, group_by="stage", filters=f.closed)
    new = engine.figure(actor=actor, kpi=_kpi("new_pipeline"), start=f.start, end=f.end, scope=f.scope)
    open_by_stage = engine.open_pipeline(actor=actor, scope=f.scope)
    stages = {s.pk: s for s in Stage.objects.filter(pk__in=list(open_by_stage)).select_related("pipeline")}
    open_deals = sum(fig.count for fig in open_by_stage.values())
    weighted = Decimal("0.00")
    open_amount = Decimal("0.00")
    missing = set(total.missing_rates) | set(new.missing_rates)
    stage_rows = []
    scope_q = _scope_query(f)
    for stage_id, fig in sorted(
        open_by_stage.items(),
        key=lambda item: (
            (stages[item[0]].pipeline.order, stages[item[0]].pipeline_id, stages[item[0]].order)
            if item[0] in stages
            else (0, 0, 0)
        ),
    ):
        stage = stages.get(stage_id)
        probability = stage.probability if stage else 0
        amount = fig.value or Decimal(0)
        stage_weighted = (amount * probability / 100).quantize(engine.CENT, ROUND_HALF_UP)
        weighted += stage_weighted
        open_amount += amount
        missing |= set(fig.missing_rates)
        stage_rows.append(
            Row(
                cells={
                    "stage": stage.display_name if stage else str(stage_id),
                    "deals": fig.count,
                    "amount": amount,
                    "probability": Decimal(probability) / 100,
                    "weighted": stage_weighted,
                },
                drill=records_url(src="open", stage=stage_id, **scope_q),
            )
        )
    remaining = coverage.remaining_target(actor=actor, start=f.start, end=f.end, scope=f.scope)
    covered = coverage.coverage(weighted, remaining)
    speed = velocity(open_deals, total.win_rate, total.avg_won_amount, total.avg_won_days)
    closed_drill = deals_drill(f, status="closed")
    won_drill = deals_drill(f, status="won")
    open_drill = records_url(src="open", **scope_q)
    tiles = [
        Tile(
            _("Win rate"),
            total.win_rate,
            "percent",
            closed_drill,
            _("Won ÷ (won + lost), deals closed in the period."),
        ),
        Tile(_("Average deal size (won)"), total.avg_won_amount, "money", won_drill),
        Tile(
            _("Sales cycle"),
            total.avg_won_days,
            "days",
            won_drill,
            _("Mean days from opened to closed, won deals."),
        ),
        Tile(
            _("Sales velocity"),
            speed,
            "money_per_day",
            open_drill,
            _("Open deals × win rate × average deal size ÷ sales cycle (days)."),
        ),
        Tile(
            _("Pipeline created"),
            new.value,
            "money",
            kpi_drill(f, "new_pipeline", f.start, f.end),
            _("Amount of deals opened in the period."),
        ),
        Tile(
            _("Weighted open pipeline"),
            weighted,
            "money",
            open_drill,
            _("Open deals today: amount × the stage's win probability."),
        ),
    ]
    if covered is not None:
        tiles.append(
            Tile(
                _("Pipeline coverage"),
                covered,
                "ratio",
                open_drill,
                _("Weighted open pipeline ÷ the target still to reach."),
            )
        )
    figures = Table(
        key="figures",
        title=_("Key figures"),
        columns=[Column("figure", _("Figure")), Column("value", _("Value"), "mixed")],
        rows=[Row(cells={"figure": t.label, "value": t.value, "kind": t.kind}, drill=t.drill) for t in tiles],
    )
    pipeline = Table(
        key="open_pipeline",
        title=_("Open pipeline by stage"),
        columns=[
            Column("stage", _("Stage")),
            Column("deals", _("Open deals"), "count"),
            Column("amount", _("Amount"), "money"),
            Column("probability", _("Stage probability"), "percent"),
            Column("weighted", _("Weighted"), "money"),
        ],
        rows=stage_rows,
        total=Row(
            cells={
                "stage": _("Total"),
                "deals": open_deals,
                "amount": open_amount,
                "probability": None,
                "weighted": weighted,
            },
            drill=open_drill,
        ),
        empty=_("No open deal."),
    )
    notes = [
        _("Sales velocity = open deals × win rate × average deal size (won) ÷ sales cycle (days)."),
        _(
            "Win rate, deal size and cycle count the deals closed in the period; the open pipeline is today's."
        ),
    ]
    if covered is None:
        notes.append(_("Pipeline coverage appears once a target is set for this period and scope."))
    chart = {
        "type": "bar",
        "title": _("Open pipeline by stage, amount and weighted"),
        "categories": [r.cells["stage"] for r in stage_rows],
        "series": [
            {"name": _("Amount"), "unit": "money", "data": [_money(r.cells["amount"]) for r in stage_rows]},
            {
                "name": _("Weighted"),
                "unit": "money",
                "data": [_money(r.cells["weighted"]) for r in stage_rows],
            },
        ],
        "drill": [r.drill for r in stage_rows],
    }
    return Section(
        key="figures",
        title=_("Win rate, deal size, cycle and velocity"),
        question=_("How well and how fast do deals close, and what is coming?"),
        tables=[figures, pipeline],
        tiles=tiles,
        chart=chart,
        notes=notes,
        missing=missing,
    )


# --- Follow-ups ----------------------------------------------------------------------------------------


def follow_ups_section(actor: Actor, f: Filters) -> Section:
    kinds = list(ActivityKind.choices)
    per_kind: dict[str, dict[Any, Figure]] = {
        kind: engine.figures(
            actor=actor,
            kpi=follow_ups_of_kind(kind),
            start=f.start,
            end=f.end,
            group_by="owner",
            scope=f.scope,
        )
        for kind, _label in kinds
    }
    totals = {kind: sum(fig.count for fig in found.values()) for kind, found in per_kind.items()}
    everyone = sum(totals.values())
    by_kind = Table(
        key="by_kind",
        title=_("Follow-ups by kind"),
        columns=[
            Column("kind", _("Kind")),
            Column("count", _("Follow-ups"), "count"),
            Column("share", _("Share"), "percent"),
        ],
        rows=[
            Row(
                cells={"kind": str(label), "count": totals[kind], "share": _share(totals[kind], everyone)},
                drill=kpi_drill(f, "follow_ups", f.start, f.end, kind=kind),
            )
            for kind, label in kinds
        ],
        total=Row(
            cells={"kind": _("Total"), "count": everyone, "share": None},
            drill=kpi_drill(f, "follow_ups", f.start, f.end),
        ),
    )
    authors: set[Any] = set()
    for found in per_kind.values():
        authors |= set(found)
    names = people_names(authors)
    person_rows = []
    for author in authors:
        cells: dict[str, Any] = {"person": names.get(author, _("No owner")) if author else _("No owner")}
        count = 0
        for kind, _label in kinds:
            n = per_kind[kind].get(author, Figure(value=None, count=0)).count
            cells[kind] = n
            count += n
        cells["total"] = count
        person_rows.append(
            Row(
                cells=cells, drill=kpi_drill(f, "follow_ups", f.start, f.end, person=author) if author else ""
            )
        )
    person_rows.sort(key=lambda r: (-r.cells["total"], r.cells["person"]))
    by_person = Table(
        key="by_person",
        title=_("Follow-ups by person"),
        columns=[Column("person", _("Person"))]
        + [Column(kind, str(label), "count") for kind, label in kinds]
        + [Column("total", _("Total"), "count")],
        rows=person_rows,
        empty=_("No follow-up was logged in this period."),
    )
    chart = {
        "type": "bar",
        "title": _("Follow-ups by kind"),
        "categories": [str(label) for _kind, label in kinds],
        "series": [{"name": _("Follow-ups"), "unit": "count", "data": [totals[k] for k, _l in kinds]}],
        "drill": [r.drill for r in by_kind.rows],
    }
    return Section(
        key="follow_ups",
        title=_("Follow-ups"),
        question=_("How many follow-ups of each kind, and by whom?"),
        tables=[by_kind, by_person],
        chart=chart,
    )


# --- Leaderboards ----------------------------------------------------------------------------------------


def leaderboards_section(actor: Actor, f: Filters, size: int = LEADERBOARD_SIZE) -> Section:
    boards = [
        ("won_amount", _("Won amount"), "money"),
        ("won_deals", _("Deals won"), "count"),
        ("follow_ups", _("Follow-ups logged"), "count"),
        ("new_pipeline", _("Pipeline created"), "money"),
    ]
    kpis = _kpis(*(code for code, _l, _k in boards))
    found = {
        code: engine.figures(
            actor=actor, kpi=kpis[code], start=f.start, end=f.end, group_by="owner", scope=f.scope
        )
        for code, _label, _kind in boards
    }
    people: set[Any] = set()
    for figures in found.values():
        people |= set(figures)
    names = people_names(people)
    missing: set[tuple[str, str]] = set()
    tables = []
    for code, label, kind in boards:
        ranked = sorted(
            ((who, fig) for who, fig in found[code].items() if who is not None and (fig.value or fig.count)),
            key=lambda item: (-(item[1].value or 0), -item[1].count, names.get(item[0], "")),
        )[:size]
        for _who, fig in ranked:
            missing |= set(fig.missing_rates)
        tables.append(
            Table(
                key=code,
                title=str(label),
                columns=[
                    Column("rank", "#", "count"),
                    Column("person", _("Person")),
                    Column("value", str(label), kind),
                ],
                rows=[
                    Row(
                        cells={"rank": n, "person": names.get(who, str(who)), "value": fig.value},
                        drill=kpi_drill(f, code, f.start, f.end, person=who),
                    )
                    for n, (who, fig) in enumerate(ranked, start=1)
                ],
                empty=_("Nobody yet in this period."),
            )
        )
    top = tables[0].rows
    chart = {
        "type": "hbar",
        "title": _("Won amount, top %(n)d") % {"n": size},
        "categories": [r.cells["person"] for r in top],
        "series": [
            {"name": _("Won amount"), "unit": "money", "data": [_money(r.cells["value"]) for r in top]}
        ],
        "drill": [r.drill for r in top],
    }
    return Section(
        key="leaderboards",
        title=_("Leaderboards"),
        question=_("Who led the period?"),
        tables=tables,
        chart=chart,
        missing=missing,
    )


# --- Win/loss ---------------------------------------------------------------------------------------------


def win_loss_section(actor: Actor, f: Filters) -> Section:
    reasons, total = engine.deal_breakdown(actor=actor, group_by="lost_reason", filters=f.closed)
    competitors, _total = engine.deal_breakdown(actor=actor, group_by="competitor", filters=f.closed)
    lost_rows = sorted((r for r in reasons if r.lost), key=lambda r: (r.key is None, -r.lost, r.label))
    by_reason = Table(
        key="lost_reasons",
        title=_("Lost deals by reason"),
        columns=[
            Column("reason", _("Lost reason")),
            Column("lost", _("Deals lost"), "count"),
            Column("share", _("Share"), "percent"),
        ],
        rows=[
            Row(
                cells={"reason": r.label, "lost": r.lost, "share": _share(r.lost, total.lost)},
                drill=deals_drill(f, "lost_reason", r.key, status="lost"),
            )
            for r in lost_rows
        ],
        total=Row(
            cells={"reason": _("Total"), "lost": total.lost, "share": None},
            drill=deals_drill(f, status="lost"),
        ),
        empty=_("No deal was lost in this period."),
    )
    comp_rows = sorted(
        (r for r in competitors if r.won or r.lost), key=lambda r: (r.key is None, -(r.won + r.lost), r.label)
    )
    by_competitor = Table(
        key="competitors",
        title=_("Won and lost by competitor"),
        columns=[
            Column("competitor", _("Competitor")),
            Column("won", _("Won"), "count"),
            Column("lost", _("Lost"), "count"),
            Column("win_rate", _("Win rate"), "percent"),
        ],
        rows=[
            Row(
                cells={"competitor": r.label, "won": r.won, "lost": r.lost, "win_rate": r.win_rate},
                drill=deals_drill(f, "competitor", r.key, status="closed"),
            )
            for r in comp_rows
        ],
        empty=_("No deal was closed in this period."),
    )
    chart = {
        "type": "pie",
        "title": _("Lost deals by reason"),
        "categories": [r.cells["reason"] for r in by_reason.rows],
        "series": [
            {"name": _("Deals lost"), "unit": "count", "data": [r.cells["lost"] for r in by_reason.rows]}
        ],
        "drill": [r.drill for r in by_reason.rows],
    }
    return Section(
        key="win_loss",
        title=_("Win and loss"),
        question=_("Why were deals lost, and against whom?"),
        tables=[by_reason, by_competitor],
        chart=chart,
    )


# --- Breakdowns ------------------------------------------------------------------------------------------


BREAKDOWN_COLUMNS = [
    ("deals", gettext_lazy("Deals closed"), "count"),
    ("won", gettext_lazy("Won"), "count"),
    ("lost", gettext_lazy("Lost"), "count"),
    ("win_rate", gettext_lazy("Win rate"), "percent"),
    ("won_amount", gettext_lazy("Won amount"), "money"),
    ("avg_won_amount", gettext_lazy("Average deal size (won)"), "money"),
    ("avg_won_days", gettext_lazy("Sales cycle (days)"), "days"),
]


def _breakdown_cells(row: BreakdownRow, label_key: str) -> dict[str, Any]:
    cells: dict[str, Any] = {label_key: row.label}
    for key, _label, _kind in BREAKDOWN_COLUMNS:
        cells[key] = getattr(row, key)
    return cells


def breakdown_section(actor: Actor, f: Filters, by: str = DEFAULT_BREAKDOWN) -> Section:
    if by not in BREAKDOWNS:
        by = DEFAULT_BREAKDOWN
    rows, total = engine.deal_breakdown(actor=actor, group_by=by, filters=f.closed)
    missing = set(total.missing_rates)
    for r in rows:
        missing |= set(r.missing_rates)
    table = Table(
        key=by,
        title=_("Deals closed by %(dimension)s") % {"dimension": str(BREAKDOWNS[by]).lower()},
        columns=[Column("group", str(BREAKDOWNS[by]))]
        + [Column(k, str(label), kind) for k, label, kind in BREAKDOWN_COLUMNS],
        rows=[
            Row(cells=_breakdown_cells(r, "group"), drill=deals_drill(f, by, r.key, status="closed"))
            for r in rows
        ],
        total=Row(cells=_breakdown_cells(total, "group"), drill=deals_drill(f, status="closed")),
        empty=_("No deal was closed in this period."),
    )
    notes = []
    if by == "product":
        notes.append(_("A deal counts once per product it holds, with that product's lines as its amount."))
    chart = {
        "type": "hbar",
        "title": _("Won amount by %(dimension)s") % {"dimension": str(BREAKDOWNS[by]).lower()},
        "categories": [r.label for r in rows[:15]],
        "series": [
            {"name": _("Won amount"), "unit": "money", "data": [_money(r.won_amount) for r in rows[:20]]}
        ],
        "drill": [row.drill for row in table.rows[:15]],
    }
    return Section(
        key="breakdown",
        title=_("Breakdowns"),
        question=_("Where is business won: by product, industry, region, source, team and person."),
        tables=[table],
        chart=chart,
        notes=notes,
        missing=missing,
    )


# --- Trends -------------------------------------------------------------------------------------------------


TREND_KPIS = [
    ("won_amount", "money"),
    ("new_pipeline", "money"),
    ("won_deals", "count"),
    ("win_rate", "percent"),
]


def trend_periods(f: Filters, by: str, fiscal_start: int) -> list[periods.Period]:
    """The months (twelve) or fiscal quarters (eight) up to the one the period ends in."""
    if by == "quarter":
        last = periods.period_containing(f.end, periods.QUARTER, fiscal_start=fiscal_start)
        found = [last]
        for _n in range(TREND_QUARTERS - 1):
            found.insert(0, found[0].previous())
        return found
    last = periods.period_containing(f.end, periods.MONTH, fiscal_start=fiscal_start)
    found = [last]
    for _n in range(TREND_MONTHS - 1):
        found.insert(0, found[0].previous())
    return found


def trend_tables(actor: Actor, f: Filters) -> tuple[Table, Table, set[tuple[str, str]]]:
    """The months and the fiscal quarters, from one grouped engine call per KPI (``series``
    combines the months of each period from the same monthly tallies)."""
    from tandem.kpis.company import company_settings

    fiscal_start = company_settings().fiscal_year_start_month
    months = trend_periods(f, "month", fiscal_start)
    quarters = trend_periods(f, "quarter", fiscal_start)
    chosen = [*months, *quarters]
    kpis = _kpis(*(code for code, _kind in TREND_KPIS))
    values = {
        code: engine.series(actor=actor, kpi=kpis[code], periods=chosen, scope=f.scope)
        for code, _kind in TREND_KPIS
    }
    missing: set[tuple[str, str]] = set()
    rows = []
    for index, period in enumerate(chosen):
        cells: dict[str, Any] = {"period": period.label(), "key": period.key}
        for code, _kind in TREND_KPIS:
            fig = values[code][index]
            cells[code] = fig.value
            missing |= set(fig.missing_rates)
        rows.append(Row(cells=cells, drill=kpi_drill(f, "won_amount", period.start, period.end)))
    columns = [Column("period", _("Period"))] + [
        Column(code, kpis[code].display_name, kind) for code, kind in TREND_KPIS
    ]
    by_month = Table(key="by_month", title=_("By month"), columns=columns, rows=rows[: len(months)])
    by_quarter = Table(
        key="by_quarter", title=_("By fiscal quarter"), columns=columns, rows=rows[len(months) :]
    )
    return by_month, by_quarter, missing


def trends_section(actor: Actor, f: Filters) -> Section:
    months, quarters, missing = trend_tables(actor, f)
    chart = {
        "type": "trend",
        "title": _("Won amount and pipeline created by month, with win rate"),
        "categories": [r.cells["period"] for r in months.rows],
        "series": [
            {
                "name": months.columns[1].label,
                "unit": "money",
                "data": [_money(r.cells["won_amount"]) for r in months.rows],
            },
            {
                "name": months.columns[2].label,
                "unit": "money",
                "data": [_money(r.cells["new_pipeline"]) for r in months.rows],
            },
            {
                "name": months.columns[4].label,
                "unit": "percent",
                "line": True,
                "data": [
                    float(r.cells["win_rate"]) if r.cells["win_rate"] is not None else None
                    for r in months.rows
                ],
            },
        ],
        "drill": [r.drill for r in months.rows],
    }
    return Section(
        key="trends",
        title=_("Trends"),
        question=_(
            "How the figures moved: the twelve months and eight fiscal quarters up to the period's end."
        ),
        tables=[months, quarters],
        chart=chart,
        missing=missing,
    )


SECTIONS: dict[str, Callable[..., Section]] = {
    "funnel": funnel_section,
    "figures": figures_section,
    "follow_ups": follow_ups_section,
    "leaderboards": leaderboards_section,
    "win_loss": win_loss_section,
    "breakdown": breakdown_section,
    "trends": trends_section,
}


# Cards that read the deals themselves (no summary holds their columns): drawn when scrolled
# into view, so the page answers with the summary-backed cards first.
LAZY = ("win_loss", "breakdown")
TITLES = {
    "win_loss": (gettext_lazy("Win and loss"), gettext_lazy("Why were deals lost, and against whom?")),
    "breakdown": (
        gettext_lazy("Breakdowns"),
        gettext_lazy("Where is business won: by product, industry, region, source, team and person."),
    ),
}


def placeholder(key: str) -> Section:
    """A card whose figures load on their own (``LAZY``): its title, nothing computed."""
    title, question = TITLES[key]
    return Section(key=key, title=str(title), question=str(question))


def section(actor: Actor, f: Filters, key: str, *, by: str = DEFAULT_BREAKDOWN) -> Section:
    if key == "breakdown":
        return breakdown_section(actor, f, by)
    return SECTIONS[key](actor, f)


def workspace(actor: Actor, f: Filters, *, by: str = DEFAULT_BREAKDOWN, lazy: bool = True) -> list[Section]:
    """Every section of the page, in order; with ``lazy``, the ``LAZY`` ones as placeholders."""
    return [placeholder(key) if lazy and key in LAZY else section(actor, f, key, by=by) for key in SECTIONS]
