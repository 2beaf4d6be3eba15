"""Writes on team meetings: series and their planning job, one-off meetings, reschedule and cancel
(the calendar event follows), agenda, minutes, decisions, action items (tasks) and "held".

Every write is one transaction with its history, events and notifications. Access is checked
here: seeing a meeting (``access.visible``) lets a person add to a planned meeting's agenda;
everything else needs ``policies.may_manage`` (its organizer, or a scope beyond their own).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil import rrule
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core import access, events, history, notify
from tandem.core.access import Actor
from tandem.customers.models import Account
from tandem.deals.models import Deal
from tandem.org.models import Membership, Team, User
from tandem.schedule import services as schedule_services
from tandem.schedule.models import Attendee, Event, EventKind, EventStatus
from tandem.tasks import services as task_services
from tandem.tasks.models import OPEN_STATUSES

from . import policies
from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries, MeetingStatus, RecordKind

AHEAD = 4  # upcoming meetings kept per active series
MAX_MINUTES = 24 * 60
REVIEW_TITLE = gettext_lazy("Review open action items")
ALLOWED_FREQS = {rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY}


# --- Helpers ----------------------------------------------------------------------------------


def _zone(name: str, field: str = "time_zone") -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({field: [_("Choose a valid time zone.")]}) from None


def clean_recurrence(text: str) -> str:
    """An RRULE the series can repeat by (no DTSTART), or a ValidationError on ``recurrence``."""
    text = (text or "").strip().removeprefix("RRULE:")
    if not text:
        raise ValidationError({"recurrence": [_("Say how the meeting repeats.")]})
    try:
        rule = rrule.rrulestr(text, dtstart=datetime.datetime(2020, 1, 1))
    except (ValueError, TypeError):
        raise ValidationError(
            {"recurrence": [_("This is not a repeat rule (RRULE) Tandem understands.")]}
        ) from None
    if not isinstance(rule, rrule.rrule) or rule._freq not in ALLOWED_FREQS or "DTSTART" in text.upper():
        raise ValidationError({"recurrence": [_("A meeting repeats daily, weekly, monthly or yearly.")]})
    return text[:200]


def weekly_rule(weekday: int, interval: int = 1) -> str:
    """The RRULE of the series form's picker: every ``interval`` weeks on ``weekday`` (0 Monday)."""
    day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[weekday]
    return f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={day}" if interval > 1 else f"FREQ=WEEKLY;BYDAY={day}"


def slots(series: MeetingSeries, *, after: datetime.datetime, count: int) -> list[datetime.datetime]:
    """The series' next ``count`` starts after ``after`` (UTC), expanded in the series' own zone:
    wall-clock time stays put across daylight-saving changes."""
    zone = zoneinfo.ZoneInfo(series.time_zone)
    first_local = series.first_starts_at.astimezone(zone).replace(tzinfo=None)
    rule = rrule.rrulestr(series.recurrence, dtstart=first_local)
    after_local = after.astimezone(zone).replace(tzinfo=None)
    found: list[datetime.datetime] = []
    candidate = after_local
    # ``after`` is exclusive; every start ≥ the first one.
    current = rule.after(candidate, inc=False) if candidate >= first_local else first_local
    while current is not None and len(found) < count:
        found.append(current.replace(tzinfo=zone).astimezone(datetime.UTC))
        current = rule.after(current, inc=False)
    return found


def _team_members(team: Team) -> list[User]:
    return list(
        User.objects.filter(memberships__team=team, is_active=True).order_by("display_name", "id").distinct()
    )


def primary_team_id(user: User) -> int | None:
    return Membership.objects.filter(user=user, is_primary=True).values_list("team_id", flat=True).first()


def _require_team(actor: Actor, team: Team | None) -> Team:
    """A team the actor may hold meetings for: one of theirs, or one their scope on meetings reaches."""
    if team is None:
        raise ValidationError({"team": [_("This field is required.")]})
    scope = actor.scope_for("meeting", "create")
    if scope is None:
        raise PermissionDenied
    allowed = (
        scope == access.ALL
        or team.pk in actor.team_ids
        or (scope == access.SUBTREE and team.pk in actor.subtree_team_ids)
    )
    if not allowed:
        raise ValidationError({"team": [_("Select a valid choice.")]})
    return team


def _visible_records(actor: Actor, model: Any, resource: str, items: Iterable[Any], field: str) -> list[Any]:
    wanted = {getattr(i, "pk", i) for i in items}
    if not wanted:
        return []
    found = list(access.visible(actor, resource, model.objects.all()).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({field: [_("Select a valid choice.")]})
    return found


def _clean_times(starts_at: Any, ends_at: Any) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(starts_at, datetime.datetime):
        errors["starts_at"] = [_("This field is required.")]
    if not isinstance(ends_at, datetime.datetime):
        errors["ends_at"] = [_("This field is required.")]
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        # The calendar's range (year 59 in Shanghai's local mean time has an offset of seconds,
        # which no client parses back).
        if (
            name not in errors
            and not schedule_services.EARLIEST
            <= value.astimezone(datetime.UTC).date()
            <= schedule_services.LATEST
        ):
            errors[name] = [
                _("Enter a date between %(earliest)s and %(latest)s.")
                % {
                    "earliest": schedule_services.EARLIEST.isoformat(),
                    "latest": schedule_services.LATEST.isoformat(),
                }
            ]
    if not errors and ends_at <= starts_at:
        errors["ends_at"] = [_("The meeting must end after it starts.")]
    elif not errors and ends_at - starts_at > datetime.timedelta(minutes=MAX_MINUTES):
        errors["ends_at"] = [_("A meeting lasts at most a day.")]
    if errors:
        raise ValidationError(errors)


def _clean_title(title: Any) -> str:
    text = str(title or "").strip()
    if not text:
        raise ValidationError({"title": [_("This field is required.")]})
    return text[:200]


def _require_manage(actor: Actor, meeting: Meeting) -> None:
    if not policies.may_manage(actor, meeting):
        raise PermissionDenied


def _require_open(meeting: Meeting) -> None:
    """Minutes, decisions and action items may still be written after the meeting was held."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting is cancelled."))


def _require_planned(meeting: Meeting) -> None:
    """Its time, attendees and agenda change only before it is held."""
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The agenda of a meeting that was held or cancelled is closed."))


# --- The calendar event ----------------------------------------------------------------------


def _sync_event(meeting: Meeting, *, bump: bool) -> Event:
    """Create or update the meeting's calendar event (kind meeting), its attendees the meeting's."""
    status = EventStatus.CANCELLED if meeting.status == MeetingStatus.CANCELLED else EventStatus.CONFIRMED
    values = {
        "title": meeting.title,
        "kind": EventKind.MEETING,
        "organizer_id": meeting.organizer_id,
        "team_id": meeting.team_id,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "time_zone": meeting.time_zone,
        "place": meeting.place,
        "status": status,
        "record_type": "meeting",
        "record_id": meeting.pk,
    }
    event = meeting.event
    if event is None:
        event = Event.objects.create(**values)
        meeting.event = event
        Meeting.objects.filter(pk=meeting.pk).update(event=event)
    else:
        changed = [k for k, v in values.items() if getattr(event, k) != v]
        if changed or bump:
            for key in changed:
                setattr(event, key, values[key])
            event.sequence += 1
            event.save(update_fields=[*changed, "sequence", "updated_at"])
    wanted = set(meeting.attendees.values_list("id", flat=True))
    have = set(Attendee.objects.filter(event=event, user__isnull=False).values_list("user_id", flat=True))
    if wanted - have:
        Attendee.objects.bulk_create([Attendee(event=event, user_id=uid) for uid in sorted(wanted - have)])
    if have - wanted:
        Attendee.objects.filter(event=event, user_id__in=sorted(have - wanted)).delete()
    return event


# --- Creating meetings ------------------------------------------------------------------------


def _new_meeting(
    *,
    actor_user: User | None,
    team: Team,
    title: str,
    organizer: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
    place: str,
    attendees: Sequence[User] | None,
    series: MeetingSeries | None = None,
    slot: datetime.datetime | None = None,
    accounts: Sequence[Account] = (),
    deals: Sequence[Deal] = (),
) -> Meeting:
    previous = None
    if series is not None:
        previous = Meeting.objects.filter(series=series, slot__lt=slot).order_by("-slot", "-id").first()
    meeting = Meeting.objects.create(
        series=series,
        slot=slot,
        team=team,
        title=title,
        organizer=organizer,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        place=place,
        previous=previous,
    )
    people = list(attendees) if attendees is not None else _team_members(team)
    if organizer.pk not in {p.pk for p in people}:
        people.append(organizer)
    meeting.attendees.set(people)
    if accounts:
        meeting.accounts.set(accounts)
    if deals:
        meeting.deals.set(deals)
    if previous is not None:
        AgendaItem.objects.create(
            meeting=meeting, author=organizer, title=str(REVIEW_TITLE), position=0, is_review=True
        )
    _sync_event(meeting, bump=False)
    history.record_create(actor=actor_user, obj=meeting)
    return meeting


@transaction.atomic
def meeting_create(
    *,
    actor: Actor,
    team: Team | None,
    title: str,
    starts_at: Any,
    ends_at: Any,
    time_zone: str = "",
    place: str = "",
    attendees: Sequence[User | int] | None = None,
    accounts: Sequence[Account | int] = (),
    deals: Sequence[Deal | int] = (),
) -> Meeting:
    """A one-off meeting (a deal review, say); attendees default to the team's members."""
    access.require(actor, "create", "meeting")
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: _require_team(actor, team),
        lambda: _clean_title(title),
        lambda: _clean_times(starts_at, ends_at),
        lambda: _zone(time_zone or actor.user.time_zone),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert team is not None
    found_accounts = _visible_records(actor, Account, "account", accounts, "accounts")
    found_deals = _visible_records(actor, Deal, "deal", deals, "deals")
    people = _clean_attendees(team, attendees) if attendees is not None else None
    meeting = _new_meeting(
        actor_user=actor.user,
        team=team,
        title=_clean_title(title),
        organizer=actor.user,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone or actor.user.time_zone,
        place=(place or "")[:255],
        attendees=people,
        accounts=found_accounts,
        deals=found_deals,
    )
    events.emit("meeting.scheduled", record=meeting, actor=actor.user, meeting=meeting.pk)
    return meeting


def _clean_attendees(team: Team, people: Sequence[Any]) -> list[User]:
    ids = {getattr(p, "pk", p) for p in people}
    found = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(ids):
        raise ValidationError({"attendees": [_("Select a valid choice.")]})
    return found


@transaction.atomic
def series_create(
    *,
    actor: Actor,
    team: Team | None,
    title: str,
    recurrence: str,
    first_starts_at: Any,
    duration_minutes: int,
    time_zone: str = "",
    place: str = "",
    now: datetime.datetime | None = None,
) -> MeetingSeries:
    """A recurring team meeting: the series and its next ``AHEAD`` meetings, each on the calendar."""
    access.require(actor, "create", "meeting")
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    rule = ""
    try:
        _require_team(actor, team)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _clean_title(title)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        rule = clean_recurrence(recurrence)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(first_starts_at, datetime.datetime):
        errors["first_starts_at"] = [_("This field is required.")]
    if not isinstance(duration_minutes, int) or not 5 <= duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [_("A meeting lasts from 5 minutes to a day.")]
    zone_name = time_zone or actor.user.time_zone
    try:
        _zone(zone_name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert team is not None
    series = MeetingSeries.objects.create(
        team=team,
        title=_clean_title(title),
        organizer=actor.user,
        recurrence=rule,
        first_starts_at=first_starts_at,
        duration_minutes=duration_minutes,
        time_zone=zone_name,
        place=(place or "")[:255],
    )
    history.record_create(actor=actor.user, obj=series)
    plan_series(series, now=now)
    return series


@transaction.atomic
def series_update(
    *,
    actor: Actor,
    series: MeetingSeries,
    title: str | None = None,
    place: str | None = None,
    active: bool | None = None,
) -> MeetingSeries:
    """Rename, move or pause a series; upcoming planned meetings take the new title and place."""
    if series.organizer_id != actor.id and not (
        actor.scope_for("meeting", "edit") in (access.TEAM, access.SUBTREE, access.ALL)
        and _require_team_quiet(actor, series.team)
    ):
        raise PermissionDenied
    before = history.snapshot(series)
    if title is not None:
        series.title = _clean_title(title)
    if place is not None:
        series.place = place[:255]
    if active is not None:
        series.active = active
    series.save()
    history.record_update(actor=actor.user, obj=series, before=before)
    upcoming = Meeting.objects.filter(
        series=series, status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()
    ).select_related("event")
    for meeting in upcoming:
        if not series.active:
            _cancel(meeting)
            continue
        meeting.title, meeting.place = series.title, series.place
        meeting.save(update_fields=["title", "place", "updated_at"])
        _sync_event(meeting, bump=False)
    if series.active:
        plan_series(series)
    return series


def _require_team_quiet(actor: Actor, team: Team) -> bool:
    try:
        _require_team(actor, team)
    except (ValidationError, PermissionDenied):
        return False
    return True


def plan_series(series: MeetingSeries, *, now: datetime.datetime | None = None) -> int:
    """Keep ``AHEAD`` meetings of the series ahead of ``now``; returns how many were created.
    Idempotent: a slot already planned (even moved or cancelled since) is never planned again."""
    if not series.active:
        return 0
    now = now or timezone.now()
    wanted = slots(series, after=now, count=AHEAD)
    if not wanted:
        return 0
    have = set(Meeting.objects.filter(series=series, slot__in=wanted).values_list("slot", flat=True))
    created = 0
    organizer = series.organizer
    for slot in wanted:
        if slot in have:
            continue
        try:
            with transaction.atomic():
                _new_meeting(
                    actor_user=None,
                    team=series.team,
                    title=series.title,
                    organizer=organizer,
                    starts_at=slot,
                    ends_at=slot + datetime.timedelta(minutes=series.duration_minutes),
                    time_zone=series.time_zone,
                    place=series.place,
                    attendees=None,
                    series=series,
                    slot=slot,
                )
        except IntegrityError:
            continue  # planned meanwhile by another run
        created += 1
    return created


def plan_all_series(now: datetime.datetime | None = None) -> int:
    created = 0
    for series in MeetingSeries.objects.filter(active=True).select_related("organizer", "team"):
        created += plan_series(series, now=now)
    return created


# --- Changing a meeting -----------------------------------------------------------------------


@transaction.atomic
def meeting_update(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str | None = None,
    starts_at: Any = None,
    ends_at: Any = None,
    place: str | None = None,
    attendees: Sequence[User | int] | None = None,
    accounts: Sequence[Account | int] | None = None,
    deals: Sequence[Deal | int] | None = None,
) -> Meeting:
    """Edit or reschedule; the calendar event follows with a higher sequence."""
    _require_manage(actor, meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be changed."))
    before = history.snapshot(meeting)
    if title is not None:
        meeting.title = _clean_title(title)
    new_start = starts_at if starts_at is not None else meeting.starts_at
    new_end = ends_at if ends_at is not None else meeting.ends_at
    if starts_at is not None and ends_at is None:
        new_end = new_start + (meeting.ends_at - meeting.starts_at)
    _clean_times(new_start, new_end)
    meeting.starts_at, meeting.ends_at = new_start, new_end
    if place is not None:
        meeting.place = place[:255]
    if accounts is not None:
        meeting.accounts.set(_visible_records(actor, Account, "account", accounts, "accounts"))
    if deals is not None:
        meeting.deals.set(_visible_records(actor, Deal, "deal", deals, "deals"))
    if attendees is not None:
        people = _clean_attendees(meeting.team, attendees)
        if meeting.organizer_id not in {p.pk for p in people}:
            people.append(meeting.organizer)
        meeting.attendees.set(people)
    meeting.save()
    _sync_event(meeting, bump=False)
    history.record_update(actor=actor.user, obj=meeting, before=before)
    return meeting


def _cancel(meeting: Meeting) -> None:
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    _sync_event(meeting, bump=False)


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting: Meeting) -> Meeting:
    _require_manage(actor, meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."))
    before = history.snapshot(meeting)
    _cancel(meeting)
    history.record_update(actor=actor.user, obj=meeting, before=before)
    events.emit("meeting.cancelled", record=meeting, actor=actor.user, meeting=meeting.pk)
    return meeting


@transaction.atomic
def minutes_write(*, actor: Actor, meeting: Meeting, minutes: str) -> Meeting:
    _require_manage(actor, meeting)
    _require_open(meeting)
    meeting.minutes = (minutes or "")[:50_000]
    meeting.save(update_fields=["minutes", "updated_at"])
    return meeting


def _summary(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def meeting_mark_held(*, actor: Actor, meeting: Meeting, minutes: str | None = None) -> Meeting:
    """The meeting took place: attendees get the minutes' summary (topic "meeting.minutes")."""
    _require_manage(actor, meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be marked held."))
    before = history.snapshot(meeting)
    if minutes is not None:
        meeting.minutes = minutes[:50_000]
    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    meeting.save(update_fields=["minutes", "status", "held_at", "updated_at"])
    history.record_update(actor=actor.user, obj=meeting, before=before)
    decisions = list(meeting.decisions.values_list("text", flat=True))
    body = _summary(meeting.minutes)
    if decisions:
        body = (body + "\n" if body else "") + "\n".join(f"• {_summary(d, 120)}" for d in decisions[:5])
    name, url = meeting.title, meeting.get_absolute_url()
    for person in meeting.attendees.filter(is_active=True).exclude(pk=actor.id or 0):
        notify.notify(
            recipient=person,
            kind="meeting.minutes",
            title=lambda: _("Minutes of “%(name)s”") % {"name": name},
            body=body,
            url=url,
        )
    events.emit(
        "meeting.held", record=meeting, actor=actor.user, meeting=meeting.pk, decisions=len(decisions)
    )
    return meeting


# --- Agenda -----------------------------------------------------------------------------------


def _record_for(actor: Actor, record_type: str, record_id: Any) -> tuple[str, int | None]:
    if not record_type and not record_id:
        return "", None
    if record_type not in RecordKind.values or not record_id:
        raise ValidationError({"record_id": [_("Select a valid choice.")]})
    model = Deal if record_type == RecordKind.DEAL else Account
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise ValidationError({"record_id": [_("Select a valid choice.")]}) from None
    if not access.visible(actor, record_type, model.objects.all()).filter(pk=pk).exists():
        raise ValidationError({"record_id": [_("Select a valid choice.")]})
    return record_type, pk


@transaction.atomic
def agenda_add(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    notes: str = "",
    presenter: User | None = None,
    record_type: str = "",
    record_id: Any = None,
) -> AgendaItem:
    """Anyone who sees a planned meeting may add to its agenda."""
    if not access.can(actor, "view", "meeting", meeting):
        raise PermissionDenied
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The agenda of a meeting that was held or cancelled is closed."))
    errors: dict[str, list[str]] = {}
    clean_title = ""
    try:
        clean_title = _clean_title(title)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    kind, pk = "", None
    try:
        kind, pk = _record_for(actor, record_type, record_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if presenter is not None and not meeting.attendees.filter(pk=presenter.pk).exists():
        errors["presenter"] = [_("The presenter must be one of the attendees.")]
    if errors:
        raise ValidationError(errors)
    last = meeting.agenda_items.aggregate(m=Max("position"))["m"]
    assert actor.user is not None
    item = AgendaItem.objects.create(
        meeting=meeting,
        author=actor.user,
        title=clean_title,
        notes=(notes or "")[:5000],
        presenter=presenter,
        record_type=kind,
        record_id=pk,
        position=(last + 1) if last is not None else 0,
    )
    if kind == RecordKind.DEAL and pk is not None:
        meeting.deals.add(pk)
    elif kind == RecordKind.ACCOUNT and pk is not None:
        meeting.accounts.add(pk)
    return item


def _may_change_item(actor: Actor, item: AgendaItem) -> bool:
    return item.author_id == actor.id or policies.may_manage(actor, item.meeting)


@transaction.atomic
def agenda_update(
    *,
    actor: Actor,
    item: AgendaItem,
    title: str | None = None,
    notes: str | None = None,
    done: bool | None = None,
) -> AgendaItem:
    if not _may_change_item(actor, item):
        raise PermissionDenied
    _require_planned(item.meeting)
    if title is not None:
        item.title = _clean_title(title)
    if notes is not None:
        item.notes = notes[:5000]
    if done is not None:
        item.done = done
    item.save()
    return item


@transaction.atomic
def agenda_remove(*, actor: Actor, item: AgendaItem) -> None:
    if not _may_change_item(actor, item):
        raise PermissionDenied
    if item.meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The agenda of a meeting that was held or cancelled is closed."))
    item.delete()


@transaction.atomic
def agenda_reorder(*, actor: Actor, meeting: Meeting, ids: Sequence[int]) -> list[AgendaItem]:
    """Put the agenda in the order of ``ids`` (every item of the meeting, once)."""
    _require_manage(actor, meeting)
    _require_planned(meeting)
    items = {i.pk: i for i in meeting.agenda_items.all()}
    if sorted(ids) != sorted(items) or len(set(ids)) != len(ids):
        raise ValidationError({"order": [_("Give every agenda item of the meeting once.")]})
    for position, pk in enumerate(ids):
        items[pk].position = position
    AgendaItem.objects.bulk_update(items.values(), ["position"])
    return [items[pk] for pk in ids]


# --- Decisions --------------------------------------------------------------------------------


@transaction.atomic
def decision_add(*, actor: Actor, meeting: Meeting, text: str) -> Decision:
    _require_manage(actor, meeting)
    _require_open(meeting)
    body = (text or "").strip()
    if not body:
        raise ValidationError({"text": [_("This field is required.")]})
    last = meeting.decisions.aggregate(m=Max("position"))["m"]
    assert actor.user is not None
    return Decision.objects.create(
        meeting=meeting,
        text=body[:5000],
        created_by=actor.user,
        position=(last + 1) if last is not None else 0,
    )


@transaction.atomic
def decision_remove(*, actor: Actor, decision: Decision) -> None:
    _require_manage(actor, decision.meeting)
    decision.delete()


# --- Action items (tasks) ---------------------------------------------------------------------


def end_of_day(day: datetime.date, zone_name: str) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(zone_name)
    return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone).astimezone(datetime.UTC)


@transaction.atomic
def action_item_add(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    owner: User | None,
    due_at: datetime.datetime | None = None,
    due_on: datetime.date | None = None,
) -> ActionItem:
    """An action item is a task: assigned to ``owner`` (an attendee), due ``due_at`` (or the end
    of ``due_on`` in the owner's zone), linked to the meeting. The owner is told."""
    _require_manage(actor, meeting)
    _require_open(meeting)
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    clean_title = ""
    try:
        clean_title = _clean_title(title)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if owner is None:
        errors["owner"] = [_("This field is required.")]
    elif not owner.is_active or not meeting.attendees.filter(pk=owner.pk).exists():
        errors["owner"] = [_("The owner must be one of the attendees.")]
    if due_at is not None and due_on is not None:
        errors["due_on"] = [_("Give a due date or a due time, not both.")]
    if errors:
        raise ValidationError(errors)
    assert owner is not None
    all_day = due_at is None and due_on is not None
    if all_day:
        assert due_on is not None
        due_at = end_of_day(due_on, owner.time_zone or meeting.time_zone)
    # Through the tasks app's own service: reminders, events, history and the owner's "assigned"
    # notification are those of any task; the meeting's rule (above) is who may add one.
    task = task_services.task_create(
        actor=actor,
        data={
            "title": clean_title,
            "description": _("Action item from the meeting “%(name)s”.") % {"name": meeting.title},
            "assignee": owner,
            "due_at": due_at,
            "all_day": all_day,
        },
        record=meeting,
        notify_assignee=False,
    )
    item = ActionItem.objects.create(meeting=meeting, task=task)
    if owner.pk != actor.id:
        name, who, url = meeting.title, actor.user.display_name, meeting.get_absolute_url()
        notify.notify(
            recipient=owner,
            kind="meeting.action_item",
            title=lambda: _("%(who)s gave you an action item from “%(name)s”") % {"who": who, "name": name},
            body=clean_title,
            url=url,
        )
    return item


def may_complete(actor: Actor, item: ActionItem) -> bool:
    return item.task.assignee_id == actor.id or policies.may_manage(actor, item.meeting)


@transaction.atomic
def action_item_set_status(*, actor: Actor, item: ActionItem, status: str) -> ActionItem:
    if not may_complete(actor, item):
        raise PermissionDenied
    task_services.task_set_status(actor=actor, task=item.task, status=status, allowed=True)
    item.task.refresh_from_db()
    return item


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class CarryOver:
    source: Meeting | None
    items: list[ActionItem]


def carry_over(meeting: Meeting) -> CarryOver:
    """The open action items of the last meeting held before this one (cancelled ones skipped)."""
    source = meeting.previous
    hops = 0
    while source is not None and source.status == MeetingStatus.CANCELLED and hops < 20:
        source = source.previous
        hops += 1
    if source is None:
        return CarryOver(None, [])
    items = list(
        ActionItem.objects.filter(
            meeting=source, task__status__in=OPEN_STATUSES, task__deleted_at__isnull=True
        )
        .select_related("task", "task__assignee")
        .order_by("task__due_at", "id")
    )
    return CarryOver(source, items)


def visible_meetings(actor: Actor) -> QuerySet[Meeting]:
    return access.visible(actor, "meeting", Meeting.objects.all())
