"""Reads of targets: attainment (完成率) and pace for people, teams and the company, and the
functions other apps (dashboards, insights, forecasts) call.

Every read starts from the access policy: a subject the actor may not see is left out (or, for
one named subject, ``Http404``); actuals come from ``kpis.engine`` and so from ``access.visible``.

Cost: a batch of rows costs the book (three queries: the KPI's targets of the year, teams,
memberships), one engine call per kind of subject (people grouped by owner, teams grouped by
team and rolled up the tree in Python, the company as one figure) and the people's names —
whatever the number of deals, and the same for ten people or a thousand.

Public interface (documented in docs/decisions/0020-targets.md):

- ``attainment_rows(*, actor, period, kpi_code, subjects=None, team=None)``
- ``target_value(*, actor, subject, period, kpi_code) -> Decimal | None``
- ``people_behind_pace(*, actor, period, kpi_code="won_amount")``
- ``remaining_target(*, actor, team_id, period, kpi_code) -> Decimal | None``
- ``attainment_card(*, actor, period=None, kpi_code="won_amount")``: the context of
  ``targets/partials/_attainment_card.html``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.access import Actor
from tandem.kpis import engine, periods
from tandem.kpis.company import company_settings
from tandem.kpis.models import CompanySettings, KpiDefinition, Unit
from tandem.kpis.periods import Period
from tandem.org.models import Team, User

from . import policies
from .book import COMPANY, Book, Org, Subject, load_book
from .models import SubjectKind

ON_TRACK, AT_RISK, OFF_TRACK, NOT_STARTED = "on_track", "at_risk", "off_track", "not_started"
RATIO_PLACES = Decimal("0.0001")


def pace_label(status: str | None) -> str:
    return {
        ON_TRACK: _("On track"),
        AT_RISK: _("At risk"),
        OFF_TRACK: _("Off track"),
        NOT_STARTED: _("Not started"),
    }.get(status or "", "")


@dataclass(frozen=True)
class Pace:
    expected: Decimal | None
    ratio: Decimal | None  # actual ÷ expected
    status: str | None


def pace(
    *,
    target: Decimal | None,
    actual: Decimal | None,
    period: Period,
    today: datetime.date,
    settings: CompanySettings,
    linear: bool = True,
) -> Pace:
    """Pace against a straight line through the period: expected by now = target × the share of
    the period elapsed (by the end of ``today``); a finished period is judged on its whole.

    ``linear=False`` (a ratio KPI such as win rate) compares with the target itself.
    """
    if target is None or target <= 0:
        return Pace(expected=None, ratio=None, status=None)
    share = Decimal(str(period.elapsed_fraction(today))) if linear else Decimal(1)
    if share == 0:
        return Pace(expected=Decimal(0), ratio=None, status=NOT_STARTED)
    expected = (target * share).quantize(Decimal("0.01"), ROUND_HALF_UP)
    ratio = ((actual or Decimal(0)) / (target * share)).quantize(RATIO_PLACES, ROUND_HALF_UP)
    if ratio >= settings.pace_at_risk:
        status = ON_TRACK
    elif ratio >= settings.pace_off_track:
        status = AT_RISK
    else:
        status = OFF_TRACK
    return Pace(expected=expected, ratio=ratio, status=status)


@dataclass
class AttainmentRow:
    """One subject's target and attainment for one KPI and period."""

    kind: str
    id: int
    label: str
    period: Period
    kpi: KpiDefinition
    target: Decimal | None
    actual: Decimal | None
    attainment: Decimal | None  # actual ÷ target, a fraction
    expected: Decimal | None
    pace_ratio: Decimal | None
    pace: str | None
    top_down: bool = False
    members_sum: Decimal | None = None  # a team's (the company's) bottom-up sum
    gap: Decimal | None = None  # target − members_sum, when set top-down
    missing_rates: tuple[tuple[str, str], ...] = ()
    currency: str = ""
    url: str = ""
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pace_label(self) -> str:
        return pace_label(self.pace)

    @property
    def subject(self) -> Subject:
        return (self.kind, self.id)

    @property
    def attainment_percent(self) -> Decimal | None:
        if self.attainment is None:
            return None
        return (self.attainment * 100).quantize(Decimal(1), ROUND_HALF_UP)

    @property
    def remaining(self) -> Decimal | None:
        if self.target is None:
            return None
        return max(self.target - (self.actual or Decimal(0)), Decimal(0))

    def missing_rates_text(self) -> list[str]:
        return engine.missing_rates_text(self.missing_rates)


def get_kpi(code: str) -> KpiDefinition:
    found = KpiDefinition.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise Http404
    return found


def _kpi_and_book(actor: Actor, code: str, period: Period) -> tuple[KpiDefinition, Book]:
    """The KPI and its book of targets for ``period``'s fiscal year, read once per request: a
    dashboard asks for them once per team it shows (the rules of insights, the cards)."""
    kpi: KpiDefinition = actor.memo(f"targets.kpi:{code}", lambda: get_kpi(code))
    year = _year_of(period)
    book: Book = actor.memo(f"targets.book:{kpi.pk}:{year.start}", lambda: load_book(kpi, year))
    return kpi, book


def today() -> datetime.date:
    return timezone.localdate()


def _year_of(period: Period) -> Period:
    return periods.period_containing(period.start, periods.YEAR, fiscal_start=period.fiscal_start)


@dataclass
class Actuals:
    """The actor's view of a KPI's actuals for one period, by person, by team (rolled up the
    tree) and for everything they may see."""

    by_owner: dict[Any, engine.Figure] | None = None
    by_team: dict[Any, engine.Figure] | None = None
    whole: engine.Figure | None = None


def _rolled(org: Org, by_team: dict[Any, engine.Figure], team_id: int) -> engine.Figure:
    value = Decimal(0)
    count = 0
    missing: set[tuple[str, str]] = set()
    for t in org.subtree(team_id):
        found = by_team.get(t)
        if found is not None:
            value += found.value or 0
            count += found.count
            missing |= set(found.missing_rates)
    return engine.Figure(value=value, count=count, missing_rates=tuple(sorted(missing)))


def _actual(
    actor: Actor, kpi: KpiDefinition, period: Period, subject: Subject, org: Org, cache: Actuals
) -> engine.Figure:
    kind, pk = subject
    if kpi.unit == Unit.PERCENT:  # a ratio does not add up the tree: ask the engine per subject
        scope = (
            engine.Scope(owner_id=pk)
            if kind == SubjectKind.PERSON
            else engine.Scope(team_id=pk)
            if kind == SubjectKind.TEAM
            else engine.Scope()
        )
        return engine.figure(actor=actor, kpi=kpi, start=period.start, end=period.end, scope=scope)
    if kind == SubjectKind.PERSON:
        if cache.by_owner is None:
            cache.by_owner = engine.figures(
                actor=actor, kpi=kpi, start=period.start, end=period.end, group_by="owner"
            )
        return cache.by_owner.get(pk) or engine.Figure(value=Decimal(0), count=0)
    if kind == SubjectKind.TEAM:
        if cache.by_team is None:
            cache.by_team = engine.figures(
                actor=actor, kpi=kpi, start=period.start, end=period.end, group_by="team"
            )
        return _rolled(org, cache.by_team, pk)
    if cache.whole is None:
        cache.whole = engine.figure(actor=actor, kpi=kpi, start=period.start, end=period.end)
    return cache.whole


def _labels(subjects: Sequence[Subject], org: Org) -> dict[Subject, tuple[str, str]]:
    people = {
        u.pk: u for u in User.objects.filter(pk__in=[s[1] for s in subjects if s[0] == SubjectKind.PERSON])
    }
    found: dict[Subject, tuple[str, str]] = {}
    for subject in subjects:
        kind, pk = subject
        if kind == SubjectKind.PERSON:
            user = people.get(pk)
            found[subject] = (str(user) if user else "?", reverse("targets:person", args=[pk]))
        elif kind == SubjectKind.TEAM:
            team = org.teams.get(pk)
            found[subject] = (team.display_name if team else "?", reverse("targets:team", args=[pk]))
        else:
            found[subject] = (_("Company"), reverse("targets:company"))
    return found


def rows_for(
    *,
    actor: Actor,
    kpi: KpiDefinition,
    period: Period,
    subjects: Sequence[Subject],
    book: Book | None = None,
    on: datetime.date | None = None,
) -> list[AttainmentRow]:
    """Attainment of ``subjects`` (already decided visible) for one KPI and period."""
    settings: CompanySettings = actor.memo("kpis.company_settings", company_settings)
    book = book or load_book(kpi, _year_of(period))
    cache = Actuals()
    labels = _labels(subjects, book.org)
    day = on or today()
    rows = []
    for subject in subjects:
        target = book.value(subject, period)
        figure = _actual(actor, kpi, period, subject, book.org, cache)
        actual = figure.value
        attainment = None
        if target and actual is not None:
            attainment = (actual / target).quantize(RATIO_PLACES, ROUND_HALF_UP)
        found = pace(
            target=target,
            actual=actual,
            period=period,
            today=day,
            settings=settings,
            linear=kpi.unit != Unit.PERCENT,
        )
        top_down = book.is_top_down(subject, period)
        members = book.tree_sum(subject, period) if subject[0] != SubjectKind.PERSON else None
        gap = None
        if top_down and target is not None:
            gap = target - (members or Decimal(0))
        label, url = labels[subject]
        rows.append(
            AttainmentRow(
                kind=subject[0],
                id=subject[1],
                label=label,
                period=period,
                kpi=kpi,
                target=target,
                actual=actual,
                attainment=attainment,
                expected=found.expected,
                pace_ratio=found.ratio,
                pace=found.status,
                top_down=top_down,
                members_sum=members,
                gap=gap,
                missing_rates=figure.missing_rates,
                currency=settings.currency,
                url=url,
            )
        )
    return rows


def _period(period: Period | str | None, actor: Actor | None = None) -> Period:
    # The company's fiscal start from the request's actor when there is one (read once a request).
    fiscal_start = engine._company(actor).fiscal_year_start_month if actor is not None else None
    if period is None:
        return periods.period_containing(today(), periods.QUARTER, fiscal_start=fiscal_start)
    if isinstance(period, str):
        try:
            return periods.period_from_key(period, fiscal_start=fiscal_start)
        except ValueError as exc:
            raise Http404 from exc
    return period


def visible_subjects(actor: Actor, subjects: Iterable[Subject]) -> list[Subject]:
    """The subjects the actor may see (teams and the company decided without queries, people
    in at most two: who exists, and who is in the actor's reach)."""
    wanted = list(subjects)
    person_ids = {s[1] for s in wanted if s[0] == SubjectKind.PERSON}
    people = (
        set(User.objects.filter(pk__in=sorted(person_ids)).values_list("pk", flat=True))
        if person_ids
        else set()
    )
    seen_people = policies.visible_person_ids(actor, people)
    teams = {t.pk: t for t in Team.objects.filter(pk__in=[s[1] for s in wanted if s[0] == SubjectKind.TEAM])}
    kept = []
    for kind, pk in wanted:
        if kind == SubjectKind.PERSON:
            if pk in seen_people:
                kept.append((kind, pk))
            continue
        team = teams.get(pk) if kind == SubjectKind.TEAM else None
        if kind == SubjectKind.TEAM and team is None:
            continue
        if policies.can_view(actor, kind, team):
            kept.append((kind, pk))
    return kept


def team_subjects(org: Org, team_id: int) -> list[Subject]:
    """A team, the people counting in it and its sub-teams (the grid's and a card's rows)."""
    return (
        [(SubjectKind.TEAM.value, team_id)]
        + [(SubjectKind.PERSON.value, u) for u in org.people_of.get(team_id, [])]
        + [(SubjectKind.TEAM.value, t) for t in org.children.get(team_id, [])]
    )


def attainment_rows(
    *,
    actor: Actor,
    period: Period | str | None,
    kpi_code: str = "won_amount",
    subjects: Iterable[Subject] | None = None,
    team: int | None = None,
) -> list[AttainmentRow]:
    """Target, actual, attainment, expected by now and pace of each subject the actor may see.

    ``subjects``: (kind, id) pairs, kind "person" / "team" / "company" (id 0). ``team``: that
    team, the people counting in it and its sub-teams. Neither: the actor themselves.
    """
    chosen = _period(period, actor)
    kpi, book = _kpi_and_book(actor, kpi_code, chosen)
    if team is not None:
        wanted = team_subjects(book.org, team)
    elif subjects is not None:
        wanted = list(subjects)
    else:
        wanted = [(SubjectKind.PERSON.value, actor.id or 0)]
    return rows_for(actor=actor, kpi=kpi, period=chosen, subjects=visible_subjects(actor, wanted), book=book)


def _one(actor: Actor, subject: Subject) -> Subject:
    found = visible_subjects(actor, [subject])
    if not found:
        raise Http404
    return found[0]


def target_value(
    *, actor: Actor, subject: Subject, period: Period | str, kpi_code: str = "won_amount"
) -> Decimal | None:
    """The subject's target (explicit, summed from months, or from members); None when it has
    none. ``Http404`` when the actor may not see the subject."""
    kind_id = _one(actor, subject)
    kpi = get_kpi(kpi_code)
    chosen = _period(period)
    return load_book(kpi, _year_of(chosen)).value(kind_id, chosen)


def remaining_target(
    *, actor: Actor, team_id: int | None, period: Period | str, kpi_code: str = "won_amount"
) -> Decimal | None:
    """What is left to reach the team's target (the company's with ``team_id`` None) in the
    period: target − actual, not below 0; None without a target (pipeline coverage divides by it)."""
    subject: Subject = COMPANY if team_id is None else (SubjectKind.TEAM.value, team_id)
    _one(actor, subject)
    rows = attainment_rows(actor=actor, period=period, kpi_code=kpi_code, subjects=[subject])
    return rows[0].remaining if rows else None


def people_behind_pace(
    *, actor: Actor, period: Period | str | None = None, kpi_code: str = "won_amount"
) -> list[AttainmentRow]:
    """The people with a target the actor may see whose pace is at risk or off track, worst
    first; ``why`` says it in a sentence."""
    chosen = _period(period, actor)
    kpi, book = _kpi_and_book(actor, kpi_code, chosen)
    people = [
        (SubjectKind.PERSON.value, user_id)
        for user_id in sorted({s[1] for s, _k, _st in book.rows if s[0] == SubjectKind.PERSON})
    ]
    rows = rows_for(actor=actor, kpi=kpi, period=chosen, subjects=visible_subjects(actor, people), book=book)
    behind = [r for r in rows if r.pace in (AT_RISK, OFF_TRACK)]
    for row in behind:
        row.why = _(
            "%(name)s has %(actual)s of %(target)s (%(percent)s%%) with %(elapsed)s%% of %(period)s gone: "
            "%(pace)s."
        ) % {
            "name": row.label,
            "actual": _fmt(row.actual),
            "target": _fmt(row.target),
            "percent": row.attainment_percent or 0,
            "elapsed": round(chosen.elapsed_fraction(today()) * 100),
            "period": chosen.label(),
            "pace": row.pace_label.lower() if row.pace_label.isascii() else row.pace_label,
        }
    return sorted(behind, key=lambda r: r.pace_ratio if r.pace_ratio is not None else Decimal(0))


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def attainment_card(
    *, actor: Actor, period: Period | str | None = None, kpi_code: str = "won_amount"
) -> dict[str, Any]:
    """The context of ``targets/partials/_attainment_card.html``: the actor's own attainment this
    quarter and, for a leader, that of the teams they lead."""
    chosen = _period(period, actor)
    subjects: list[Subject] = [(SubjectKind.PERSON.value, actor.id or 0)]
    if actor.user is not None:
        subjects += [(SubjectKind.TEAM.value, t) for t in sorted(actor.team_ids)]
    try:
        rows = attainment_rows(actor=actor, period=chosen, kpi_code=kpi_code, subjects=subjects)
    except Http404:
        rows = []
    rows = [r for r in rows if r.kind == SubjectKind.PERSON or r.target is not None]
    return {"card_rows": rows, "card_period": chosen, "card_url": reverse("targets:mine")}
