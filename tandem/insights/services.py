"""Writes of the insights app: thresholds, the stage medians, the digest preference and the
manager's daily digest."""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.core import access, history, notify
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.kpis.engine import Scope

from . import rules
from .models import DigestPreference, DigestSent, InsightSettings, StageMedian

log = logging.getLogger(__name__)

THRESHOLD_FIELDS = (
    "stale_follow_up_days",
    "overdue_close_days",
    "stage_factor",
    "stage_min_samples",
    "pool_warning_days",
    "coverage_minimum",
)
DIGEST_HOUR = 8  # the digest goes out from 08:00 in the person's own time zone
DIGEST_KIND = "insights_digest"
EMAIL_OFF = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)


# --- Thresholds -------------------------------------------------------------------------------


def thresholds_snapshot(found: InsightSettings) -> dict[str, Any]:
    return {name: str(getattr(found, name)) for name in THRESHOLD_FIELDS} | {"version": found.version}


def _clean_thresholds(data: Mapping[str, Any], current: InsightSettings) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in THRESHOLD_FIELDS:
        if name not in data:
            continue
        field: Any = InsightSettings._meta.get_field(name)
        raw = data[name]
        try:
            decimal = name in ("stage_factor", "coverage_minimum")
            value: Any = Decimal(str(raw).strip()) if decimal else int(str(raw).strip())
            if decimal and not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors[name] = [_("Enter a number.")]
            continue
        try:
            field.run_validators(value)
            if name == "stage_factor" and value != value.quantize(Decimal("0.1")):
                raise ValidationError(_("Use at most one decimal place."))
            if name == "coverage_minimum" and value != value.quantize(Decimal("0.01")):
                raise ValidationError(_("Use at most two decimal places."))
        except ValidationError as exc:
            errors[name] = list(exc.messages)
            continue
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def thresholds_update(
    *, actor: Actor, data: Mapping[str, Any], version: int | None = None
) -> InsightSettings:
    """Administrators set the thresholds; ``version`` (when given) guards against lost updates."""
    access.require_admin(actor)
    current = InsightSettings.objects.select_for_update().filter(pk=1).first()
    if current is None:
        rules.thresholds()
        current = InsightSettings.objects.select_for_update().get(pk=1)
    if version is not None and version != current.version:
        raise VersionConflict(current=thresholds_snapshot(current), version=current.version)
    values = _clean_thresholds(data, current)
    before = history.snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    current.version += 1
    current.save()
    history.record_update(actor=actor.user, obj=current, before=before)
    return current


# --- Stage medians ----------------------------------------------------------------------------


def stage_medians_refresh(*, now: datetime.datetime | None = None) -> int:
    """Each stage's median stay over its finished stays (the stage history's durations): one
    grouped count, then one ordered read of the middle row(s) per stage. Run on a schedule
    (``insights-stage-medians``), never on a page. Returns the stages written."""
    from tandem.deals.models import DealStageHistory

    now = now or timezone.now()
    finished = DealStageHistory.objects.filter(duration_seconds__isnull=False)
    counts = dict(
        finished.order_by().values_list("stage_id").annotate(n=Count("id")).values_list("stage_id", "n")
    )
    written = 0
    for stage_id, n in counts.items():
        ordered = (
            finished.filter(stage_id=stage_id)
            .order_by("duration_seconds")
            .values_list("duration_seconds", flat=True)
        )
        middle = [int(v or 0) for v in ordered[(n - 1) // 2 : n // 2 + 1]]
        median = round(sum(middle) / len(middle)) if middle else 0
        StageMedian.objects.update_or_create(
            stage_id=stage_id, defaults={"median_seconds": median, "samples": n, "computed_at": now}
        )
        written += 1
    StageMedian.objects.exclude(stage_id__in=list(counts)).delete()
    return written


# --- The digest -------------------------------------------------------------------------------


def digest_preference_set(*, actor: Actor, receive: bool) -> DigestPreference:
    if actor.user is None:
        raise ValidationError(_("Sign in first."))
    found, _created = DigestPreference.objects.update_or_create(
        user_id=actor.user.pk, defaults={"receive_digest": receive}
    )
    return found


def receives_digest(user: Any) -> bool:
    found = DigestPreference.objects.filter(user_id=user.pk).values_list("receive_digest", flat=True).first()
    return True if found is None else bool(found)


def top_led_teams(user: Any) -> list[Any]:
    """The teams ``user`` leads that are not below another team they lead (no subtree twice)."""
    from tandem.org.models import Team

    led = list(Team.objects.filter(leader=user, deleted_at__isnull=True).order_by("path"))
    tops: list[Any] = []
    for team in led:
        if not any(team.path.startswith(top.path) for top in tops):
            tops.append(team)
    return tops


def _local_day(user: Any, now: datetime.datetime) -> tuple[datetime.date, int]:
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    return local.date(), local.hour


def digest_lines(*, actor: Actor, teams: list[Any], now: datetime.datetime) -> tuple[int, list[str], str]:
    """(records flagged, one line per rule with its count, the link) in the active language."""
    totals: dict[str, tuple[Any, int, bool]] = {}
    for team in teams:
        for rule, result in rules.summary(actor=actor, scope=Scope(team_id=team.pk), now=now):
            _r, count, more = totals.get(rule.code, (rule, 0, False))
            totals[rule.code] = (rule, count + result.count, more or result.more)
    flagged = sum(count for _r, count, _m in totals.values())
    lines = [
        f"{rule.label}: {count}{'+' if more else ''}"
        for rule, count, more in sorted(totals.values(), key=lambda t: t[0].order)
        if count
    ]
    url = reverse("insights:list")
    if len(teams) == 1:
        url += f"?team={teams[0].pk}"
    return flagged, lines, url


def digest_send(
    *, user: Any, now: datetime.datetime | None = None, force_hour: bool = False
) -> DigestSent | None:
    """Send ``user`` today's digest unless they had it, opted out, lead no team, or it is not
    yet ``DIGEST_HOUR`` where they are. The row of the day is taken first (unique per person
    and day), so a retry or a second worker sends nothing twice."""
    now = now or timezone.now()
    if not user.is_active or not receives_digest(user):
        return None
    teams = top_led_teams(user)
    if not teams:
        return None
    day, hour = _local_day(user, now)
    if hour < DIGEST_HOUR and not force_hour:
        return None
    if DigestSent.objects.filter(user=user, day=day).exists():
        return None
    actor = access.Actor.for_user(user)
    language = notify.language_of(user)
    with translation.override(language):
        flagged, lines, path = digest_lines(actor=actor, teams=teams, now=now)
        names = ", ".join(t.display_name for t in teams)
        title = ngettext(
            "%(n)d insight for %(teams)s today",
            "%(n)d insights for %(teams)s today",
            flagged,
        ) % {"n": flagged, "teams": names}
        body = " · ".join(lines)
    try:
        with transaction.atomic():
            sent = DigestSent.objects.create(user=user, day=day, flagged=flagged)
            if flagged:
                notify.notify(recipient=user, kind=DIGEST_KIND, title=title, body=body, url=path)
                if user.email and settings.EMAIL_BACKEND not in EMAIL_OFF:
                    sent.emailed = True
                    sent.save(update_fields=["emailed"])
                    transaction.on_commit(lambda: _email(user, language, title, body, path))
    except IntegrityError:
        return None
    return sent


def _email(user: Any, language: str, title: str, body: str, path: str) -> None:
    base = getattr(settings, "TANDEM_BASE_URL", "").rstrip("/")
    with translation.override(language):
        footer = _("See them in Tandem: %(url)s") % {"url": f"{base}{path}"}
        opt_out = _("You can stop this digest in your personal settings.")
    try:
        send_mail(title, f"{body}\n\n{footer}\n\n{opt_out}", None, [user.email])
    except Exception:  # the notification is in the app; a mail server down must not fail the job
        log.exception("insight digest email to user %s failed", user.pk)


def digest_send_all(*, now: datetime.datetime | None = None) -> int:
    """Every active team leader's digest for their day (the scheduled job, hourly)."""
    from tandem.org.models import User

    now = now or timezone.now()
    sent = 0
    leaders = (
        User.objects.filter(is_active=True, led_teams__deleted_at__isnull=True).distinct().order_by("pk")
    )
    for user in leaders:
        try:
            if digest_send(user=user, now=now) is not None:
                sent += 1
        except Exception:
            log.exception("insight digest for user %s failed", user.pk)
    return sent
