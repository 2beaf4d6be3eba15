"""The demo company's forecasts (issue 11 §9): categories on open deals, submissions by every
rep for the last and the current quarter (revised week by week, as people do), a few managers'
adjustments with their reasons, and weekly snapshots over the past twelve weeks, so the movement
chart has a story. Idempotent: a second run adds nothing.

Demo history: the past quarter's submissions and the weekly revisions are written as they would
have been at the time (the services refuse a period that has ended, rightly for people).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tandem.deals.models import Deal, DealStatus, ForecastCategory, Stage
from tandem.kpis.periods import Period
from tandem.org.models import Team, User

from . import selectors, services
from .models import ForecastAdjustment, ForecastSubmission, ForecastSubmissionVersion

WEEKS = 12
THOUSAND = Decimal("1000")
REASONS = [
    "客户预算审批推迟到下季度，先按保守口径。",
    "Two commit deals lack a signed PO yet; holding them back until procurement confirms.",
    "大单已进入合同流程，上调至最佳情况。",
    "Lost the tender at 华南医药; removing it from commit.",
]


@dataclass
class ForecastDemoResult:
    submissions: int = 0
    adjustments: int = 0
    snapshots: int = 0
    categorised: int = 0
    complete_already: bool = False

    def summary_line(self) -> str:
        if self.complete_already:
            return "Demo forecasts are complete already: nothing added."
        return (
            f"Demo forecasts: {self.submissions} submissions, {self.adjustments} adjustments, "
            f"{self.snapshots} snapshots; forecast category set on {self.categorised} open deals."
        )


def _round(value: Decimal) -> Decimal:
    return ((value / THOUSAND).quantize(Decimal("1"), ROUND_HALF_UP) * THOUSAND).quantize(Decimal("0.01"))


def _reps() -> list[User]:
    return list(
        User.objects.filter(is_active=True, roles__code="sales-rep", memberships__is_primary=True)
        .distinct()
        .order_by("username")
    )


def _categorise() -> int:
    """Open deals follow their stage's category; a few have their owner's own choice."""
    stage_category = Stage.objects.filter(pk=OuterRef("stage_id")).values("forecast_category")[:1]
    changed = Deal.objects.filter(status=DealStatus.OPEN, forecast_category_manual=False).update(
        forecast_category=Subquery(stage_category)
    )
    chosen = list(
        Deal.objects.filter(status=DealStatus.OPEN, forecast_category_manual=False)
        .order_by("id")
        .values_list("id", flat=True)[::9]
    )
    Deal.objects.filter(pk__in=chosen[::2]).update(
        forecast_category=ForecastCategory.COMMIT, forecast_category_manual=True
    )
    Deal.objects.filter(pk__in=chosen[1::2]).update(
        forecast_category=ForecastCategory.OMITTED, forecast_category_manual=True
    )
    return changed


def _final(row: selectors.ForecastRow, person: User, past: bool) -> tuple[Decimal, Decimal]:
    """What a rep calls: won so far plus most of their commit pipeline (the past quarter: near
    what they won)."""
    spread = Decimal(90 + person.pk % 25) / Decimal(100)
    if past:
        commit = _round(row.won * spread) or Decimal("50000.00")
        return commit, _round(commit * Decimal("1.25"))
    commit = _round(row.won + row.pipeline.commit * spread) or Decimal("80000.00")
    best = _round(commit + row.pipeline.best_case * Decimal("0.5")) or commit
    return commit, max(best, commit)


def _write_version(
    submission: ForecastSubmission, commit: Decimal, best: Decimal, note: str, at: datetime.datetime
) -> None:
    submission.commit_amount, submission.best_case_amount, submission.note = commit, best, note
    if submission.pk is None:
        submission.version = 1
        submission.save()
        ForecastSubmission.objects.filter(pk=submission.pk).update(created_at=at, updated_at=at)
    else:
        submission.version += 1
        submission.save()
        ForecastSubmission.objects.filter(pk=submission.pk).update(updated_at=at)
    ForecastSubmissionVersion.objects.create(
        submission=submission,
        version=submission.version,
        commit_amount=commit,
        best_case_amount=best,
        note=note,
        saved_by=submission.owner,
        saved_at=at,
    )


@transaction.atomic
def seed_forecasts(*, today: datetime.date | None = None) -> ForecastDemoResult:
    result = ForecastDemoResult()
    today = today or timezone.localdate()
    current = selectors.current_period(today=today)
    reps = _reps()
    if not reps:
        return result
    if ForecastSubmission.objects.filter(period=current.key, owner__in=reps).exists():
        result.complete_already = True
        return result
    result.categorised = _categorise()
    actor = services._snapshot_actor()
    weeks = [today - datetime.timedelta(days=7 * w) for w in range(WEEKS - 1, -1, -1)]
    finals: dict[tuple[str, int], tuple[Decimal, Decimal]] = {}
    periods_seen: dict[str, Period] = {}
    for day in weeks:
        period = selectors.current_period(today=day)
        periods_seen[period.key] = period
    team_of = selectors.primary_team_ids([r.pk for r in reps])
    for key, period in periods_seen.items():
        rows = {
            r.person.pk: r for r in selectors.person_rows(actor, period, reps, None, today=today) if r.person
        }
        for rep in reps:
            finals[(key, rep.pk)] = _final(rows[rep.pk], rep, past=period.end < today)
    submissions: dict[tuple[str, int], ForecastSubmission] = {}
    for index, day in enumerate(weeks):
        period = selectors.current_period(today=day)
        in_period = [d for d in weeks if period.contains(d)]
        progress = Decimal(in_period.index(day) + 1) / Decimal(len(in_period))
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
        for rep in reps:
            commit, best = finals[(period.key, rep.pk)]
            # Early in the quarter people call low and raise the call as deals firm up.
            factor = Decimal("0.75") + Decimal("0.25") * progress
            week_commit, week_best = _round(commit * factor), _round(best * factor)
            found = submissions.get((period.key, rep.pk))
            if found is None:
                found = ForecastSubmission(owner=rep, team_id=team_of.get(rep.pk), period=period.key)
                submissions[(period.key, rep.pk)] = found
                result.submissions += 1
            elif (found.commit_amount, found.best_case_amount) == (week_commit, week_best):
                continue
            note = "第一次提交。" if found.pk is None else f"第{found.version + 1}版：根据本周进展更新。"
            _write_version(found, week_commit, week_best, note, at)
        if index == len(weeks) - 3:
            result.adjustments += _adjust(period, reps, submissions, at)
        result.snapshots += services.snapshot_take(today=day, periods=[period])
    return result


def _adjust(
    period: Period,
    reps: list[User],
    submissions: dict[tuple[str, int], ForecastSubmission],
    at: datetime.datetime,
) -> int:
    """A few managers trim or raise a rep's call, and one adjusts a whole team, with reasons."""
    made = 0
    leaders = dict(Team.objects.filter(leader__isnull=False).values_list("pk", "leader_id"))
    team_of = selectors.primary_team_ids([r.pk for r in reps])
    for index, rep in enumerate(reps[:: max(1, len(reps) // 3)][:3]):
        leader_id = leaders.get(team_of.get(rep.pk, 0))
        sub = submissions.get((period.key, rep.pk))
        if leader_id is None or sub is None or leader_id == rep.pk:
            continue
        factor = Decimal("0.85") if index % 2 == 0 else Decimal("1.10")
        adj = ForecastAdjustment.objects.create(
            subject_kind="person",
            owner=rep,
            team_id=team_of.get(rep.pk),
            period=period.key,
            commit_amount=_round(sub.commit_amount * factor),
            best_case_amount=_round(sub.best_case_amount * factor),
            reason=REASONS[index % len(REASONS)],
            adjusted_by_id=leader_id,
        )
        ForecastAdjustment.objects.filter(pk=adj.pk).update(created_at=at)
        made += 1
    team_id = team_of.get(reps[0].pk)
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team is not None and team.leader_id:
        total = sum(
            (
                s.commit_amount
                for (k, _p), s in submissions.items()
                if k == period.key and team_of.get(_p) == team.pk
            ),
            Decimal(0),
        )
        adj = ForecastAdjustment.objects.create(
            subject_kind="team",
            team=team,
            period=period.key,
            commit_amount=_round(total * Decimal("0.92")),
            best_case_amount=_round(total * Decimal("1.15")),
            reason=REASONS[3],
            adjusted_by_id=team.leader_id,
        )
        ForecastAdjustment.objects.filter(pk=adj.pk).update(created_at=at)
        made += 1
    return made
