"""What a subject's target is for a period, from the explicit rows of one KPI and fiscal year.

Rules (docs/decisions/0020-targets.md):

1. A row set for the subject and period is its target.
2. Else, for a quarter or a year, the sum of its quarters' or months' targets when any of them
   was set for the subject (a year typed into the grid is spread over months).
3. Else, for a team, the sum of its members' and sub-teams' targets; for the company, of the
   top teams' and of people in no team. Each person counts in one team only (their primary
   team, else their first), so nothing is counted twice.
4. Else there is no target (None), which is not the same as a target of 0.

A team or company target set by rule 1 or 2 is *top-down*; its gap is its value minus the sum of
rule 3. Ratio KPIs (a win rate) do not add up: only rule 1 applies to them.

The book reads three queries whatever the period: the KPI's rows of the year, the teams, and
their memberships.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tandem.kpis import periods
from tandem.kpis.models import KpiDefinition, Unit
from tandem.kpis.periods import Period
from tandem.org.models import Membership, Team

from .models import SubjectKind, Target

Subject = tuple[str, int]  # (kind, id); the company is ("company", 0)
COMPANY: Subject = (SubjectKind.COMPANY.value, 0)


def subject_of(target: Target) -> Subject:
    if target.subject_kind == SubjectKind.PERSON:
        return (SubjectKind.PERSON.value, target.user_id or 0)
    if target.subject_kind == SubjectKind.TEAM:
        return (SubjectKind.TEAM.value, target.team_id or 0)
    return COMPANY


@dataclass
class Org:
    """The team tree and where each person counts (one team each)."""

    teams: dict[int, Team]
    children: dict[int, list[int]]
    roots: list[int]
    people_of: dict[int, list[int]]  # team id -> user ids counting in it
    home: dict[int, int]  # user id -> the team they count in

    def subtree(self, team_id: int) -> list[int]:
        found, stack = [], [team_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.children.get(current, []))
        return found


def load_org() -> Org:
    teams = {t.pk: t for t in Team.objects.filter(deleted_at__isnull=True).order_by("path")}
    children: dict[int, list[int]] = defaultdict(list)
    roots = []
    for team in teams.values():
        if team.parent_id in teams:
            children[team.parent_id].append(team.pk)
        else:
            roots.append(team.pk)
    home: dict[int, int] = {}
    primary: set[int] = set()
    # People who left keep counting where they were: their targets of the year still add up.
    rows = Membership.objects.filter(team_id__in=list(teams)).order_by("id")
    for user_id, team_id, is_primary in rows.values_list("user_id", "team_id", "is_primary"):
        if is_primary or user_id not in home:
            if user_id in primary:
                continue
            home[user_id] = team_id
            if is_primary:
                primary.add(user_id)
    people_of: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in home.items():
        people_of[team_id].append(user_id)
    return Org(teams=teams, children=dict(children), roots=roots, people_of=dict(people_of), home=home)


@dataclass
class Book:
    kpi: KpiDefinition
    year: Period
    org: Org
    rows: dict[tuple[Subject, str, object], Target] = field(default_factory=dict)
    _memo: dict[tuple[Subject, str, object], Decimal | None] = field(default_factory=dict)
    _set_in: dict[Subject, list[Period]] = field(default_factory=dict)

    @property
    def additive(self) -> bool:
        return self.kpi.unit != Unit.PERCENT

    def row(self, subject: Subject, period: Period) -> Target | None:
        return self.rows.get((subject, period.kind, period.start))

    def explicit(self, subject: Subject, period: Period) -> Decimal | None:
        found = self.row(subject, period)
        return None if found is None else found.value

    def value(self, subject: Subject, period: Period) -> Decimal | None:
        key = (subject, period.kind, period.start)
        if key not in self._memo:
            self._memo[key] = self._value(subject, period)
        return self._memo[key]

    def _value(self, subject: Subject, period: Period) -> Decimal | None:
        found = self.explicit(subject, period)
        if found is not None or not self.additive:
            return found
        if self.set_inside(subject, period):
            return self.time_sum(subject, period)
        if subject[0] != SubjectKind.PERSON:
            return self.tree_sum(subject, period)
        return None

    def set_inside(self, subject: Subject, period: Period) -> bool:
        """Was a finer period inside ``period`` set for the subject itself?"""
        if period.kind == periods.MONTH:
            return False
        return any(
            p.start >= period.start and p.end <= period.end and p.kind != period.kind
            for p in self._set_in.get(subject, [])
        )

    def finer(self, period: Period) -> list[Period]:
        return period.quarters() if period.kind == periods.YEAR else period.months()

    def time_sum(self, subject: Subject, period: Period) -> Decimal | None:
        return _total(self.value(subject, p) for p in self.finer(period))

    def is_top_down(self, subject: Subject, period: Period) -> bool:
        return subject[0] != SubjectKind.PERSON and (
            self.row(subject, period) is not None or self.set_inside(subject, period)
        )

    def parts(self, subject: Subject) -> list[Subject]:
        """Whose targets make up a team's (or the company's) bottom-up sum."""
        if subject[0] == SubjectKind.TEAM:
            return [(SubjectKind.PERSON.value, u) for u in self.org.people_of.get(subject[1], [])] + [
                (SubjectKind.TEAM.value, t) for t in self.org.children.get(subject[1], [])
            ]
        if subject[0] == SubjectKind.COMPANY:
            loose = {s[1] for s, _k, _st in self.rows if s[0] == SubjectKind.PERSON} - set(self.org.home)
            return [(SubjectKind.TEAM.value, t) for t in self.org.roots] + [
                (SubjectKind.PERSON.value, u) for u in sorted(loose)
            ]
        return []

    def tree_sum(self, subject: Subject, period: Period) -> Decimal | None:
        if not self.additive:
            return None
        return _total(self.value(part, period) for part in self.parts(subject))


def _total(values: object) -> Decimal | None:
    found = [v for v in values if v is not None]  # type: ignore[attr-defined]
    return sum(found, Decimal(0)) if found else None


def load_book(kpi: KpiDefinition, year: Period, org: Org | None = None) -> Book:
    """The explicit targets of ``kpi`` in fiscal year ``year`` (one query) and the org (two)."""
    book = Book(kpi=kpi, year=year, org=org or load_org())
    rows = Target.objects.filter(kpi=kpi, start__gte=year.start, end__lte=year.end)
    set_in: dict[Subject, list[Period]] = defaultdict(list)
    for target in rows:
        subject = subject_of(target)
        book.rows[(subject, target.period_kind, target.start)] = target
        set_in[subject].append(
            Period(
                start=target.start, end=target.end, kind=target.period_kind, fiscal_start=year.fiscal_start
            )
        )
    book._set_in = dict(set_in)
    return book
