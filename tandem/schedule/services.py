"""Writes on calendar events: create, edit (the whole series or one occurrence), move, cancel,
delete, invitations and answers, feeds and capacities.

Every write is one transaction with its history entry and bus event; every change a calendar
client must pick up bumps ``sequence``. A cancelled event stays (status cancelled) so feeds can
tell clients; one occurrence of a series changed or cancelled is an exception row (``series`` +
``original_start``). Editing is the organizer's, or a manager's whose edit scope reaches the
event's team; an invited person may only answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tandem.core import access, events, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said

from . import recurrence
from .models import Attendee, CalendarFeed, Event, EventKind, EventStatus, Response, WorkCapacity

# Calendar dates: from the epoch (older instants carry local mean time offsets clients reject).
EARLIEST = datetime.date(1970, 1, 1)
LATEST = datetime.date(2100, 12, 31)

EDITABLE = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "all_day",
    "time_zone",
    "place",
    "recurrence",
    "team",
    "record_type",
    "record_id",
)
MAX_ATTENDEES = 200


# --- Who may do what --------------------------------------------------------------------------


def may_edit(actor: Actor, event: Event) -> bool:
    """The organizer, or someone whose edit scope on "event" reaches the event's team (an invited
    person sees the event but only answers the invitation).

    A team meeting's event is the meeting's to keep in step (``meetings.services``): it is moved,
    changed and cancelled from the meeting's page, never from the calendar, so the two never
    disagree."""
    if actor.id is None or event.record_type == "meeting":
        return False
    if event.organizer_id == actor.id:
        return actor.has("event", "edit")
    scope = actor.scope_for("event", "edit")
    if scope == access.ALL:
        return True
    if scope in (access.TEAM, access.SUBTREE) and event.team_id is not None:
        teams = actor.team_ids if scope == access.TEAM else actor.subtree_team_ids
        return event.team_id in teams
    return False


def _require_edit(actor: Actor, event: Event) -> None:
    if not may_edit(actor, event):
        raise PermissionDenied


def linked_record(actor: Actor, record_type: str, record_id: Any) -> Any:
    """The business record an event links to, when the actor may see it; else a field error."""
    from tandem.discussions.registry import KINDS

    if not record_type and record_id in (None, ""):
        return None
    kind = KINDS.get(record_type or "")
    if kind is None:
        raise ValidationError({"record_type": [gettext_noop("Choose a kind of record.")]})
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise ValidationError({"record_id": [gettext_noop("Select a valid choice.")]}) from None
    found = kind.visible(actor, kind.model._default_manager.filter(pk=pk)).first()
    if found is None:
        raise ValidationError({"record_id": [gettext_noop("Select a valid choice.")]})
    return found


def record_of(event: Event) -> Any:
    from tandem.discussions.registry import KINDS

    kind = KINDS.get(event.record_type or "")
    if kind is None or event.record_id is None:
        return None
    return kind.model._default_manager.filter(pk=event.record_id).first()


# --- Validation ---------------------------------------------------------------------------------


def _messages(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    from django.utils.translation import gettext

    return {k: [gettext(m) for m in v] for k, v in errors.items()}


def _clean(actor: Actor, event: Event, values: Mapping[str, Any]) -> None:
    """Apply ``values`` to ``event`` after checking them; a ValidationError with every field's message."""
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        if key in ("record_type", "record_id"):
            continue
        setattr(event, key, value)
    event.title = (event.title or "").strip()
    if not event.title:
        errors["title"] = [gettext_noop("This field is required.")]
    if event.kind not in EventKind.values:
        errors["kind"] = [gettext_noop("Choose a kind of event.")]
    try:
        tz = recurrence.zone(event.time_zone)
    except ValidationError:
        errors["time_zone"] = [gettext_noop("Unknown time zone.")]
        tz = None
    if event.starts_at is None:
        errors["starts_at"] = [gettext_noop("This field is required.")]
    if event.ends_at is None:
        errors["ends_at"] = [gettext_noop("This field is required.")]
    for name in ("starts_at", "ends_at"):
        value = getattr(event, name)
        if value is not None and not EARLIEST <= value.astimezone(datetime.UTC).date() <= LATEST:
            errors[name] = [
                gettext("Enter a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}
            ]
    if event.starts_at and event.ends_at and tz is not None and not errors:
        if event.all_day:
            # All-day events cover whole days in the event's zone: midnight to midnight.
            first = event.starts_at.astimezone(tz).date()
            last = event.ends_at.astimezone(tz).date()
            if (
                event.ends_at.astimezone(tz).timetz().replace(tzinfo=None) == datetime.time(0)
                and last > first
            ):
                last -= datetime.timedelta(days=1)
            last = max(first, last)
            event.starts_at = datetime.datetime.combine(first, datetime.time(0), tzinfo=tz)
            event.ends_at = datetime.datetime.combine(
                last + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz
            )
        if event.ends_at < event.starts_at:
            errors["ends_at"] = [gettext_noop("The end must not be before the start.")]
        elif event.ends_at - event.starts_at > datetime.timedelta(days=31):
            errors["ends_at"] = [gettext_noop("An event lasts at most 31 days.")]
    event.recurrence = recurrence.normalise(event.recurrence or "")
    if event.series_id is not None:
        event.recurrence = ""
    event.recurrence_ends_at = None
    if event.recurrence and not errors:
        try:
            event.recurrence_ends_at = recurrence.series_end(
                event.recurrence, event.starts_at, event.ends_at, event.time_zone
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "record_type" in values or "record_id" in values:
        try:
            record = linked_record(actor, values.get("record_type", ""), values.get("record_id"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            event.record_type = values.get("record_type", "") if record is not None else ""
            event.record_id = record.pk if record is not None else None
    team = values.get("team", event.team if event.team_id else None)
    if (
        team is not None
        and "team" in values
        and not actor.is_admin
        and team.pk not in actor.team_ids
        and team.pk not in actor.subtree_team_ids
    ):
        errors["team"] = [gettext_noop("Choose one of your teams.")]
    if errors:
        raise ValidationError(_messages(errors))


def _default_team(user: Any) -> Any:
    membership = (
        user.memberships.filter(team__deleted_at__isnull=True)
        .select_related("team")
        .order_by("-is_primary", "team_id")
        .first()
    )
    return membership.team if membership else None


def _clean_attendees(
    actor: Actor, users: Iterable[Any] | None, contacts: Iterable[Any] | None
) -> tuple[list[Any], list[Any]]:
    from tandem.customers.models import Contact

    errors: dict[str, list[str]] = {}
    people = list(dict.fromkeys(u for u in users or [] if u is not None))
    if any(not getattr(u, "is_active", False) for u in people):
        errors["attendees"] = [gettext_noop("Invite active people only.")]
    wanted = list(dict.fromkeys(c.pk if hasattr(c, "pk") else int(c) for c in contacts or []))
    found: list[Any] = []
    if wanted:
        found = list(access.visible(actor, "contact", Contact.objects.filter(pk__in=wanted)))
        if len(found) != len(wanted):
            errors["contacts"] = [gettext_noop("Select a valid choice.")]
    if len(people) + len(found) > MAX_ATTENDEES:
        errors["attendees"] = [gettext_noop("An event has at most 200 attendees.")]
    if errors:
        raise ValidationError(_messages(errors))
    return people, found


def _when(event: Event, start: datetime.datetime | None = None) -> str:
    tz = recurrence.zone(event.time_zone)
    value = (start or event.starts_at).astimezone(tz)
    return (
        value.strftime("%Y-%m-%d") if event.all_day else value.strftime("%Y-%m-%d %H:%M ") + event.time_zone
    )


def _notify_people(people: Iterable[Any], *, kind: str, title: Said, event: Event, skip: Any = None) -> None:
    url = event.get_absolute_url()
    for person in people:
        if person is None or (skip is not None and person.pk == skip):
            continue
        notify.notify(recipient=person, kind=kind, title=title, url=url)


def _attendee_users(event: Event) -> list[Any]:
    return [a.user for a in event.attendees.select_related("user").filter(user__isnull=False)]


def _sync_attendees(actor: Actor, event: Event, people: list[Any], contacts: list[Any]) -> list[Any]:
    """Make the attendee rows match; answer the newly invited people."""
    current_users = set(event.attendees.filter(user__isnull=False).values_list("user_id", flat=True))
    current_contacts = set(event.attendees.filter(contact__isnull=False).values_list("contact_id", flat=True))
    wanted_users = {u.pk for u in people}
    wanted_contacts = {c.pk for c in contacts}
    event.attendees.filter(user_id__in=current_users - wanted_users).delete()
    event.attendees.filter(contact_id__in=current_contacts - wanted_contacts).delete()
    added = [u for u in people if u.pk not in current_users]
    rows = [
        Attendee(
            event=event,
            user=u,
            response=Response.ACCEPTED if u.pk == event.organizer_id else Response.NEEDS_ACTION,
            responded_at=timezone.now() if u.pk == event.organizer_id else None,
        )
        for u in added
    ]
    rows += [Attendee(event=event, contact=c) for c in contacts if c.pk not in current_contacts]
    Attendee.objects.bulk_create(rows)
    return added


def _invite(event: Event, people: Iterable[Any], actor: Actor) -> None:
    _notify_people(
        people,
        kind="event.invited",
        title=Said(
            gettext_noop("%(name)s invites you to %(title)s on %(when)s"),
            name=str(actor.user),
            title=event.title,
            when=_when(event),
        ),
        event=event,
        skip=event.organizer_id,
    )


# --- Create, edit, move, cancel, delete ----------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    attendees: Iterable[Any] | None = None,
    contacts: Iterable[Any] | None = None,
    organizer: Any = None,
) -> Event:
    """A new event organised by the actor (or by someone the actor may plan for: a manager's
    team member); the invited people are told."""
    access.require(actor, "create", "event")
    organizer = organizer or actor.user
    if organizer.pk != actor.id and organizer.pk not in set(
        access.people_in_scope(actor, "event", "edit").values_list("pk", flat=True)
    ):
        raise ValidationError({"organizer": [gettext("Select a valid choice.")]})
    event = Event(organizer=organizer, time_zone=getattr(organizer, "time_zone", "") or "Asia/Shanghai")
    values = {k: data[k] for k in EDITABLE if k in data}
    if "team" not in values:
        values["team"] = _default_team(organizer)
        event.team = values.pop("team")
    _clean(actor, event, values)
    people, found = _clean_attendees(actor, attendees, contacts)
    event.save()
    added = _sync_attendees(actor, event, people, found)
    history.record_create(actor=actor.user, obj=event)
    events.emit("event.created", record=event, actor=actor.user)
    _invite(event, added, actor)
    return event


@transaction.atomic
def event_update(
    *,
    actor: Actor,
    event: Event,
    data: Mapping[str, Any],
    attendees: Iterable[Any] | None = None,
    contacts: Iterable[Any] | None = None,
) -> Event:
    """Edit an event (a whole series when it repeats). Attendees are replaced when given."""
    _require_edit(actor, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    before = history.snapshot(event)
    values = {k: data[k] for k in EDITABLE if k in data}
    _clean(actor, event, values)
    added: list[Any] = []
    changed = history.diff(event, before)
    if attendees is not None or contacts is not None:
        if attendees is None:
            attendees = [a.user for a in event.attendees.select_related("user") if a.user_id]
        if contacts is None:
            contacts = [a.contact for a in event.attendees.select_related("contact") if a.contact_id]
        people, found = _clean_attendees(actor, attendees, contacts)
        event.save()
        added = _sync_attendees(actor, event, people, found)
    if changed or added:
        event.sequence += 1
    event.save()
    history.record_update(actor=actor.user, obj=event, before=before)
    if changed:
        events.emit("event.changed", record=event, actor=actor.user, fields=sorted(changed))
        _changed(event, actor, exclude=[u.pk for u in added])
    _invite(event, added, actor)
    return event


def _changed(event: Event, actor: Actor, *, exclude: list[int] | None = None, start: Any = None) -> None:
    people = [u for u in _attendee_users(event) if u.pk not in (exclude or [])]
    if event.organizer_id != actor.id:
        people.append(event.organizer)
    _notify_people(
        people,
        kind="event.changed",
        title=Said(
            gettext_noop("%(title)s changed: now %(when)s"), title=event.title, when=_when(event, start)
        ),
        event=event,
        skip=actor.id,
    )


@transaction.atomic
def occurrence_update(
    *, actor: Actor, series: Event, original_start: datetime.datetime, data: Mapping[str, Any]
) -> Event:
    """Change one occurrence of a series: its exception row is created (or edited) with the
    occurrence's original start; the rest of the series stays."""
    _require_edit(actor, series)
    if not series.recurrence:
        raise ValidationError({"occurrence": [gettext("This event does not repeat.")]})
    exception = Event.all_objects.filter(series=series, original_start=original_start).first()
    if exception is None:
        if not recurrence.is_occurrence(
            series.recurrence, series.starts_at, series.time_zone, original_start
        ):
            raise ValidationError({"occurrence": [gettext("No occurrence starts then.")]})
        length = series.ends_at - series.starts_at
        exception = Event(
            series=series,
            original_start=original_start,
            title=series.title,
            description=series.description,
            kind=series.kind,
            organizer_id=series.organizer_id,
            team_id=series.team_id,
            starts_at=original_start,
            ends_at=original_start + length,
            all_day=series.all_day,
            time_zone=series.time_zone,
            place=series.place,
            record_type=series.record_type,
            record_id=series.record_id,
            sequence=series.sequence,
        )
        before: dict[str, Any] = {}
        creating = True
    else:
        exception.deleted_at = None
        before = history.snapshot(exception)
        creating = False
    values = {k: data[k] for k in EDITABLE if k in data and k not in ("recurrence", "team")}
    if "status" in data:
        exception.status = data["status"]
    _clean(actor, exception, values)
    exception.sequence += 1
    exception.save()
    if creating:
        Attendee.objects.bulk_create(
            [
                Attendee(
                    event=exception,
                    user_id=a.user_id,
                    contact_id=a.contact_id,
                    response=a.response,
                    responded_at=a.responded_at,
                )
                for a in series.attendees.all()
            ]
        )
        history.record(
            actor=actor.user,
            obj=series,
            action=HistoryAction.UPDATE,
            message=Said(
                gettext_noop("One occurrence changed: %(when)s"), when=_when(series, original_start)
            ),
        )
    else:
        history.record_update(actor=actor.user, obj=exception, before=before)
    code = "event.cancelled" if exception.status == EventStatus.CANCELLED else "event.changed"
    events.emit(code, record=exception, actor=actor.user, occurrence=original_start.isoformat())
    if exception.status == EventStatus.CANCELLED:
        _cancelled(exception, actor)
    else:
        _changed(exception, actor)
    return exception


@transaction.atomic
def event_move(
    *,
    actor: Actor,
    event: Event,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    all_day: bool | None = None,
    occurrence: datetime.datetime | None = None,
) -> Event:
    """Drag to reschedule: a single event, an exception, or one occurrence of a series (it becomes
    an exception). Without an end the event keeps its length."""
    length = event.ends_at - event.starts_at
    data: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at or starts_at + length}
    if all_day is not None:
        data["all_day"] = all_day
    if event.recurrence and occurrence is not None:
        return occurrence_update(actor=actor, series=event, original_start=occurrence, data=data)
    if event.recurrence and occurrence is None and event.starts_at != starts_at:
        # Dragging the first occurrence of a series moves that occurrence only.
        return occurrence_update(actor=actor, series=event, original_start=event.starts_at, data=data)
    return event_update(actor=actor, event=event, data=data)


def _cancelled(event: Event, actor: Actor) -> None:
    people = _attendee_users(event)
    if event.organizer_id != actor.id:
        people.append(event.organizer)
    _notify_people(
        people,
        kind="event.changed",
        title=Said(gettext_noop("%(title)s on %(when)s is cancelled"), title=event.title, when=_when(event)),
        event=event,
        skip=actor.id,
    )


@transaction.atomic
def event_cancel(*, actor: Actor, event: Event, occurrence: datetime.datetime | None = None) -> Event:
    """Cancel an event (the whole series), or one occurrence of a series. It stays, cancelled."""
    _require_edit(actor, event)
    if occurrence is not None and event.recurrence:
        return occurrence_update(
            actor=actor, series=event, original_start=occurrence, data={"status": EventStatus.CANCELLED}
        )
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == EventStatus.CANCELLED:
        return event
    before = history.snapshot(event)
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence", "updated_at"])
    history.record_update(actor=actor.user, obj=event, before=before)
    events.emit("event.cancelled", record=event, actor=actor.user)
    _cancelled(event, actor)
    return event


@transaction.atomic
def event_delete(*, actor: Actor, event: Event) -> None:
    """Remove an event (and a series' exceptions). Attendees were told if it was not cancelled."""
    allowed = event.organizer_id == actor.id and actor.has("event", "delete")
    if not (may_edit(actor, event) and (allowed or access.can(actor, "delete", "event", event))):
        raise PermissionDenied
    now = timezone.now()
    if event.status != EventStatus.CANCELLED:
        _cancelled(event, actor)
    Event.objects.filter(pk=event.pk).update(deleted_at=now, deleted_by=actor.user, updated_at=now)
    Event.objects.filter(series=event).update(deleted_at=now, deleted_by=actor.user, updated_at=now)
    history.record(actor=actor.user, obj=event, action=HistoryAction.DELETE)
    events.emit("event.cancelled", record=event, actor=actor.user, deleted=True)


# --- Invitations ----------------------------------------------------------------------------------


@transaction.atomic
def event_respond(*, actor: Actor, event: Event, response: str) -> Attendee:
    """Accept, decline or answer maybe to an invitation (for a series: every occurrence)."""
    if response not in (Response.ACCEPTED, Response.DECLINED, Response.TENTATIVE):
        raise ValidationError({"response": [gettext("Answer accepted, declined or tentative.")]})
    attendee = (
        Attendee.objects.select_for_update().filter(event=event, user_id=actor.id).first()
        if actor.id is not None
        else None
    )
    if attendee is None:
        raise ValidationError({"response": [gettext("You are not invited to this event.")]})
    if attendee.response == response:
        return attendee
    attendee.response = response
    attendee.responded_at = timezone.now()
    attendee.save(update_fields=["response", "responded_at"])
    history.record(
        actor=actor.user,
        obj=event,
        action=HistoryAction.EVENT,
        message=Said(
            gettext_noop("%(name)s answered: %(response)s"),
            name=str(actor.user),
            response=str(Response(response).label),
        ),
    )
    labels = {
        Response.ACCEPTED: gettext_noop("%(name)s accepted %(title)s"),
        Response.DECLINED: gettext_noop("%(name)s declined %(title)s"),
        Response.TENTATIVE: gettext_noop("%(name)s may attend %(title)s"),
    }
    if event.organizer_id != actor.id:
        notify.notify(
            recipient=event.organizer,
            kind="event.response",
            title=Said(labels[Response(response)], name=str(actor.user), title=event.title),
            url=event.get_absolute_url(),
        )
    return attendee


# --- Feeds and capacities -----------------------------------------------------------------------


def live_feed(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def feed_regenerate(*, actor: Actor) -> CalendarFeed:
    """A new secret feed URL for the actor; the old one stops working."""
    user = actor.user
    if user is None:
        raise PermissionDenied
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    feed = CalendarFeed.objects.create(user=user)
    history.record(
        actor=user, obj=user, action=HistoryAction.EVENT, message=Said(gettext_noop("Calendar feed issued"))
    )
    return feed


@transaction.atomic
def feed_revoke(*, actor: Actor) -> int:
    user = actor.user
    if user is None:
        raise PermissionDenied
    n: int = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if n:
        history.record(
            actor=user,
            obj=user,
            action=HistoryAction.EVENT,
            message=Said(gettext_noop("Calendar feed revoked")),
        )
    return n


def may_set_capacity(actor: Actor, user: Any) -> bool:
    if actor.is_admin:
        return True
    if actor.id == getattr(user, "pk", None):
        return False
    return access.can(actor, "edit", "user", user) or bool(
        actor.scope_for("event", "edit") in (access.TEAM, access.SUBTREE, access.ALL)
        and user.memberships.filter(team_id__in=sorted(actor.subtree_team_ids)).exists()
    )


@transaction.atomic
def capacity_set(*, actor: Actor, user: Any, hours_per_week: int, visits_per_week: int) -> WorkCapacity:
    """A manager (or an administrator) sets how much one of their people can take on in a week."""
    if not may_set_capacity(actor, user):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not isinstance(hours_per_week, int) or not 0 <= hours_per_week <= 100:
        errors["hours_per_week"] = [gettext("Give a number of hours from 0 to 100.")]
    if not isinstance(visits_per_week, int) or not 0 <= visits_per_week <= 100:
        errors["visits_per_week"] = [gettext("Give a number from 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    capacity, _created = WorkCapacity.objects.get_or_create(user=user)
    before = history.snapshot(capacity)
    capacity.hours_per_week = hours_per_week
    capacity.visits_per_week = visits_per_week
    capacity.save()
    history.record_update(actor=actor.user, obj=capacity, before=before)
    return capacity
