"""Reads of forecasts: a person's own forecast beside their pipeline, a team's rows with a
roll-up, the company's teams side by side, the movement of the quarter's forecast.

Every read starts from the access policy. Forecasts are read with the *deal* grants: whoever
may see a person's deals by scope sees their forecast (``access.visible_summary`` over tables
that carry ``owner`` and ``team`` as deals do; decision 0021). Pipeline figures read the deals
through ``access.visible``; won amounts come from the KPI engine (``won_amount``).

Interfaces for other apps (dashboards): ``team_forecast_rows``, ``company_team_rows``,
``forecast_movement``, and the partial ``forecasts/partials/_movement_card.html``
(context from ``movement_card_context``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.deals.models import Deal, DealStatus, ForecastCategory
from tandem.kpis import engine, periods
from tandem.kpis.company import company_settings
from tandem.kpis.models import KpiDefinition
from tandem.kpis.periods import Period
from tandem.org.models import Membership, Team, User

from .models import ForecastAdjustment, ForecastSnapshot, ForecastSubmission, SubjectKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PERIOD_KINDS = (periods.QUARTER, periods.MONTH)


# --- Periods ----------------------------------------------------------------------------------


def current_period(kind: str = periods.QUARTER, *, today: datetime.date | None = None) -> Period:
    return periods.period_containing(today or timezone.localdate(), kind)


def parse_period(key: str | None) -> Period:
    """A forecast period from its key (a fiscal quarter or a month); ``ValueError`` otherwise."""
    if not key:
        return current_period()
    found = periods.period_from_key(key)
    if found.kind not in PERIOD_KINDS:
        raise ValueError(f"not a quarter or a month: {key!r}")
    return found


# --- Who sees what ------------------------------------------------------------------------------


def visible_forecasts(actor: Actor, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Forecast rows (submissions, adjustments, snapshots) the actor may see: as the deals of
    their owner and team. Should a visibility extension ever make a summary unable to stand
    for deals (``visible_summary`` → None), only the actor's own rows remain."""
    found = access.visible_summary(actor, "deal", queryset)
    if found is None:
        return queryset.filter(owner_id=actor.id) if actor.id else queryset.none()
    return found


def sees_company(actor: Actor) -> bool:
    return actor.scope_for("deal", "view") == access.ALL


def sees_team(actor: Actor, team: Team) -> bool:
    scope = actor.scope_for("deal", "view")
    if scope == access.ALL:
        return True
    if scope == access.SUBTREE:
        return team.pk in actor.subtree_team_ids
    if scope == access.TEAM:
        return team.pk in actor.team_ids
    return False


def team_or_404(actor: Actor, team_id: Any) -> Team:
    """A team whose figures the actor may read; any other (or none) answers 404."""
    try:
        team = Team.objects.get(pk=int(team_id))
    except (Team.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    if not sees_team(actor, team):
        raise Http404
    return team


def person_or_404(actor: Actor, user_id: Any) -> User:
    """A person whose forecast the actor may read: themselves, or someone whose deals they see
    by scope (their primary team inside the actor's scope)."""
    try:
        person = User.objects.get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    if person.pk == actor.id or sees_company(actor):
        return person
    team_id = primary_team_ids([person.pk]).get(person.pk)
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team is None or not sees_team(actor, team):
        raise Http404
    return person


def _led_paths(actor: Actor) -> tuple[str, ...]:
    found: tuple[str, ...] = actor.memo(
        "forecasts.led_paths",
        lambda: tuple(Team.objects.filter(leader_id=actor.id or 0).values_list("path", flat=True)),
    )
    return found


def can_adjust(actor: Actor, *, person: User | None = None, team: Team | None = None) -> bool:
    """Managers adjust: a team leader for anyone in their team's subtree (not themselves) and for
    those teams; directors (who see every deal) and administrators for everyone."""
    if person is not None:
        team_id = primary_team_ids([person.pk]).get(person.pk)
        path: str | None = (
            Team.objects.filter(pk=team_id).values_list("path", flat=True).first() if team_id else None
        )
        return can_adjust_at(actor, path, person_id=person.pk)
    if team is not None:
        return can_adjust_at(actor, team.path)
    return False


def can_adjust_at(actor: Actor, team_path: str | None, *, person_id: int | None = None) -> bool:
    """``can_adjust`` for a subject whose team path is known (no query but the actor's led teams,
    read once): a person's (``person_id``) or a team's."""
    if actor.user is None:
        return False
    if person_id is not None and person_id == actor.id and not actor.is_admin:
        return False  # nobody adjusts their own forecast: they change their submission
    if actor.is_admin or sees_company(actor):
        return True
    return team_path is not None and any(team_path.startswith(led) for led in _led_paths(actor))


# --- Figures --------------------------------------------------------------------------------------


@dataclass
class Pipeline:
    """Open deals expected to close in a period, by forecast category (company currency)."""

    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    omitted: Decimal = ZERO
    weighted: Decimal = ZERO
    deals: int = 0
    missing_rates: set[tuple[str, str]] = field(default_factory=set)

    def add(self, other: Pipeline) -> None:
        self.commit += other.commit
        self.best_case += other.best_case
        self.pipeline += other.pipeline
        self.omitted += other.omitted
        self.weighted += other.weighted
        self.deals += other.deals
        self.missing_rates |= other.missing_rates


def won_kpi() -> KpiDefinition:
    return KpiDefinition.objects.get(code="won_amount")


def _won_end(period: Period, today: datetime.date) -> datetime.date | None:
    if today < period.start:
        return None
    return min(today, period.end)


def open_deals_in(actor: Actor, period: Period) -> QuerySet[Deal]:
    """The open deals the actor may see that are expected to close in ``period``."""
    return access.visible(actor, "deal", Deal.objects.all()).filter(
        status=DealStatus.OPEN, expected_close_date__gte=period.start, expected_close_date__lte=period.end
    )


def pipeline_by_owner(
    actor: Actor, period: Period, *, owner_ids: Sequence[int] | None = None, team: Team | None = None
) -> dict[int, Pipeline]:
    """Per owner, their open deals closing in ``period`` by category and weighted (Σ amount ×
    probability, the stage's when the deal has none). One grouped query; other currencies are
    converted at this month's rate, as the board converts open deals (kpis.open_pipeline)."""
    qs = open_deals_in(actor, period)
    if owner_ids is not None:
        qs = qs.filter(owner_id__in=list(owner_ids))
    if team is not None:
        qs = qs.filter(team_id__in=engine.subtree_team_ids(team.pk))
    money = DecimalField(max_digits=30, decimal_places=4)
    weighted = ExpressionWrapper(
        F("amount") * Coalesce("probability", "stage__probability") / Value(Decimal(100)), output_field=money
    )
    rows: list[Any] = list(
        qs.order_by()
        .values("owner_id", "forecast_category", "currency")
        .annotate(n=Count("pk"), total=Sum("amount"), weighted=Sum(weighted))
    )
    settings = company_settings()
    month = periods.month_start(timezone.localdate())
    needed = {(r["currency"], month) for r in rows if r["currency"] != settings.currency}
    rates = engine.Rates(settings.currency, needed, actor)
    out: dict[int, Pipeline] = defaultdict(Pipeline)
    for row in rows:
        total = engine.Amounts()
        weight = engine.Amounts()
        conv_month = None if row["currency"] == settings.currency else month
        total.add(row["currency"], conv_month, row["total"] or 0)
        weight.add(row["currency"], conv_month, row["weighted"] or 0)
        amount, _known, missing = rates.convert(total)
        weighted_amount, _k, _m = rates.convert(weight)
        found = out[row["owner_id"]]
        found.deals += row["n"]
        found.weighted += weighted_amount
        found.missing_rates |= set(missing)
        category = row["forecast_category"]
        if category == ForecastCategory.COMMIT:
            found.commit += amount
        elif category == ForecastCategory.BEST_CASE:
            found.best_case += amount
        elif category == ForecastCategory.OMITTED:
            found.omitted += amount
        else:
            found.pipeline += amount
    return dict(out)


def won_by_owner(
    actor: Actor, period: Period, *, team: Team | None = None, today: datetime.date | None = None
) -> dict[int, Decimal]:
    """Won amount so far in ``period`` per owner, through the KPI engine."""
    end = _won_end(period, today or timezone.localdate())
    if end is None:
        return {}
    scope = engine.Scope(team_id=team.pk) if team is not None else engine.Scope()
    found = engine.figures(
        actor=actor, kpi=won_kpi(), start=period.start, end=end, group_by="owner", scope=scope
    )
    return {k: (v.value or ZERO) for k, v in found.items() if k is not None}


def won_figure(
    actor: Actor,
    period: Period,
    *,
    owner_id: int | None = None,
    team: Team | None = None,
    today: datetime.date | None = None,
) -> Decimal:
    end = _won_end(period, today or timezone.localdate())
    if end is None:
        return ZERO
    scope = engine.Scope(owner_id=owner_id, team_id=team.pk if team is not None else None)
    found = engine.figure(actor=actor, kpi=won_kpi(), start=period.start, end=end, scope=scope)
    return found.value or ZERO


# --- Rows -------------------------------------------------------------------------------------------


@dataclass
class ForecastRow:
    """One subject's forecast for a period beside its pipeline and what it has won."""

    kind: str
    label: str
    person: User | None = None
    team: Team | None = None
    depth: int = 0
    submission: ForecastSubmission | None = None
    submitted_commit: Decimal | None = None
    submitted_best_case: Decimal | None = None
    adjustment: ForecastAdjustment | None = None
    adjusted_commit: Decimal | None = None
    adjusted_best_case: Decimal | None = None
    pipeline: Pipeline = field(default_factory=Pipeline)
    won: Decimal = ZERO
    submitters: int = 0
    members: int = 0
    can_adjust: bool = False  # set by pages that offer "Adjust"
    target: Decimal | None = None  # the won-amount target for the period (tandem.targets), if any

    @property
    def forecast(self) -> Decimal | None:
        """The call: the manager's adjusted commit where there is one, else the submitted commit."""
        return self.adjusted_commit if self.adjusted_commit is not None else self.submitted_commit

    @property
    def attainment(self) -> Decimal | None:
        """Forecast vs actual: won so far ÷ the forecast (None without a forecast above 0)."""
        forecast = self.forecast
        if not forecast:
            return None
        return (self.won / forecast).quantize(Decimal("0.0001"))

    @property
    def forecast_of_target(self) -> Decimal | None:
        """Forecast vs target: the forecast ÷ the period's won-amount target."""
        forecast = self.forecast
        if forecast is None or not self.target:
            return None
        return (forecast / self.target).quantize(Decimal("0.0001"))

    @property
    def gap(self) -> Decimal | None:
        """What remains to win to reach the forecast (negative: beyond it)."""
        return None if self.forecast is None else self.forecast - self.won


def attach_targets(actor: Actor, period: Period, rows: Iterable[ForecastRow]) -> None:
    """Each row's won-amount target for the period, where the actor may see it (the targets
    app's book: one query for the year's targets, two for the organisation)."""
    from tandem.targets import selectors as targets
    from tandem.targets.book import COMPANY, load_book

    found = list(rows)
    kpi = KpiDefinition.objects.filter(code="won_amount", is_active=True).first()
    if kpi is None or not found:
        return
    subjects = {
        id(row): (
            ("person", row.person.pk)
            if row.person is not None
            else ("team", row.team.pk)
            if row.team is not None
            else COMPANY
        )
        for row in found
    }
    # The target policy decides, not the forecast's reach: a person whose deals the actor sees
    # (say, through a record team) is not thereby someone whose target they may read.
    visible = set(targets.visible_subjects(actor, list(subjects.values())))
    year = periods.period_containing(period.start, periods.YEAR, fiscal_start=period.fiscal_start)
    book = load_book(kpi, year)
    for row in found:
        subject = subjects[id(row)]
        row.target = book.value(subject, period) if subject in visible else None


def primary_team_ids(user_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        Membership.objects.filter(user_id__in=list(user_ids), is_primary=True).values_list(
            "user_id", "team_id"
        )
    )


def _latest_adjustments(
    actor: Actor, period: Period, *, owner_ids: Iterable[int] = (), team_ids: Iterable[int] = ()
) -> tuple[dict[int, ForecastAdjustment], dict[int, ForecastAdjustment]]:
    """The newest adjustment per person and per team, in one query."""
    qs = ForecastAdjustment.objects.filter(period=period.key).filter(
        Q(owner_id__in=list(owner_ids)) | Q(team_id__in=list(team_ids), owner__isnull=True)
    )
    people: dict[int, ForecastAdjustment] = {}
    teams: dict[int, ForecastAdjustment] = {}
    for adj in visible_forecasts(actor, qs).select_related("adjusted_by").order_by("-created_at", "-id"):
        if adj.subject_kind == SubjectKind.PERSON and adj.owner_id is not None:
            people.setdefault(adj.owner_id, adj)
        elif adj.team_id is not None:
            teams.setdefault(adj.team_id, adj)
    return people, teams


def person_rows(
    actor: Actor,
    period: Period,
    people: Sequence[User],
    team: Team | None,
    *,
    today: datetime.date | None = None,
) -> list[ForecastRow]:
    ids = [p.pk for p in people]
    submissions = {
        s.owner_id: s
        for s in visible_forecasts(
            actor, ForecastSubmission.objects.filter(period=period.key, owner_id__in=ids)
        )
    }
    adjusted, _teams = _latest_adjustments(actor, period, owner_ids=ids)
    pipeline = pipeline_by_owner(actor, period, owner_ids=ids)
    if len(people) == 1:  # one person's page: their figure alone, not everyone's
        won = {people[0].pk: won_figure(actor, period, owner_id=people[0].pk, today=today)}
    else:
        won = won_by_owner(actor, period, team=team, today=today)
    rows = []
    for person in people:
        sub = submissions.get(person.pk)
        adj = adjusted.get(person.pk)
        rows.append(
            ForecastRow(
                kind=SubjectKind.PERSON,
                label=str(person),
                person=person,
                submission=sub,
                submitted_commit=sub.commit_amount if sub else None,
                submitted_best_case=sub.best_case_amount if sub else None,
                adjustment=adj,
                adjusted_commit=adj.commit_amount if adj else None,
                adjusted_best_case=adj.best_case_amount if adj else None,
                pipeline=pipeline.get(person.pk, Pipeline()),
                won=won.get(person.pk, ZERO),
                submitters=1 if sub else 0,
                members=1,
            )
        )
    return rows


def _roll_up(label: str, kind: str, rows: Sequence[ForecastRow], *, team: Team | None = None) -> ForecastRow:
    """A team's (or the company's) row: the sums of its people's. Its call is the sum of their
    calls (each person's adjusted commit, else submitted) until a manager adjusts the team."""
    total = ForecastRow(kind=kind, label=label, team=team)
    for row in rows:
        if row.submitted_commit is not None:
            total.submitted_commit = (total.submitted_commit or ZERO) + row.submitted_commit
            total.submitted_best_case = (total.submitted_best_case or ZERO) + (
                row.submitted_best_case or ZERO
            )
        if row.forecast is not None:
            total.adjusted_commit = (total.adjusted_commit or ZERO) + row.forecast
            best = row.adjusted_best_case if row.adjusted_best_case is not None else row.submitted_best_case
            total.adjusted_best_case = (total.adjusted_best_case or ZERO) + (best or ZERO)
        total.pipeline.add(row.pipeline)
        total.won += row.won
        total.submitters += row.submitters
        total.members += row.members
    return total


def _apply_team_adjustment(row: ForecastRow, adjustment: ForecastAdjustment | None) -> None:
    if adjustment is not None:
        row.adjustment = adjustment
        row.adjusted_commit = adjustment.commit_amount
        row.adjusted_best_case = adjustment.best_case_amount


def _people_in(teams: Sequence[Team]) -> tuple[list[User], dict[int, int]]:
    """Active people whose primary team is one of ``teams``, and each one's team."""
    team_of = dict(
        Membership.objects.filter(
            team_id__in=[t.pk for t in teams], is_primary=True, user__is_active=True
        ).values_list("user_id", "team_id")
    )
    people = list(User.objects.filter(pk__in=list(team_of)).order_by("display_name", "id"))
    return people, team_of


@dataclass
class TeamForecast:
    team: Team
    period: Period
    members: list[ForecastRow]
    subteams: list[ForecastRow]
    total: ForecastRow


def team_forecast_rows(*, actor: Actor, team: Team, period: Period) -> TeamForecast:
    """A team's forecast: a row per direct member, one per sub-team (rolled up over its whole
    subtree) and the team's roll-up, with the latest adjustments. Queries do not grow with
    the number of people or deals. The caller has checked the team is visible (``team_or_404``)."""
    subtree = list(Team.objects.filter(path__startswith=team.path))
    people, team_of = _people_in(subtree)
    found_rows = person_rows(actor, period, people, team)
    paths = {t.pk: t.path for t in subtree}
    children = sorted((t for t in subtree if t.parent_id == team.pk), key=lambda t: (t.name, t.pk))
    _people_adj, team_adj = _latest_adjustments(actor, period, team_ids=[t.pk for t in subtree])
    members = [r for r in found_rows if r.person is not None and team_of.get(r.person.pk) == team.pk]
    subteams = []
    for child in children:
        inside = [
            r
            for r in found_rows
            if r.person is not None and paths.get(team_of.get(r.person.pk, 0), "").startswith(child.path)
        ]
        row = _roll_up(str(child), SubjectKind.TEAM, inside, team=child)
        _apply_team_adjustment(row, team_adj.get(child.pk))
        subteams.append(row)
    total = _roll_up(team.display_name, SubjectKind.TEAM, [*members, *subteams], team=team)
    _apply_team_adjustment(total, team_adj.get(team.pk))
    attach_targets(actor, period, [*members, *subteams, total])
    return TeamForecast(team=team, period=period, members=members, subteams=subteams, total=total)


@dataclass
class CompanyForecast:
    period: Period
    teams: list[ForecastRow]
    total: ForecastRow
    people: list[ForecastRow] = field(default_factory=list)
    team_of: dict[int, int] = field(default_factory=dict)


def company_team_rows(*, actor: Actor, period: Period, today: datetime.date | None = None) -> CompanyForecast:
    """Every team side by side (each rolled up over its subtree, indented by depth) and the
    company's total, for those who see every deal."""
    if not sees_company(actor):
        raise Http404
    teams = list(Team.objects.order_by("path"))
    people, team_of = _people_in(teams)
    found_rows = person_rows(actor, period, people, None, today=today)
    paths = {t.pk: t.path for t in teams}
    _people_adj, team_adj = _latest_adjustments(actor, period, team_ids=list(paths))
    rows = []
    for team in teams:
        inside = [
            r
            for r in found_rows
            if r.person is not None and paths.get(team_of.get(r.person.pk, 0), "").startswith(team.path)
        ]
        row = _roll_up(team.display_name, SubjectKind.TEAM, inside, team=team)
        row.depth = team.path.count("/") - 2
        _apply_team_adjustment(row, team_adj.get(team.pk))
        rows.append(row)
    total = _roll_up(str(_company_label()), SubjectKind.COMPANY, found_rows)
    # Won and pipeline of the whole company also count deals of people in no team.
    total.won = won_figure(actor, period, today=today)
    company_pipeline = Pipeline()
    for found in pipeline_by_owner(actor, period).values():
        company_pipeline.add(found)
    total.pipeline = company_pipeline
    # The company's call: the top-level teams' calls (each adjusted or rolled up).
    top = [r for r in rows if r.team is not None and r.team.parent_id is None]
    if any(r.adjustment is not None for r in top):
        total.adjusted_commit = sum((r.forecast or ZERO for r in top), ZERO)
    attach_targets(actor, period, [*rows, total])
    return CompanyForecast(period=period, teams=rows, total=total, people=found_rows, team_of=team_of)


def _company_label() -> str:
    from django.utils.translation import gettext

    return gettext("Company")


def my_forecast(*, actor: Actor, person: User, period: Period) -> ForecastRow:
    """One person's row (their own page, or a manager opening theirs)."""
    row = person_rows(actor, period, [person], None)[0]
    attach_targets(actor, period, [row])
    return row


def submission_versions(actor: Actor, submission: ForecastSubmission | None) -> list[Any]:
    if submission is None:
        return []
    return list(submission.versions.select_related("saved_by").order_by("-version")[:20])


def adjustments_for(
    actor: Actor, period: Period, *, person: User | None = None, team: Team | None = None
) -> list[ForecastAdjustment]:
    qs = ForecastAdjustment.objects.filter(period=period.key)
    if person is not None:
        qs = qs.filter(owner=person)
    if team is not None:
        qs = qs.filter(team=team, owner__isnull=True)
    return list(visible_forecasts(actor, qs).select_related("adjusted_by", "owner", "team")[:50])


def adjustments_for_team(actor: Actor, period: Period, team: Team) -> list[ForecastAdjustment]:
    """The adjustments of a team's subtree (its people and its teams), newest first."""
    subtree = Team.objects.filter(path__startswith=team.path).values("pk")
    qs = ForecastAdjustment.objects.filter(period=period.key, team_id__in=subtree)
    return list(visible_forecasts(actor, qs).select_related("adjusted_by", "owner", "team")[:50])


# --- Movement ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MovementPoint:
    taken_on: datetime.date
    submitted: Decimal | None
    adjusted: Decimal | None
    won: Decimal
    weighted: Decimal
    commit_pipeline: Decimal


def forecast_movement(*, actor: Actor, period: Period, team: Team | None = None) -> list[MovementPoint]:
    """How the period's forecast moved, snapshot by snapshot: the company's (for those who see
    everything) or a team's (for those who see it). Not visible: an empty list."""
    if team is None:
        if not sees_company(actor):
            return []
        subject = "company"
    else:
        if not sees_team(actor, team):
            return []
        subject = f"team:{team.pk}"
    qs = ForecastSnapshot.objects.filter(period=period.key, subject=subject).order_by("taken_on")
    if team is not None:
        qs = visible_forecasts(actor, qs)
    return [
        MovementPoint(
            taken_on=s.taken_on,
            submitted=s.submitted_commit,
            adjusted=s.adjusted_commit,
            won=s.won_to_date,
            weighted=s.weighted_pipeline,
            commit_pipeline=s.commit_pipeline,
        )
        for s in qs[:120]
    ]


def movement_chart(points: Sequence[MovementPoint]) -> dict[str, Any]:
    """The ECharts series of a movement (dates, submitted, adjusted, won)."""

    def num(v: Decimal | None) -> float | None:
        return None if v is None else float(v)

    return {
        "dates": [p.taken_on.isoformat() for p in points],
        "submitted": [num(p.submitted) for p in points],
        "adjusted": [num(p.adjusted) for p in points],
        "won": [num(p.won) for p in points],
    }


def movement_card_context(
    *, actor: Actor, period: Period | None = None, team: Team | None = None
) -> dict[str, Any]:
    """Context for ``forecasts/partials/_movement_card.html`` (a director's dashboard)."""
    company = engine._company(actor)  # the settings the request's actor already holds
    period = period or periods.period_containing(
        timezone.localdate(), periods.QUARTER, fiscal_start=company.fiscal_year_start_month
    )
    points = forecast_movement(actor=actor, period=period, team=team)
    return {
        "movement_period": period,
        "movement_team": team,
        "movement_points": points,
        "movement_chart": movement_chart(points),
        "movement_currency": company.currency,
    }


def dashboard_movement_card(actor: Actor, board: Any) -> dict[str, Any] | None:
    """The movement card of a dashboard: the company's for those who see every deal, else that of
    the first team the person leads (None: no card)."""
    if sees_company(actor):
        return movement_card_context(actor=actor)
    if actor.user is None:
        return None
    team = Team.objects.filter(leader=actor.user).order_by("path").first()
    if team is None or not sees_team(actor, team):
        return None
    return movement_card_context(actor=actor, team=team)


def snapshots_queryset(actor: Actor) -> QuerySet[ForecastSnapshot]:
    return visible_forecasts(actor, ForecastSnapshot.objects.all())


def submissions_queryset(actor: Actor) -> QuerySet[ForecastSubmission]:
    return visible_forecasts(actor, ForecastSubmission.objects.all())


def adjustments_queryset(actor: Actor) -> QuerySet[ForecastAdjustment]:
    return visible_forecasts(actor, ForecastAdjustment.objects.all())


def deal_list_url(
    *, period: Period, category: str | None = None, owner: User | None = None, team: Team | None = None
) -> str:
    """The deals list filtered to the deals behind a pipeline figure (drill-down)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query: dict[str, Any] = {
        "status": DealStatus.OPEN,
        "expected_close_date_after": period.start.isoformat(),
        "expected_close_date_before": period.end.isoformat(),
    }
    if category:
        query["forecast_category"] = category
    if owner is not None:
        query["owner"] = owner.pk
    if team is not None:
        query["team"] = team.pk
    return f"{reverse('deals:deal-list')}?{urlencode(query)}"


def won_list_url(*, period: Period, owner: User | None = None, team: Team | None = None) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    query: dict[str, Any] = {
        "status": DealStatus.WON,
        "closed_on_after": period.start.isoformat(),
        "closed_on_before": period.end.isoformat(),
    }
    if owner is not None:
        query["owner"] = owner.pk
    if team is not None:
        query["team"] = team.pk
    return f"{reverse('deals:deal-list')}?{urlencode(query)}"
