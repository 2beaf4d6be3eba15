"""Targets in other apps' figures, registered from ``TargetsConfig.ready``:

- analytics' pipeline coverage (weighted open pipeline ÷ remaining target) gets the remaining
  target of the scope (a person, a team and its subtree, or the company) when the analysed range
  is exactly one month, fiscal quarter or fiscal year and no pipeline is chosen (a target is for
  every pipeline);
- two insight rules: people behind pace on their won-amount target this quarter, and teams whose
  weighted open pipeline covers less of what is left of their quarter's target than the
  company's minimum (``InsightSettings.coverage_minimum``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.access import Actor
from tandem.kpis import engine, periods
from tandem.kpis.engine import Scope

from . import selectors
from .book import COMPANY, Subject
from .models import SubjectKind

KPI = "won_amount"


def _period_of(start: datetime.date, end: datetime.date) -> periods.Period | None:
    for kind in (periods.MONTH, periods.QUARTER, periods.YEAR):
        period = periods.period_containing(start, kind)
        if period.start == start and period.end == end:
            return period
    return None


def _subject_of(scope: Scope) -> Subject:
    if scope.owner_id is not None:
        return (SubjectKind.PERSON.value, scope.owner_id)
    if scope.team_id is not None:
        return (SubjectKind.TEAM.value, scope.team_id)
    return COMPANY


def remaining_for_scope(
    actor: Actor, start: datetime.date, end: datetime.date, scope: Scope
) -> Decimal | None:
    """Analytics' provider: what is left of the scope's won-amount target in the range."""
    period = _period_of(start, end)
    if period is None or scope.pipeline_id is not None:
        return None
    try:
        rows = selectors.attainment_rows(
            actor=actor, period=period, kpi_code=KPI, subjects=[_subject_of(scope)]
        )
    except Http404:
        return None
    return rows[0].remaining if rows and rows[0].target is not None else None


def weighted_open_pipeline(actor: Actor, scope: Scope) -> Decimal:
    """Open deals' amounts × their stage's probability, in the company currency."""
    from tandem.deals.models import Stage

    by_stage = engine.open_pipeline(actor=actor, scope=scope)
    probability = dict(Stage.objects.filter(pk__in=list(by_stage)).values_list("pk", "probability"))
    total = sum(
        (
            (fig.value or Decimal(0)) * probability.get(stage_id, 0) / 100
            for stage_id, fig in by_stage.items()
        ),
        Decimal(0),
    )
    return Decimal(total).quantize(engine.CENT, ROUND_HALF_UP)


# --- Insight rules ----------------------------------------------------------------------------


def _page(ctx: Any, findings: list[Any]) -> Any:
    """People and teams are few: the findings come whole, paged by position."""
    from tandem.insights.rules import BadCursor, RuleResult

    start = 0
    if ctx.cursor:
        if not ctx.cursor.isdigit():
            raise BadCursor(ctx.cursor)
        start = int(ctx.cursor)
    if not ctx.with_items:
        return RuleResult(count=len(findings), more=False, items=[], next_cursor=None)
    page = findings[start : start + ctx.limit]
    following = str(start + ctx.limit) if start + ctx.limit < len(findings) else None
    return RuleResult(count=len(findings), more=False, items=page, next_cursor=following)


def _members_by_team() -> dict[int, set[int]]:
    """Who is in each team: one query for all teams."""
    from tandem.org.models import Membership

    members: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in Membership.objects.filter(team__deleted_at__isnull=True).values_list(
        "team_id", "user_id"
    ):
        members[team_id].add(user_id)
    return members


def _members_of_subtree(team_id: int, actor: Actor) -> set[int]:
    """The members of a team and every team below it; read once a request for all teams (a
    director's dashboard asks for each team it shows)."""
    members = actor.memo("targets.members_by_team", _members_by_team)
    subtree = engine.subtree_in(engine.team_paths(actor), team_id)
    return set().union(*(members.get(pk, set()) for pk in subtree))


def behind_pace(ctx: Any) -> Any:
    from tandem.insights.rules import Finding

    # The same people whatever the scope: a director's dashboard asks once per team it shows.
    rows = ctx.actor.memo(
        f"targets.behind_pace:{KPI}", lambda: selectors.people_behind_pace(actor=ctx.actor, kpi_code=KPI)
    )
    if ctx.scope.owner_id is not None:
        rows = [r for r in rows if r.id == ctx.scope.owner_id]
    elif ctx.scope.team_id is not None:
        members = _members_of_subtree(ctx.scope.team_id, ctx.actor)
        rows = [r for r in rows if r.id in members]
    findings = [
        Finding(
            record_type="person",
            record_id=r.id,
            title=r.label,
            url=r.url or reverse("targets:person", args=[r.id]),
            owner=r.label,
            owner_id=r.id,
            why=r.why,
        )
        for r in rows
    ]
    return _page(ctx, findings)


def low_coverage(ctx: Any) -> Any:
    """Each team the actor leads or may see whose coverage this quarter is below the minimum."""
    from tandem.insights.rules import Finding
    from tandem.org.models import Team

    minimum = ctx.thresholds.coverage_minimum
    period = periods.period_containing(
        ctx.today, periods.QUARTER, fiscal_start=engine._company(ctx.actor).fiscal_year_start_month
    )
    if ctx.scope.owner_id is not None:
        return _page(ctx, [])
    sees_all = ctx.actor.scope_for("target") == "all"
    if sees_all:
        # Every team's rows once a request: a director's dashboard asks per team it shows.
        team_ids = ctx.actor.memo("targets.team_ids", lambda: list(Team.objects.values_list("pk", flat=True)))
    elif ctx.scope.team_id is not None:
        team_ids = [ctx.scope.team_id]
    elif ctx.actor.user is not None:
        team_ids = list(Team.objects.filter(leader=ctx.actor.user).values_list("pk", flat=True))
    else:
        team_ids = []

    def attainment() -> list[Any]:
        subjects: list[Subject] = [(SubjectKind.TEAM.value, t) for t in team_ids]
        try:
            return selectors.attainment_rows(actor=ctx.actor, period=period, kpi_code=KPI, subjects=subjects)
        except Http404:
            return []

    if sees_all:
        rows = ctx.actor.memo(f"targets.team_attainment:{KPI}:{period.start}:{period.end}", attainment)
        if ctx.scope.team_id is not None:
            rows = [row for row in rows if row.id == ctx.scope.team_id]
    else:
        rows = attainment()
    findings = []
    for row in rows:
        remaining = row.remaining
        if row.target is None or remaining is None or remaining <= 0:
            continue
        weighted = ctx.actor.memo(
            f"targets.weighted_open_pipeline:{row.id}",
            lambda team_id=row.id: weighted_open_pipeline(ctx.actor, Scope(team_id=team_id)),
        )
        covered = (weighted / remaining).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if covered >= minimum:
            continue
        findings.append(
            Finding(
                record_type="team",
                record_id=row.id,
                title=row.label,
                url=reverse("targets:team", args=[row.id]),
                owner=row.label,
                owner_id=None,
                why=_(
                    "Weighted open pipeline %(weighted)s covers %(coverage)s× of the %(remaining)s still to win "
                    "this quarter (minimum %(minimum)s×)."
                )
                % {
                    "weighted": f"{weighted:,.0f}",
                    "coverage": f"{covered:.2f}",
                    "remaining": f"{remaining:,.0f}",
                    "minimum": f"{minimum:.2f}",
                },
            )
        )
    return _page(ctx, findings)


def _attainment_card(actor: Actor, board: Any) -> dict[str, Any] | None:
    return selectors.attainment_card(actor=actor) if actor.has("target") else None


def register() -> None:
    from tandem.analytics import coverage
    from tandem.insights import dashboards, rules

    for role in (dashboards.REP, dashboards.MANAGER, dashboards.DIRECTOR):
        dashboards.register_card(
            role, dashboards.Card("targets/partials/_dashboard_card.html", _attainment_card, 10)
        )

    coverage.register_remaining_target(remaining_for_scope)
    rules.register(
        rules.Rule(
            code="behind_pace",
            label=gettext_lazy("Behind pace"),
            description=gettext_lazy(
                "People whose won amount is at risk or off track against this quarter's target."
            ),
            resource="target",
            evaluate=behind_pace,
            order=50,
            icon="bi-speedometer2",
            owner_field=None,
        )
    )
    rules.register(
        rules.Rule(
            code="low_coverage",
            label=gettext_lazy("Low pipeline coverage"),
            description=gettext_lazy(
                "Teams whose weighted open pipeline covers less of what is left of the quarter's target than the minimum."
            ),
            resource="target",
            evaluate=low_coverage,
            order=60,
            icon="bi-funnel",
            owner_field=None,
        )
    )
