"""Writes of forecasts: a person's submission (versioned, every save kept), a manager's
adjustment (with a reason, beside the submission), and the dated snapshots (decision 0021)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import history
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.kpis.periods import Period
from tandem.org.models import Team, User

from . import selectors
from .models import (
    ForecastAdjustment,
    ForecastSnapshot,
    ForecastSubmission,
    ForecastSubmissionVersion,
    SubjectKind,
)

MAX_AMOUNT = Decimal("99999999999999.99")
NOTE_MAX = 2000


def _amount(data: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> Decimal | None:
    raw = data.get(name)
    if raw is None or raw == "":
        errors[name] = [_("This field is required.")]
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return None
    if not value.is_finite():
        errors[name] = [_("Enter a number.")]
    elif value < 0:
        errors[name] = [_("The amount cannot be negative.")]
    elif value > MAX_AMOUNT:
        errors[name] = [_("This amount is too large.")]
    else:
        return value.quantize(Decimal("0.01"))
    return None


def _amounts(data: Mapping[str, Any]) -> tuple[Decimal, Decimal, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    commit = _amount(data, "commit_amount", errors)
    best = _amount(data, "best_case_amount", errors)
    if commit is not None and best is not None and best < commit:
        errors["best_case_amount"] = [_("Best case cannot be below commit.")]
    return commit or Decimal(0), best or Decimal(0), errors


def _check_open(period: Period, errors: dict[str, list[str]], today: datetime.date) -> None:
    if today > period.end:
        errors["period"] = [_("This period has ended: its forecast can no longer change.")]


def submission_snapshot(submission: ForecastSubmission) -> dict[str, Any]:
    return {
        "commit_amount": str(submission.commit_amount),
        "best_case_amount": str(submission.best_case_amount),
        "note": submission.note,
        "version": submission.version,
    }


@transaction.atomic
def submission_save(
    *, actor: Actor, period: Period, data: Mapping[str, Any], version: int | None = None
) -> ForecastSubmission:
    """Submit (or change) the actor's own forecast for ``period``: commit and best case in the
    company currency, with a note. Editable until the period ends; every save is kept as a
    version. Changing an existing one needs the ``version`` read (409 when stale)."""
    if actor.user is None or not actor.has("deal", "view"):
        raise PermissionDenied
    today = timezone.localdate()
    commit, best, errors = _amounts(data)
    note = str(data.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": NOTE_MAX}]
    _check_open(period, errors, today)
    if period.kind not in selectors.PERIOD_KINDS:
        errors["period"] = [_("Choose a quarter or a month.")]
    if errors:
        raise ValidationError(errors)
    user = actor.user
    current = ForecastSubmission.objects.select_for_update().filter(owner=user, period=period.key).first()
    team_id = selectors.primary_team_ids([user.pk]).get(user.pk)
    if current is None:
        if version is not None and version != 0:
            raise VersionConflict(current={}, version=0)
        current = ForecastSubmission.objects.create(
            owner=user,
            team_id=team_id,
            period=period.key,
            commit_amount=commit,
            best_case_amount=best,
            note=note,
        )
        history.record_create(actor=user, obj=current)
    else:
        if version is None or version != current.version:
            raise VersionConflict(current=submission_snapshot(current), version=current.version)
        before = history.snapshot(current)
        current.commit_amount, current.best_case_amount, current.note = commit, best, note
        current.team_id = team_id
        current.version += 1
        current.save()
        history.record_update(actor=user, obj=current, before=before)
    ForecastSubmissionVersion.objects.create(
        submission=current,
        version=current.version,
        commit_amount=commit,
        best_case_amount=best,
        note=note,
        saved_by=user,
        saved_at=timezone.now(),
    )
    return current


@transaction.atomic
def adjustment_create(
    *,
    actor: Actor,
    period: Period,
    data: Mapping[str, Any],
    person: User | None = None,
    team: Team | None = None,
) -> ForecastAdjustment:
    """A manager's adjusted forecast for a member or a team, with a required reason. Kept beside
    the submission (which never changes); the newest adjustment is the current one. The caller
    has found the subject visible (else 404); not allowed to adjust it: 403."""
    if (person is None) == (team is None):
        raise ValidationError({"subject": [_("Adjust either a person or a team.")]})
    if not selectors.can_adjust(actor, person=person, team=team):
        raise PermissionDenied
    commit, best, errors = _amounts(data)
    reason = str(data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = [_("Say why you adjust this forecast.")]
    elif len(reason) > NOTE_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": NOTE_MAX}]
    _check_open(period, errors, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    if person is not None:
        adjustment = ForecastAdjustment(
            subject_kind=SubjectKind.PERSON,
            owner=person,
            team_id=selectors.primary_team_ids([person.pk]).get(person.pk),
        )
    else:
        adjustment = ForecastAdjustment(subject_kind=SubjectKind.TEAM, team=team)
    adjustment.period = period.key
    adjustment.commit_amount, adjustment.best_case_amount, adjustment.reason = commit, best, reason
    adjustment.adjusted_by = actor.user
    adjustment.save()
    history.record_create(actor=actor.user, obj=adjustment)
    return adjustment


# --- Snapshots --------------------------------------------------------------------------------


def _snapshot_actor() -> Actor:
    """The snapshot job reads as the company does: everything, no one's scope."""
    return Actor(
        user=User(username="forecast-snapshots"),
        grants={},
        team_ids=frozenset(),
        team_paths=(),
        is_admin=True,
    )


def _snapshot_row(
    taken_on: datetime.date, period: Period, subject: str, row: selectors.ForecastRow, **subject_fields: Any
) -> ForecastSnapshot:
    return ForecastSnapshot(
        taken_on=taken_on,
        period=period.key,
        subject=subject,
        submitted_commit=row.submitted_commit,
        submitted_best_case=row.submitted_best_case,
        adjusted_commit=row.forecast,
        adjusted_best_case=row.adjusted_best_case
        if row.adjusted_best_case is not None
        else row.submitted_best_case,
        commit_pipeline=row.pipeline.commit,
        best_case_pipeline=row.pipeline.best_case,
        pipeline_pipeline=row.pipeline.pipeline,
        weighted_pipeline=row.pipeline.weighted.quantize(Decimal("0.01")),
        won_to_date=row.won,
        **subject_fields,
    )


@transaction.atomic
def snapshot_take(*, today: datetime.date | None = None, periods: list[Period] | None = None) -> int:
    """Snapshot every person, team and the company for the current quarter (and the current
    month when anyone forecast it): submitted, adjusted, pipeline by category, weighted, won so
    far. Idempotent per day: a second run the same day replaces that day's rows."""
    today = today or timezone.localdate()
    if periods is None:
        quarter = selectors.current_period(today=today)
        month = selectors.current_period("month", today=today)
        periods = [quarter]
        if ForecastSubmission.objects.filter(period=month.key).exists():
            periods.append(month)
    actor = _snapshot_actor()
    written = 0
    for period in periods:
        company = selectors.company_team_rows(actor=actor, period=period, today=today)
        rows: list[ForecastSnapshot] = [
            _snapshot_row(today, period, "company", company.total, subject_kind=SubjectKind.COMPANY)
        ]
        for row in company.teams:
            assert row.team is not None
            rows.append(
                _snapshot_row(
                    today, period, f"team:{row.team.pk}", row, subject_kind=SubjectKind.TEAM, team=row.team
                )
            )
        people = list(company.people)
        team_of = dict(company.team_of)
        # People in no team who forecast all the same.
        known = [r.person.pk for r in people if r.person is not None]
        extra = User.objects.filter(
            pk__in=ForecastSubmission.objects.filter(period=period.key).values("owner_id")
        ).exclude(pk__in=known)
        people += selectors.person_rows(actor, period, list(extra), None, today=today)
        for row in people:
            assert row.person is not None
            rows.append(
                _snapshot_row(
                    today,
                    period,
                    f"person:{row.person.pk}",
                    row,
                    subject_kind=SubjectKind.PERSON,
                    owner=row.person,
                    team_id=team_of.get(row.person.pk),
                )
            )
        ForecastSnapshot.objects.filter(taken_on=today, period=period.key).delete()
        ForecastSnapshot.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written
