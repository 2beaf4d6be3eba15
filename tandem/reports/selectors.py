"""Reads of work reports: lists by box, the missing reports of a manager's people, statistics."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from tandem.core import access
from tandem.core.access import Actor

from . import periods, services
from .models import Report, ReportRead, ReportStatus, SubmissionRule

BOXES = ("mine", "received", "team")


def report_queryset(actor: Actor) -> QuerySet[Report]:
    reads = ReportRead.objects.filter(report_id=OuterRef("pk"), user_id=actor.id or 0)
    return (
        access.visible(actor, "report", Report.objects.all())
        .select_related("author", "team", "template")
        .annotate(read_by_me=Exists(reads))
    )


def report_list(
    actor: Actor,
    *,
    box: str = "mine",
    kind: str = "",
    author_id: int | None = None,
    team_id: int | None = None,
) -> QuerySet[Report]:
    qs = report_queryset(actor)
    me = actor.id or 0
    if box == "mine":
        qs = qs.filter(author_id=me).order_by("-period_start", "-id")
    elif box == "received":
        to_me = Q(recipients=me)
        if actor.team_ids:
            to_me |= Q(recipient_teams__in=sorted(actor.team_ids))
        ids = Report.objects.filter(to_me, status=ReportStatus.SUBMITTED).values("pk")
        qs = (
            qs.filter(pk__in=ids)
            .exclude(author_id=me)
            .order_by(F("read_by_me").asc(), "-submitted_at", "-id")
        )
    elif box == "team":
        qs = (
            qs.filter(status=ReportStatus.SUBMITTED)
            .exclude(author_id=me)
            .order_by("-period_start", "author__display_name", "-id")
        )
    if kind:
        qs = qs.filter(kind=kind)
    if author_id:
        qs = qs.filter(author_id=author_id)
    if team_id:
        from tandem.kpis.engine import subtree_team_ids

        qs = qs.filter(team_id__in=subtree_team_ids(team_id, actor))
    return qs


@dataclass
class MissingRow:
    person: Any
    period_start: datetime.date
    period_end: datetime.date
    due_at: datetime.datetime | None
    report: Report | None
    reminded: bool

    @property
    def state(self) -> str:
        if self.report is not None and self.report.status == ReportStatus.SUBMITTED:
            if (
                self.due_at is not None
                and self.report.submitted_at
                and self.report.submitted_at > self.due_at
            ):
                return "late"
            return "on_time"
        if self.due_at is None:
            return "not_due"
        from django.utils import timezone

        return "missing" if timezone.now() >= self.due_at else "pending"


def covered_people(
    actor: Actor, kind: str, team_id: int | None = None
) -> dict[int, tuple[Any, SubmissionRule]]:
    """The people the actor follows whom an active rule of ``kind`` covers, with that rule."""
    found: dict[int, tuple[Any, SubmissionRule]] = {}
    rules = list(SubmissionRule.objects.filter(kind=kind, is_active=True).order_by("due_time", "id"))
    for rule in rules:
        people = services.rule_people(rule)
        if team_id:
            from tandem.kpis.engine import subtree_team_ids

            people = people.filter(memberships__team_id__in=subtree_team_ids(team_id, actor)).distinct()
        for person in people.order_by("display_name", "id"):
            found.setdefault(person.pk, (person, rule))
    allowed = services.reach_people_ids(actor, list(found))
    return {pk: v for pk, v in found.items() if pk in allowed}


def missing(actor: Actor, kind: str, day: datetime.date, team_id: int | None = None) -> list[MissingRow]:
    """Per person the actor follows and a rule covers: the period holding ``day``, when it was
    due, and their report if any. Three queries whatever the number of people."""
    from .models import ReminderPurpose, ReportReminder

    covered = covered_people(actor, kind, team_id)
    start, end = periods.period_for(kind, day)
    reports = {
        r.author_id: r
        for r in Report.objects.filter(author_id__in=list(covered), kind=kind, period_start=start)
    }
    reminded = set(
        ReportReminder.objects.filter(
            person_id__in=list(covered), kind=kind, period_start=start, purpose=ReminderPurpose.MANUAL
        ).values_list("person_id", flat=True)
    )
    rows = [
        MissingRow(
            person=person,
            period_start=start,
            period_end=end,
            due_at=periods.due_at(rule, person, start, end),
            report=reports.get(pk),
            reminded=pk in reminded,
        )
        for pk, (person, rule) in covered.items()
    ]
    order = {"missing": 0, "pending": 1, "late": 2, "on_time": 3, "not_due": 4}
    rows.sort(key=lambda r: (order[r.state], str(r.person)))
    return rows


def statistics(
    actor: Actor, kind: str, day: datetime.date, n: int = 8, team_id: int | None = None
) -> dict[str, Any]:
    """Submission rate and on-time share over the last ``n`` periods, overall and per person."""
    covered = covered_people(actor, kind, team_id)
    spans = periods.recent_periods(kind, day, n)
    starts = [s for s, _e in spans]
    reports = list(
        Report.objects.filter(
            author_id__in=list(covered), kind=kind, period_start__in=starts, status=ReportStatus.SUBMITTED
        ).values_list("author_id", "period_start", "submitted_at", "due_at")
    )
    got = {(a, p): (s, d) for a, p, s, d in reports}
    labels, rate, on_time = [], [], []
    per_person: dict[int, dict[str, Any]] = {
        pk: {"person": person, "expected": 0, "submitted": 0, "on_time": 0}
        for pk, (person, _r) in covered.items()
    }
    for start, end in spans:
        expected = submitted = timely = 0
        for pk, (person, rule) in covered.items():
            due = periods.due_at(rule, person, start, end)
            if due is None:
                continue
            expected += 1
            per_person[pk]["expected"] += 1
            found = got.get((pk, start))
            if found:
                submitted += 1
                per_person[pk]["submitted"] += 1
                if found[0] is not None and found[0] <= (found[1] or due):
                    timely += 1
                    per_person[pk]["on_time"] += 1
        labels.append(start.isoformat())
        rate.append(round(100 * submitted / expected) if expected else None)
        on_time.append(round(100 * timely / expected) if expected else None)
    people = sorted(per_person.values(), key=lambda r: str(r["person"]))
    for row in people:
        row["rate"] = round(100 * row["submitted"] / row["expected"]) if row["expected"] else None
        row["on_time_rate"] = round(100 * row["on_time"] / row["expected"]) if row["expected"] else None
    return {"labels": labels, "rate": rate, "on_time": on_time, "people": people}
