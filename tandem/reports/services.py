"""Writes of work reports: drafts, submission, withdrawal, read receipts, likes, templates,
submission rules and reminders. Each in one transaction with history, events and notifications.

Decision 0042: a submitted report may be withdrawn (back to a draft) within an hour of sending
and only while no recipient has opened it; after that it stands as sent, and corrections go in
its comments.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access, events, history, naming, notify
from tandem.core.access import Actor

from . import drafts, periods
from .models import (
    ReminderPurpose,
    Report,
    ReportKind,
    ReportLike,
    ReportRead,
    ReportReminder,
    ReportStatus,
    ReportTemplate,
    SectionKind,
    SubmissionRule,
)

WITHDRAW_WITHIN = datetime.timedelta(hours=1)
MAX_ANSWER = 20000
MAX_TEAM_NOTICES = 200
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# --- Reports ---------------------------------------------------------------------------------


def _clean_answers(
    template: ReportTemplate, answers: Mapping[str, Any] | None, errors: dict[str, list[str]]
) -> dict[str, str]:
    keys = [s["key"] for s in template.sections or []]
    out: dict[str, str] = {}
    for key, value in (answers or {}).items():
        if key not in keys:
            errors.setdefault("answers", []).append(
                _("“%(key)s” is not a section of this template.") % {"key": key}
            )
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.setdefault("answers", []).append(_("Each answer is text."))
            continue
        if len(value) > MAX_ANSWER:
            errors.setdefault("answers", []).append(_("An answer is too long."))
            continue
        out[key] = value.strip()
    return out


def missing_sections(template: ReportTemplate, answers: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        s for s in template.section_list() if s.get("required") and not (answers.get(s["key"]) or "").strip()
    ]


def primary_team_id(user: Any) -> int | None:
    from tandem.org.models import Membership

    rows = list(
        Membership.objects.filter(user_id=user.pk, team__deleted_at__isnull=True)
        .order_by("-is_primary", "id")
        .values_list("team_id", flat=True)[:1]
    )
    return rows[0] if rows else None


def report_create(
    *,
    actor: Actor,
    kind: str,
    day: datetime.date,
    template: ReportTemplate | None = None,
    answers: Mapping[str, Any] | None = None,
    recipients: Iterable[Any] | None = None,
    recipient_teams: Iterable[Any] | None = None,
    submit: bool = False,
) -> Report:
    """Start the actor's report of ``kind`` for the period holding ``day``: drafted from the
    period's activity, the given answers over the draft's."""
    author = actor.user
    if author is None:
        raise PermissionDenied
    access.require(actor, "create", "report")
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        errors["kind"] = [_("Choose daily, weekly or monthly.")]
        raise ValidationError(errors)
    if template is not None and (template.kind != kind or not template.is_active):
        errors["template"] = [_("Choose an active template of this kind of report.")]
    start, end = periods.period_for(kind, day)
    if start > periods.today_for(author):
        errors["period"] = [_("This period has not started yet.")]
    elif Report.objects.filter(author_id=author.pk, kind=kind, period_start=start).exists():
        errors["period"] = [_("You already have a report for this period: open it to continue.")]
    if errors:
        raise ValidationError(errors)
    draft = drafts.build(author, kind, day, template)
    given = _clean_answers(draft.template, answers, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = Report.objects.create(
            author=author,
            team_id=primary_team_id(author),
            template=draft.template,
            kind=kind,
            period_start=start,
            period_end=end,
            answers={**draft.answers, **given},
            figures=draft.figures,
        )
        if recipients is not None:
            report.recipients.set(_people(recipients, author))
        if recipient_teams is not None:
            report.recipient_teams.set(list(recipient_teams))
        history.record_create(actor=author, obj=report)
        if submit:
            return report_submit(actor=actor, report=report)
    return report


def _people(people: Iterable[Any], author: Any) -> list[Any]:
    return [p for p in people if p.pk != author.pk and p.is_active]


def _own_draft(actor: Actor, report: Report) -> Report:
    if report.author_id != actor.id:
        raise PermissionDenied
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.DRAFT:
        raise ValidationError({"status": [_("This report is already sent: it can no longer be changed.")]})
    return locked


def report_update(
    *,
    actor: Actor,
    report: Report,
    answers: Mapping[str, Any] | None = None,
    recipients: Iterable[Any] | None = None,
    recipient_teams: Iterable[Any] | None = None,
    refresh_figures: bool = False,
) -> Report:
    """Edit one's own draft (answers, recipients); ``refresh_figures`` re-reads the period."""
    with transaction.atomic():
        obj = _own_draft(actor, report)
        errors: dict[str, list[str]] = {}
        given = _clean_answers(obj.template, answers, errors)
        if errors:
            raise ValidationError(errors)
        before = history.snapshot(obj)
        if answers is not None:
            obj.answers = {**(obj.answers or {}), **given}
        if refresh_figures:
            obj.figures = drafts.figures_for(obj.author, obj.period_start, obj.period_end)
        obj.save()
        if recipients is not None:
            obj.recipients.set(_people(recipients, obj.author))
        if recipient_teams is not None:
            obj.recipient_teams.set(list(recipient_teams))
        history.record_update(actor=actor.user, obj=obj, before=before)
    return obj


def default_recipients(author: Any) -> list[Any]:
    manager = getattr(author, "manager", None)
    return [manager] if manager is not None and manager.is_active and manager.pk != author.pk else []


def rule_due_at(author: Any, kind: str, start: datetime.date, end: datetime.date) -> datetime.datetime | None:
    """The earliest due time the author's active rules give this period, if any."""
    found = [periods.due_at(rule, author, start, end) for rule in rules_for(author, kind)]
    return min((d for d in found if d is not None), default=None)


def report_submit(
    *,
    actor: Actor,
    report: Report,
    recipients: Iterable[Any] | None = None,
    recipient_teams: Iterable[Any] | None = None,
) -> Report:
    """Send one's draft: required sections filled; the figures taken as they stand now; the
    author's manager always among the recipients; each recipient told."""
    from tandem.org.models import User

    with transaction.atomic():
        obj = _own_draft(actor, report)
        missing = missing_sections(obj.template, obj.answers or {})
        if missing:
            raise ValidationError(
                {"answers": [_("Fill in “%(section)s”.") % {"section": s["text"]} for s in missing]}
            )
        if recipients is not None:
            obj.recipients.set(_people(recipients, obj.author))
        if recipient_teams is not None:
            obj.recipient_teams.set(list(recipient_teams))
        for manager in default_recipients(obj.author):
            obj.recipients.add(manager)
        before = history.snapshot(obj)
        obj.status = ReportStatus.SUBMITTED
        obj.submitted_at = timezone.now()
        obj.figures = drafts.figures_for(obj.author, obj.period_start, obj.period_end)
        obj.due_at = rule_due_at(obj.author, obj.kind, obj.period_start, obj.period_end)
        obj.save()
        history.record_update(actor=actor.user, obj=obj, before=before)
        people = {p.pk: p for p in obj.recipients.filter(is_active=True)}
        team_ids = list(obj.recipient_teams.values_list("pk", flat=True))
        if team_ids:
            for person in User.objects.filter(is_active=True, memberships__team_id__in=team_ids).distinct()[
                :MAX_TEAM_NOTICES
            ]:
                people.setdefault(person.pk, person)
        people.pop(obj.author_id, None)
        author_name = str(obj.author)
        kind_label = ReportKind(obj.kind).label
        period = obj.period_label
        for person in people.values():
            notify.notify(
                recipient=person,
                kind="report.submitted",
                title=lambda: (
                    _("%(who)s sent their %(kind)s for %(period)s")
                    % {"who": author_name, "kind": str(kind_label), "period": period}
                ),
                url=obj.get_absolute_url(),
            )
        events.emit(
            "report.submitted",
            record=obj,
            actor=actor.user,
            kind=obj.kind,
            period_start=obj.period_start.isoformat(),
        )
    return obj


def may_withdraw(actor: Actor, report: Report, now: datetime.datetime | None = None) -> bool:
    return (
        report.author_id == actor.id
        and report.status == ReportStatus.SUBMITTED
        and report.submitted_at is not None
        and (now or timezone.now()) - report.submitted_at <= WITHDRAW_WITHIN
        and not report.reads.exclude(user_id=report.author_id).exists()
    )


def report_withdraw(*, actor: Actor, report: Report) -> Report:
    """Take a sent report back to a draft: within an hour and before anyone opened it."""
    with transaction.atomic():
        obj = Report.objects.select_for_update().get(pk=report.pk)
        if obj.author_id != actor.id:
            raise PermissionDenied
        if not may_withdraw(actor, obj):
            raise ValidationError(
                {
                    "status": [
                        _(
                            "A report can be withdrawn only within an hour of sending and before anyone reads it."
                        )
                    ]
                }
            )
        before = history.snapshot(obj)
        obj.status = ReportStatus.DRAFT
        obj.submitted_at = None
        obj.save()
        history.record_update(actor=actor.user, obj=obj, before=before)
        events.emit("report.withdrawn", record=obj, actor=actor.user)
    return obj


def report_delete(*, actor: Actor, report: Report) -> None:
    """Delete one's own draft (a sent report stays)."""
    with transaction.atomic():
        obj = _own_draft(actor, report)
        history.record(actor=actor.user, obj=obj, action="delete")
        obj.delete()


def report_mark_read(*, actor: Actor, report: Report) -> bool:
    """A read receipt the first time someone other than the author opens a sent report."""
    if actor.id is None or report.author_id == actor.id or report.status != ReportStatus.SUBMITTED:
        return False
    try:
        with transaction.atomic():
            _read, created = ReportRead.objects.get_or_create(report_id=report.pk, user_id=actor.id)
    except IntegrityError:
        return False
    return created


def report_like(*, actor: Actor, report: Report, like: bool = True) -> bool:
    """Like (or stop liking) a sent report; the author is told of a new like once."""
    if actor.id is None or report.status != ReportStatus.SUBMITTED:
        raise ValidationError({"status": [_("Only a sent report can be liked.")]})
    with transaction.atomic():
        if not like:
            ReportLike.objects.filter(report_id=report.pk, user_id=actor.id).delete()
            return False
        _like, created = ReportLike.objects.get_or_create(report_id=report.pk, user_id=actor.id)
        if created and report.author_id != actor.id:
            who = str(actor.user)
            period = report.period_label
            notify.notify(
                recipient=report.author,
                kind="report.liked",
                title=lambda: _("%(who)s likes your report for %(period)s") % {"who": who, "period": period},
                url=report.get_absolute_url(),
            )
    return True


# --- Templates -------------------------------------------------------------------------------


def clean_sections(raw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Sections as given (a list of dicts) checked: messages name the section by its position."""
    errors: list[str] = []
    out: list[dict[str, Any]] = []
    if not isinstance(raw, list) or not raw:
        return [], [_("Give at least one section.")]
    seen: set[str] = set()
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            errors.append(_("Section %(n)d: give a key and a title.") % {"n": n})
            continue
        key = str(item.get("key") or "").strip()
        title = str(item.get("title") or "").strip()
        kind = str(item.get("kind") or SectionKind.TEXT)
        if not KEY.match(key):
            errors.append(
                _("Section %(n)d: the key is lower-case letters, digits and _, starting with a letter.")
                % {"n": n}
            )
        elif key in seen:
            errors.append(_("Section %(n)d: the key “%(key)s” is used twice.") % {"n": n, "key": key})
        seen.add(key)
        if not title or len(title) > 200:
            errors.append(_("Section %(n)d: give a title (up to 200 characters).") % {"n": n})
        if kind not in SectionKind.values:
            errors.append(_("Section %(n)d: choose a kind.") % {"n": n})
        titles = item.get("titles") or {}
        if not isinstance(titles, Mapping):
            titles = {}
        section: dict[str, Any] = {
            "key": key,
            "title": title,
            "titles": {str(k): str(v)[:200] for k, v in titles.items() if v},
            "kind": kind,
            "required": bool(item.get("required")),
        }
        help_text = str(item.get("help") or "").strip()[:500]
        if help_text:
            section["help"] = help_text
        out.append(section)
    if len(out) > 20:
        errors.append(_("A template has at most 20 sections."))
    return out, errors


def template_save(
    *, actor: Actor, template: ReportTemplate | None, data: Mapping[str, Any]
) -> ReportTemplate:
    access.require_admin(actor)
    creating = template is None
    obj = template or ReportTemplate()
    before = {} if creating else history.snapshot(obj)
    errors: dict[str, list[str]] = {}
    if "name" in data or creating:
        obj.name = str(data.get("name") or "").strip()[:100]
        if not obj.name:
            errors["name"] = [_("This field is required.")]
    obj.names = naming.names_given(data, obj.names, errors)
    if "kind" in data or creating:
        if data.get("kind") not in ReportKind.values:
            errors["kind"] = [_("Choose daily, weekly or monthly.")]
        elif not creating and data["kind"] != obj.kind and obj.reports.exists():
            errors["kind"] = [_("Reports were written with this template: its kind stays.")]
        else:
            obj.kind = data["kind"]
    if "sections" in data or creating:
        sections, problems = clean_sections(data.get("sections"))
        if problems:
            errors["sections"] = problems
        obj.sections = sections
    if "is_active" in data:
        obj.is_active = bool(data["is_active"])
    if "is_default" in data:
        obj.is_default = bool(data["is_default"])
    if obj.is_default and not obj.is_active:
        errors["is_active"] = [_("The default template of a kind must be active.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if obj.is_default:
            ReportTemplate.objects.filter(kind=obj.kind, is_default=True).exclude(pk=obj.pk).update(
                is_default=False
            )
        obj.save()
        if creating:
            history.record_create(actor=actor.user, obj=obj)
        else:
            history.record_update(actor=actor.user, obj=obj, before=before)
    return obj


# --- Submission rules ------------------------------------------------------------------------


def rule_save(*, actor: Actor, rule: SubmissionRule | None, data: Mapping[str, Any]) -> SubmissionRule:
    access.require_admin(actor)
    creating = rule is None
    obj = rule or SubmissionRule()
    before = {} if creating else history.snapshot(obj)
    errors: dict[str, list[str]] = {}
    for name in (
        "kind",
        "team",
        "role",
        "person",
        "due_time",
        "working_days",
        "weekday",
        "remind_minutes_before",
        "is_active",
    ):
        if name in data:
            setattr(obj, name, data[name])
    if obj.kind not in ReportKind.values:
        errors["kind"] = [_("Choose daily, weekly or monthly.")]
    whom = [x for x in (obj.team_id, obj.role_id, obj.person_id) if x]
    if len(whom) != 1:
        errors["team"] = [_("Choose one: a team, a role or a person.")]
    if obj.due_time is None:
        errors["due_time"] = [_("This field is required.")]
    days = obj.working_days
    if not isinstance(days, list) or not days or any(not isinstance(d, int) or d < 0 or d > 6 for d in days):
        errors["working_days"] = [_("Choose at least one working day.")]
    else:
        obj.working_days = sorted(set(days))
    if obj.weekday is None or not 0 <= int(obj.weekday) <= 6:
        errors["weekday"] = [_("Choose a day of the week.")]
    if obj.remind_minutes_before is None or not 0 <= int(obj.remind_minutes_before) <= 24 * 60:
        errors["remind_minutes_before"] = [_("Between 0 and 1440 minutes.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        obj.save()
        if creating:
            history.record_create(actor=actor.user, obj=obj)
        else:
            history.record_update(actor=actor.user, obj=obj, before=before)
    return obj


def rule_delete(*, actor: Actor, rule: SubmissionRule) -> None:
    access.require_admin(actor)
    with transaction.atomic():
        history.record(actor=actor.user, obj=rule, action="delete")
        rule.delete()


def rule_people(rule: SubmissionRule) -> QuerySet[Any]:
    """The active people a rule covers: a team with its sub-teams, a role's holders, one person."""
    from tandem.org.models import Membership, Team, User

    people = User.objects.filter(is_active=True)
    if rule.person_id:
        return people.filter(pk=rule.person_id)
    if rule.role_id:
        return people.filter(roles=rule.role_id)
    if rule.team_id:
        path = Team.objects.filter(pk=rule.team_id).values("path")[:1]
        teams = Team.objects.filter(path__startswith=path, deleted_at__isnull=True).values("pk")
        members = Membership.objects.filter(team_id__in=teams).values("user_id")
        return people.filter(pk__in=members)
    return people.none()


def rules_for(person: Any, kind: str) -> list[SubmissionRule]:
    from tandem.org.models import Membership, Team

    mine = Membership.objects.filter(user_id=person.pk).values_list("team__path", flat=True)
    paths = list(mine)
    lineage = {int(p) for path in paths for p in path.strip("/").split("/") if p}
    q = Q(person_id=person.pk) | Q(role__in=person.roles.all())
    if lineage:
        q |= Q(team_id__in=Team.objects.filter(pk__in=sorted(lineage)).values("pk"))
    return list(SubmissionRule.objects.filter(q, kind=kind, is_active=True))


# --- Reminders -------------------------------------------------------------------------------


def _claim(person_id: int, kind: str, start: datetime.date, purpose: str, sent_by: Any = None) -> bool:
    """Write the claim row; False when someone (another run) already did."""
    try:
        with transaction.atomic():
            ReportReminder.objects.create(
                person_id=person_id, kind=kind, period_start=start, purpose=purpose, sent_by=sent_by
            )
    except IntegrityError:
        return False
    return True


def _tell_due(person: Any, kind: str, start: datetime.date, due: datetime.datetime | None) -> None:
    from django.urls import reverse

    label = ReportKind(kind).label
    day = start.isoformat()
    local = due.astimezone(periods.zone_of(person)).strftime("%H:%M") if due else ""
    notify.notify(
        recipient=person,
        kind="report.reminder",
        title=lambda: (
            _("Your %(kind)s for %(period)s is due at %(time)s")
            % {"kind": str(label), "period": day, "time": local}
        ),
        url=reverse("reports:write") + f"?kind={kind}&date={day}",
    )


def remind(*, actor: Actor, person: Any, kind: str, start: datetime.date) -> bool:
    """The manager's "remind" button on the missing reports: once per person, kind and period."""
    if person.pk not in reach_people_ids(actor, [person.pk]) or person.pk == actor.id:
        raise PermissionDenied
    if Report.objects.filter(
        author_id=person.pk, kind=kind, period_start=start, status=ReportStatus.SUBMITTED
    ).exists():
        return False
    if not _claim(person.pk, kind, start, ReminderPurpose.MANUAL, sent_by=actor.user):
        return False
    with transaction.atomic():
        _tell_due(person, kind, start, None)
    return True


def reach_people_ids(actor: Actor, candidates: Iterable[int] | None = None) -> set[int]:
    """The people whose reports' missing/late status the actor follows: their reports' scope
    (a manager: the teams below them; a director: everyone; anyone: themselves)."""
    from tandem.org.models import Membership, User

    scope = actor.scope_for("report", "view")
    if actor.id is None:
        return set()
    ids = {actor.id}
    if scope == access.ALL:
        qs = User.objects.filter(is_active=True)
        if candidates is not None:
            qs = qs.filter(pk__in=list(candidates))
        return set(qs.values_list("pk", flat=True))
    if scope in (access.TEAM, access.SUBTREE):
        team_ids = actor.team_ids if scope == access.TEAM else actor.subtree_team_ids
        qs = Membership.objects.filter(team_id__in=sorted(team_ids))
        if candidates is not None:
            qs = qs.filter(user_id__in=list(candidates))
        ids |= set(qs.values_list("user_id", flat=True))
    return ids


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Remind people before their report is due and tell managers after it is missed: each once
    per person, kind and period (a claim row, so two runs — or two workers — send one)."""
    now = now or timezone.now()
    sent = 0
    rules = list(SubmissionRule.objects.filter(is_active=True))
    handled: set[tuple[int, str]] = set()
    for rule in rules:
        people = list(rule_people(rule).select_related("manager"))
        if not people:
            continue
        by_period: dict[int, tuple[datetime.date, datetime.date, datetime.datetime | None]] = {}
        for person in people:
            start, end = periods.period_for(rule.kind, periods.today_for(person, now))
            by_period[person.pk] = (start, end, periods.due_at(rule, person, start, end))
        starts = {v[0] for v in by_period.values()}
        done = set(
            Report.objects.filter(
                author_id__in=list(by_period),
                kind=rule.kind,
                period_start__in=sorted(starts),
                status=ReportStatus.SUBMITTED,
            ).values_list("author_id", "period_start")
        )
        for person in people:
            if (person.pk, rule.kind) in handled:
                continue
            start, end, due = by_period[person.pk]
            if due is None or (person.pk, start) in done:
                continue
            handled.add((person.pk, rule.kind))
            remind_from = due - datetime.timedelta(minutes=rule.remind_minutes_before)
            if remind_from <= now < due and _claim(person.pk, rule.kind, start, ReminderPurpose.REMIND):
                with transaction.atomic():
                    _tell_due(person, rule.kind, start, due)
                sent += 1
            elif (
                now >= due
                and person.manager is not None
                and _claim(person.pk, rule.kind, start, ReminderPurpose.MISSING)
            ):
                with transaction.atomic():
                    _tell_missing(person, rule.kind, start)
                sent += 1
    return sent


def _tell_missing(person: Any, kind: str, start: datetime.date) -> None:
    from django.urls import reverse

    label = ReportKind(kind).label
    who = str(person)
    day = start.isoformat()
    notify.notify(
        recipient=person.manager,
        kind="report.missing",
        title=lambda: (
            _("%(who)s has not sent their %(kind)s for %(period)s")
            % {"who": who, "kind": str(label), "period": day}
        ),
        url=reverse("reports:missing") + f"?kind={kind}&date={day}",
    )
