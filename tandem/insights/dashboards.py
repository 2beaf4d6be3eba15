"""The role dashboards on the home page (issue 11 §5): a rep's, a manager's and a director's.

Which one a person gets follows what they are: a director sees the whole company's deals (their
data scope is "all", or they hold the sales-director role), a manager leads a team, a rep works
deals. Someone who is more than one gets a switch. Every figure comes from ``kpis.engine`` (so
from the access policy and the monthly summaries) and links to the records behind it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.access import ALL, Actor
from tandem.kpis import engine, periods
from tandem.kpis.engine import Figure, Scope
from tandem.kpis.models import KpiDefinition

from . import rules
from .rules import EVERYTHING

REP, MANAGER, DIRECTOR = "rep", "manager", "director"
ROLE_LABELS = {
    REP: gettext_lazy("My work"),
    MANAGER: gettext_lazy("My team"),
    DIRECTOR: gettext_lazy("Company"),
}
AT_RISK_RULES = ("stale_follow_up", "overdue_close", "long_in_stage")
AT_RISK_LIMIT = 5
PEOPLE_LIMIT = 50


@dataclass(frozen=True)
class Card:
    """A card another app adds to a dashboard: its template, rendered with ``card`` (the dict
    ``context(actor, board)`` returns, or nothing shown when that is None), ``board``,
    ``dashboard`` and ``currency``. Cards are kept with the dashboard's figures a few minutes
    (``insights.snapshots``); a ``live`` card is read on every visit and given an empty board."""

    template: str
    context: Any
    order: int = 100
    live: bool = False


CARDS: dict[str, list[Card]] = {REP: [], MANAGER: [], DIRECTOR: []}


def register_card(role: str, card: Card) -> None:
    """Add a card to the ``role`` dashboard (e.g. targets' attainment, forecasts' movement)."""
    if all(existing.template != card.template for existing in CARDS[role]):
        CARDS[role].append(card)


def cards_for(role: str, *, live: bool) -> list[Card]:
    """The cards of the ``role`` dashboard that are (``live``) or are not read on every visit."""
    return sorted((c for c in CARDS[role] if c.live == live), key=lambda c: c.order)


def dashboard_roles(actor: Actor) -> list[str]:
    """The dashboards this person may open, widest first."""
    from tandem.org.models import Team
    from tandem.org.selectors import held_roles

    user = actor.user
    if user is None or not actor.has("deal"):
        return []
    found = []
    if actor.scope_for("deal") == ALL or any(role.code == "sales-director" for role in held_roles(actor)):
        found.append(DIRECTOR)
    if Team.objects.filter(leader=user, deleted_at__isnull=True).exists():
        found.append(MANAGER)
    found.append(REP)
    return found


def choose(actor: Actor, asked: str | None) -> tuple[str | None, list[str]]:
    roles = dashboard_roles(actor)
    if not roles:
        return None, roles
    return (asked if asked in roles else roles[0]), roles


def _kpis(*codes: str) -> dict[str, KpiDefinition]:
    found = KpiDefinition.objects.select_related("numerator", "denominator").filter(code__in=codes)
    return {k.code: k for k in found}


def deals_url(**params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse("deals:deal-list") + ("?" + urlencode(clean) if clean else "")


def insight_url(rule: str | None = None, scope: Scope = EVERYTHING) -> str:
    params: dict[str, Any] = {}
    if rule:
        params["rule"] = rule
    if scope.team_id:
        params["team"] = scope.team_id
    if scope.owner_id:
        params["owner"] = scope.owner_id
    return reverse("insights:list") + ("?" + urlencode(params) if params else "")


@dataclass(frozen=True)
class Tile:
    label: str
    figure: Figure
    url: str
    note: str = ""


def _scope_params(scope: Scope) -> dict[str, Any]:
    return {"owner": scope.owner_id, "team": scope.team_id}


def pipeline_by_stage(actor: Actor, scope: Scope) -> dict[str, Any]:
    """Today's open deals per stage, with the amount weighted by the stage's probability."""
    from tandem.deals.models import Stage

    by_stage = engine.open_pipeline(actor=actor, scope=scope)
    stages = list(
        Stage.objects.filter(pk__in=list(by_stage))
        .select_related("pipeline")
        .order_by("pipeline__order", "pipeline_id", "order")
    )
    rows: list[dict[str, Any]] = []
    total = weighted = Decimal(0)
    count = 0
    missing: set[tuple[str, str]] = set()
    several = len({stage.pipeline_id for stage in stages}) > 1
    for stage in stages:
        fig = by_stage[stage.pk]
        amount = fig.value or Decimal(0)
        w = (amount * Decimal(stage.probability) / 100).quantize(Decimal("0.01"))
        total += amount
        weighted += w
        count += fig.count
        missing |= set(fig.missing_rates)
        rows.append(
            {
                "stage": stage,
                # Two pipelines may both have a "Negotiation": say whose.
                "label": f"{stage.pipeline.display_name} · {stage.display_name}"
                if several
                else stage.display_name,
                "count": fig.count,
                "amount": amount,
                "weighted": w,
                "probability": stage.probability,
                "url": deals_url(stage=stage.pk, status="open", **_scope_params(scope)),
            }
        )
    return {
        "rows": rows,
        "count": count,
        "total": total,
        "weighted": weighted,
        "missing_rates": engine.missing_rates_text(missing),
        "url": deals_url(status="open", **_scope_params(scope)),
        "chart": {
            "labels": [r["label"] for r in rows],
            "series": [
                {"name": _("Open amount"), "values": [float(r["amount"]) for r in rows]},
                {"name": _("Weighted"), "values": [float(r["weighted"]) for r in rows]},
            ],
            "urls": [r["url"] for r in rows],
        },
    }


def _won_tile(actor: Actor, kpi: KpiDefinition, period: periods.Period, scope: Scope, label: str) -> Tile:
    fig = engine.figure(actor=actor, kpi=kpi, start=period.start, end=period.end, scope=scope)
    url = deals_url(
        status="won",
        closed_on_after=period.start.isoformat(),
        closed_on_before=period.end.isoformat(),
        **_scope_params(scope),
    )
    return Tile(label=label, figure=fig, url=url, note=period.label())


def insight_cards(
    actor: Actor, scope: Scope, *, items: int = 0, codes: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    cards = []
    for rule in rules.rules_for(actor):
        if codes is not None and rule.code not in codes:
            continue
        result = rules.evaluate(
            actor=actor, rule=rule, scope=scope, limit=max(1, items), with_items=bool(items)
        )
        cards.append(
            {
                "rule": rule,
                "count": result.count,
                "more": result.more,
                "items": result.items,
                "url": insight_url(rule.code, scope),
            }
        )
    return cards


def team_insight_cards(actor: Actor, teams: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """``insight_cards(actor, Scope(team_id=team.pk))`` for each team (counts, no records), with
    each rule that can be counted across teams at once counted so (``rules.counts_in_teams``)."""
    paths = engine.team_paths(actor) if teams else {}
    subtrees = {team.pk: engine.subtree_in(paths, team.pk) for team in teams}
    cards: dict[int, list[dict[str, Any]]] = {team.pk: [] for team in teams}
    for rule in rules.rules_for(actor):
        counted = rules.counts_in_teams(actor=actor, rule=rule, teams=subtrees)
        for team in teams:
            scope = Scope(team_id=team.pk)
            if counted is None:
                result = rules.evaluate(actor=actor, rule=rule, scope=scope, limit=1, with_items=False)
                count, more = result.count, result.more
            else:
                count, more = counted[team.pk]
            cards[team.pk].append(
                {
                    "rule": rule,
                    "count": count,
                    "more": more,
                    "items": [],
                    "url": insight_url(rule.code, scope),
                }
            )
    return cards


def rep_dashboard(actor: Actor, today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    assert actor.user is not None
    scope = Scope(owner_id=actor.user.pk)
    kpis = _kpis("won_amount")
    fiscal_start = engine._company(actor).fiscal_year_start_month  # read once a request
    month = periods.period_containing(today, periods.MONTH, fiscal_start=fiscal_start)
    quarter = periods.period_containing(today, periods.QUARTER, fiscal_start=fiscal_start)
    tiles = []
    if "won_amount" in kpis:
        tiles = [
            _won_tile(actor, kpis["won_amount"], month, scope, _("Won this month")),
            _won_tile(actor, kpis["won_amount"], quarter, scope, _("Won this quarter")),
        ]
    return {
        "scope": scope,
        "tiles": tiles,
        "pipeline": pipeline_by_stage(actor, scope),
        "insights": insight_cards(actor, scope, items=3),
        "insights_url": insight_url(None, scope),
    }


def led_teams(actor: Actor) -> list[Any]:
    from .services import top_led_teams

    return top_led_teams(actor.user) if actor.user is not None else []


def _previous(period: periods.Period) -> periods.Period:
    return periods.period_containing(
        period.start - datetime.timedelta(days=1), period.kind, fiscal_start=period.fiscal_start
    )


def _subtree_people(team: Any) -> list[Any]:
    from tandem.org.models import Membership, User

    ids = Membership.objects.filter(
        team__path__startswith=team.path, team__deleted_at__isnull=True, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("display_name")[:PEOPLE_LIMIT])


def manager_dashboard(
    actor: Actor, team_id: int | None = None, today: datetime.date | None = None
) -> dict[str, Any]:
    today = today or timezone.localdate()
    teams = led_teams(actor)
    team = next((t for t in teams if t.pk == team_id), teams[0] if teams else None)
    if team is None:
        return {"team": None, "teams": []}
    scope = Scope(team_id=team.pk)
    kpis = _kpis("won_amount", "follow_ups")
    quarter = periods.period_containing(
        today, periods.QUARTER, fiscal_start=engine._company(actor).fiscal_year_start_month
    )
    last_quarter = _previous(quarter)
    tiles = []
    if "won_amount" in kpis:
        tiles = [
            _won_tile(actor, kpis["won_amount"], quarter, scope, _("Team won this quarter")),
            _won_tile(actor, kpis["won_amount"], last_quarter, scope, _("Team won last quarter")),
        ]
    change = None
    if len(tiles) == 2 and tiles[1].figure.value:
        change = ((tiles[0].figure.value or Decimal(0)) - tiles[1].figure.value) / tiles[1].figure.value
    # Who needs help: flagged open deals per person, follow-ups logged this week per person.
    week_start = today - datetime.timedelta(days=today.weekday())
    follow_ups: dict[Any, Figure] = {}
    if "follow_ups" in kpis:
        follow_ups = engine.figures(
            actor=actor, kpi=kpis["follow_ups"], start=week_start, end=today, group_by="owner", scope=scope
        )
    flagged = _flagged_by_owner(actor, scope)
    people = []
    for person in _subtree_people(team):
        fu = follow_ups.get(person.pk)
        people.append(
            {
                "person": person,
                "flagged": flagged.get(person.pk, 0),
                "follow_ups": fu.count if fu else 0,
                "flagged_url": insight_url(None, Scope(owner_id=person.pk)),
                "follow_ups_url": reverse("activities:activity-list")
                + "?"
                + urlencode({"author": person.pk, "occurred_after": week_start.isoformat()}),
            }
        )
    needs_help = sorted(
        (p for p in people if p["flagged"] or not p["follow_ups"]),
        key=lambda p: (-p["flagged"], p["follow_ups"], p["person"].display_name),
    )[:5]
    return {
        "team": team,
        "teams": teams,
        "scope": scope,
        "tiles": tiles,
        "change": change,
        "pipeline": pipeline_by_stage(actor, scope),
        "at_risk": insight_cards(actor, scope, items=AT_RISK_LIMIT, codes=AT_RISK_RULES),
        "people": people,
        "needs_help": needs_help,
        "week_start": week_start,
        "insights_url": insight_url(None, scope),
        "chart": {
            "labels": [p["person"].display_name for p in people],
            "series": [
                {"name": _("Follow-ups this week"), "values": [p["follow_ups"] for p in people]},
                {"name": _("Flagged deals"), "values": [p["flagged"] for p in people]},
            ],
            "urls": [p["flagged_url"] for p in people],
        },
    }


def _flagged_by_owner(actor: Actor, scope: Scope) -> dict[int, int]:
    """Open deals that any deal rule flags, per owner: one grouped count over the rules' conditions."""
    ctx = rules.RuleContext(
        actor=actor,
        scope=scope,
        thresholds=actor.memo("insights.thresholds", rules.thresholds),
        now=timezone.now(),
    )
    q = rules.stale_q(ctx) | rules.overdue_q(ctx)
    stuck = rules.long_in_stage_q(ctx)
    if stuck is not None:
        q |= stuck
    grouped = rules.open_deals(ctx).filter(q).order_by().values("owner_id").annotate(n=Count("pk"))
    return {row["owner_id"]: row["n"] for row in grouped}


def top_teams() -> list[Any]:
    """The teams a director compares: the roots, or below a single root its children."""
    from tandem.org.models import Team

    live = Team.objects.filter(deleted_at__isnull=True)
    tops = list(live.filter(parent__isnull=True).order_by("name"))
    while len(tops) == 1:
        children = list(live.filter(parent=tops[0]).order_by("name"))
        if not children:
            break
        tops = children
    return tops


def _roll_up(by_team: dict[Any, Figure], tops: list[Any], paths: dict[int, str]) -> dict[int, list[Figure]]:
    rolled: dict[int, list[Figure]] = defaultdict(list)
    for team_id, fig in by_team.items():
        path = paths.get(team_id, "")
        for top in tops:
            if path.startswith(top.path):
                rolled[top.pk].append(fig)
                break
    return rolled


def _sum(figs: list[Figure]) -> Decimal:
    return sum((f.value or Decimal(0) for f in figs), Decimal(0))


def director_dashboard(actor: Actor, today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    kpis = _kpis("won_amount", "win_rate", "won_deals", "closed_deals", "new_pipeline")
    quarter = periods.period_containing(
        today, periods.QUARTER, fiscal_start=engine._company(actor).fiscal_year_start_month
    )
    scope = Scope()
    span = {"start": quarter.start, "end": quarter.end}
    tiles = []
    if "won_amount" in kpis:
        tiles.append(_won_tile(actor, kpis["won_amount"], quarter, scope, _("Won this quarter")))
    if "win_rate" in kpis:
        tiles.append(
            Tile(
                label=_("Win rate"),
                figure=engine.figure(actor=actor, kpi=kpis["win_rate"], scope=scope, **span),
                url=deals_url(
                    closed_on_after=quarter.start.isoformat(), closed_on_before=quarter.end.isoformat()
                ),
                note=quarter.label(),
            )
        )
    pipeline = pipeline_by_stage(actor, scope)
    tiles.append(
        Tile(
            label=_("Open pipeline"),
            figure=Figure(value=pipeline["total"], count=pipeline["count"], unit="money"),
            url=pipeline["url"],
            note=_("today"),
        )
    )
    if "new_pipeline" in kpis:
        tiles.append(
            Tile(
                label=str(kpis["new_pipeline"].display_name),
                figure=engine.figure(actor=actor, kpi=kpis["new_pipeline"], scope=scope, **span),
                url=deals_url(
                    opened_on_after=quarter.start.isoformat(), opened_on_before=quarter.end.isoformat()
                ),
                note=quarter.label(),
            )
        )
    tops = top_teams()
    by_code = {
        code: engine.figures(actor=actor, kpi=kpis[code], group_by="team", scope=scope, **span)
        for code in ("won_amount", "won_deals", "closed_deals", "new_pipeline")
        if code in kpis
    }
    paths = engine.team_paths(actor)
    grouped = {code: _roll_up(by_team, tops, paths) for code, by_team in by_code.items()}
    team_cards = team_insight_cards(actor, tops)
    teams = []
    for team in tops:
        won_deals = sum(f.count for f in grouped.get("won_deals", {}).get(team.pk, []))
        closed = sum(f.count for f in grouped.get("closed_deals", {}).get(team.pk, []))
        team_scope = Scope(team_id=team.pk)
        teams.append(
            {
                "team": team,
                "won": _sum(grouped.get("won_amount", {}).get(team.pk, [])),
                "won_deals": won_deals,
                "win_rate": (Decimal(won_deals) / Decimal(closed)) if closed else None,
                "new_pipeline": _sum(grouped.get("new_pipeline", {}).get(team.pk, [])),
                "won_url": deals_url(
                    status="won",
                    team=team.pk,
                    closed_on_after=quarter.start.isoformat(),
                    closed_on_before=quarter.end.isoformat(),
                ),
                "insights": team_cards[team.pk],
                "insights_url": insight_url(None, team_scope),
            }
        )
    return {
        "scope": scope,
        "quarter": quarter,
        "tiles": tiles,
        "pipeline": pipeline,
        "teams": teams,
        "rules": rules.rules_for(actor),
        "insights": insight_cards(actor, scope),
        "insights_url": insight_url(None, scope),
        "chart": {
            "labels": [t["team"].display_name for t in teams],
            "series": [
                {"name": _("Won this quarter"), "values": [float(t["won"]) for t in teams]},
                {"name": _("Pipeline created"), "values": [float(t["new_pipeline"]) for t in teams]},
            ],
            "urls": [t["won_url"] for t in teams],
        },
    }
