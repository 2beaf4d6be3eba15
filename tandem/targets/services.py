"""Writes of targets: set one, delete one, and the grid's helpers (spread a year or quarter over
its months, copy last year's, copy a row to other people, fill a team from a top-down value).

Every write checks ``policies.can_set`` for its subject, is atomic, versioned (a stale version
is a ``VersionConflict``) and recorded in history (who, when, old → new).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tandem.core import history
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.core.models import HistoryAction
from tandem.kpis import periods
from tandem.kpis.company import company_settings
from tandem.kpis.models import KpiDefinition, Unit
from tandem.kpis.periods import Period
from tandem.org.models import Team, User

from . import policies
from .book import load_org
from .models import MAX_VALUE, SubjectKind, Target

CENT = Decimal("0.01")


def target_snapshot(target: Target) -> dict[str, Any]:
    return {
        "id": target.pk,
        "subject_kind": target.subject_kind,
        "user": target.user_id,
        "team": target.team_id,
        "kpi": target.kpi_id,
        "period": target.period_key,
        "value": str(target.value),
        "version": target.version,
    }


def parse_value(raw: Any, *, field: str = "value") -> Decimal:
    """A target as typed: a number ≥ 0 with at most 2 decimals (thousands separators allowed)."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: [_("Enter a number, e.g. 120000.")]}) from exc
    if not value.is_finite():
        raise ValidationError({field: [_("Enter a number, e.g. 120000.")]})
    if value < 0:
        raise ValidationError({field: [_("A target cannot be negative.")]})
    if value > MAX_VALUE:
        raise ValidationError({field: [_("This number is too large.")]})
    if value != value.quantize(CENT):
        raise ValidationError({field: [_("A target has at most 2 decimal places.")]})
    return value.quantize(CENT)


def _subject_fields(kind: str, subject: User | Team | None) -> dict[str, Any]:
    if kind == SubjectKind.PERSON:
        return {"subject_kind": kind, "user": subject, "team": None}
    if kind == SubjectKind.TEAM:
        return {"subject_kind": kind, "user": None, "team": subject}
    return {"subject_kind": SubjectKind.COMPANY, "user": None, "team": None}


def _check_kpi(kpi: KpiDefinition) -> None:
    if not kpi.is_active:
        raise ValidationError({"kpi": [_("This KPI is not active.")]})


def find_target(kind: str, subject: User | Team | None, kpi: KpiDefinition, period: Period) -> Target | None:
    fields = _subject_fields(kind, subject)
    return (
        Target.objects.select_for_update()
        .filter(**fields, kpi=kpi, period_kind=period.kind, start=period.start)
        .first()
    )


@transaction.atomic
def target_set(
    *,
    actor: Actor,
    kind: str,
    subject: User | Team | None,
    kpi: KpiDefinition,
    period: Period,
    value: Any,
    version: int | None = None,
    create_only: bool = False,
) -> Target:
    """Set the target of ``subject`` for ``kpi`` and ``period`` to ``value``.

    ``version``: the version the caller read (0: they saw no target); a different current one is
    a ``VersionConflict``. ``create_only`` refuses when a target exists (the API's create).
    """
    if not policies.can_set(actor, kind, subject):
        raise PermissionDenied
    _check_kpi(kpi)
    amount = parse_value(value)
    existing = find_target(kind, subject, kpi, period)
    if existing is None:
        if version:
            raise VersionConflict(current={"value": None, "version": 0}, version=0)
        try:
            with transaction.atomic():
                saved = Target.objects.create(
                    **_subject_fields(kind, subject),
                    kpi=kpi,
                    period_kind=period.kind,
                    start=period.start,
                    end=period.end,
                    value=amount,
                    updated_by=actor.user,
                )
        except IntegrityError as exc:  # set meanwhile by someone else
            raise VersionConflict(current={"value": None, "version": 0}, version=0) from exc
        history.record(
            actor=actor.user,
            obj=saved,
            action=HistoryAction.CREATE,
            changes={"value": [None, str(amount)]},
        )
        return saved
    if create_only:
        raise ValidationError({"period": [_("This target is set already; change that one.")]})
    if version is not None and version != existing.version:
        raise VersionConflict(current=target_snapshot(existing), version=existing.version)
    if existing.value == amount:
        return existing
    old = existing.value
    existing.value = amount
    existing.updated_by = actor.user
    existing.version += 1
    existing.save(update_fields=["value", "updated_by", "version", "updated_at"])
    history.record(
        actor=actor.user,
        obj=existing,
        action=HistoryAction.UPDATE,
        changes={"value": [str(old), str(amount)]},
    )
    return existing


@transaction.atomic
def target_delete(*, actor: Actor, target: Target, version: int | None = None) -> None:
    """Remove a target: the subject then has none (or its sum) for the period."""
    subject = target.user if target.subject_kind == SubjectKind.PERSON else target.team
    if not policies.can_set(actor, target.subject_kind, subject):
        raise PermissionDenied
    current = Target.objects.select_for_update().filter(pk=target.pk).first()
    if current is None:
        return
    if version is not None and version != current.version:
        raise VersionConflict(current=target_snapshot(current), version=current.version)
    history.record(
        actor=actor.user,
        obj=current,
        action=HistoryAction.DELETE,
        changes={"value": [str(current.value), None]},
    )
    current.delete()


def split_evenly(total: Decimal, parts: int, *, whole: bool) -> list[Decimal]:
    """``total`` in ``parts`` shares that add up to it exactly: cents (or whole units for a
    count), the remainder on the first shares."""
    unit = Decimal(1) if whole else CENT
    base = (total / parts).quantize(unit, ROUND_DOWN)
    shares = [base] * parts
    left = int(((total - base * parts) / unit).to_integral_value(ROUND_HALF_UP))
    for i in range(min(left, parts)):
        shares[i] += unit
    return shares


@transaction.atomic
def target_spread(
    *, actor: Actor, kind: str, subject: User | Team | None, kpi: KpiDefinition, period: Period, value: Any
) -> list[Target]:
    """Spread a quarter's or a year's figure evenly over its months (overwriting them)."""
    if period.kind == periods.MONTH:
        raise ValidationError({"period": [_("Choose a quarter or a year to spread.")]})
    total = parse_value(value)
    months = period.months()
    shares = split_evenly(total, len(months), whole=kpi.unit == Unit.COUNT)
    saved = [
        target_set(actor=actor, kind=kind, subject=subject, kpi=kpi, period=m, value=share)
        for m, share in zip(months, shares, strict=True)
    ]
    # A row for the whole period would now hide the months: it goes.
    for whole in Target.objects.filter(
        **_subject_fields(kind, subject), kpi=kpi, start__gte=period.start, end__lte=period.end
    ).exclude(period_kind=periods.MONTH):
        target_delete(actor=actor, target=whole)
    return saved


@transaction.atomic
def targets_copy_year(
    *, actor: Actor, users: list[User], kpi: KpiDefinition, year: Period, percent: Any = 0
) -> int:
    """Copy each person's monthly targets of the previous fiscal year into ``year``, raised by
    ``percent`` (may be negative, down to -100). People the actor may not set are skipped."""
    try:
        factor = Decimal(1) + Decimal(str(percent or 0).strip()) / 100
    except InvalidOperation as exc:
        raise ValidationError({"percent": [_("Enter a number, e.g. 10.")]}) from exc
    if not factor.is_finite() or factor < 0 or factor > 100:
        raise ValidationError({"percent": [_("Enter a percentage between -100 and 9900.")]})
    last = year.previous()
    copied = 0
    rows = Target.objects.filter(
        subject_kind=SubjectKind.PERSON,
        user__in=users,
        kpi=kpi,
        period_kind=periods.MONTH,
        start__gte=last.start,
        end__lte=last.end,
    ).select_related("user")
    unit = Decimal(1) if kpi.unit == Unit.COUNT else CENT
    for row in rows:
        assert row.user is not None
        if not policies.can_set(actor, SubjectKind.PERSON, row.user):
            continue
        month = periods.period_containing(
            periods.add_months(row.start, 12), periods.MONTH, fiscal_start=year.fiscal_start
        )
        target_set(
            actor=actor,
            kind=SubjectKind.PERSON,
            subject=row.user,
            kpi=kpi,
            period=month,
            value=(row.value * factor).quantize(unit, ROUND_HALF_UP),
        )
        copied += 1
    return copied


@transaction.atomic
def targets_copy_row(
    *, actor: Actor, source: User, users: list[User], kpi: KpiDefinition, year: Period
) -> int:
    """Give ``users`` the same monthly targets as ``source`` in ``year``."""
    rows = list(
        Target.objects.filter(
            subject_kind=SubjectKind.PERSON,
            user=source,
            kpi=kpi,
            period_kind=periods.MONTH,
            start__gte=year.start,
            end__lte=year.end,
        )
    )
    copied = 0
    for user in users:
        if user.pk == source.pk:
            continue
        for row in rows:
            target_set(
                actor=actor,
                kind=SubjectKind.PERSON,
                subject=user,
                kpi=kpi,
                period=row.period(year.fiscal_start),
                value=row.value,
            )
            copied += 1
    return copied


@transaction.atomic
def team_fill(*, actor: Actor, team: Team, kpi: KpiDefinition, year: Period, value: Any) -> int:
    """Set ``team``'s year target top-down to ``value`` and share it evenly among the people who
    count in the team, each share spread over the months. Returns the people filled."""
    total = parse_value(value)
    org = load_org()
    people = list(User.objects.filter(pk__in=org.people_of.get(team.pk, [])).order_by("pk"))
    target_set(actor=actor, kind=SubjectKind.TEAM, subject=team, kpi=kpi, period=year, value=total)
    if not people:
        return 0
    shares = split_evenly(total, len(people), whole=kpi.unit == Unit.COUNT)
    for person, share in zip(people, shares, strict=True):
        target_spread(actor=actor, kind=SubjectKind.PERSON, subject=person, kpi=kpi, period=year, value=share)
    return len(people)


def fiscal_year(key: str | None = None) -> Period:
    """The fiscal year named by ``key`` (``2026``), or this one."""
    import datetime

    start = company_settings().fiscal_year_start_month
    if key:
        return periods.period_from_key(key, fiscal_start=start)
    return periods.period_containing(datetime.date.today(), periods.YEAR, fiscal_start=start)
