"""Writes on field visits: check in, check out, photo, note, and closing forgotten check-ins.

Every write is one transaction with its history. Checking out claims the open check-in with a
conditional update (``checked_out_at`` still empty), so a double tap, a retried request or the
job closing it at the same moment writes the follow-up once: whoever claims it writes it, the
other is told it is already closed (or skips it, for the job).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.activities.models import ActivityKind
from tandem.activities.services import activity_create
from tandem.core import access, events, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said
from tandem.customers.models import Account, Contact
from tandem.customers.services import primary_team_id
from tandem.deals.models import Deal
from tandem.schedule.models import Attendee, Event, EventKind, EventStatus

from . import photos
from .models import CheckIn

# A check-in still open this long after it began is closed by the job, if the person's midnight
# has not closed it first.
FORGOTTEN_AFTER = datetime.timedelta(hours=12)
CLOSE_BATCH = 500


# --- Input ----------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def clean_position(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Latitude, longitude and accuracy from ``data`` (all optional, but latitude and longitude
    together), rounded to the stored six decimals; field messages on what is wrong."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180), ("accuracy_m", 0, 100_000)):
        key = f"{prefix}{name}"
        try:
            number = _decimal(data.get(key))
        except ValueError:
            errors[key] = [_("Enter a number.")]
            continue
        if number is not None and not (low <= number <= high):
            errors[key] = [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
            continue
        values[name] = number
    if not errors and (values.get("latitude") is None) != (values.get("longitude") is None):
        errors[f"{prefix}longitude" if values.get("longitude") is None else f"{prefix}latitude"] = [
            _("Give both latitude and longitude, or neither.")
        ]
    if errors:
        raise ValidationError(errors)
    lat, lon, acc = values.get("latitude"), values.get("longitude"), values.get("accuracy_m")
    return {
        "latitude": None if lat is None else lat.quantize(Decimal("0.000001")),
        "longitude": None if lon is None else lon.quantize(Decimal("0.000001")),
        "accuracy_m": None if acc is None or lat is None else float(acc),
    }


def planned_visits(actor: Actor, day: datetime.date | None = None) -> list[Event]:
    """The person's visits on the calendar for ``day`` (today in their zone): those they organise
    or are invited to, not cancelled, in start order."""
    if actor.user is None:
        return []
    zone = _zone(actor.user)
    day = day or timezone.localdate(timezone=zone)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = start + datetime.timedelta(days=1)
    return list(
        my_visits(actor).filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "id")[:20]
    )


def my_visits(actor: Actor) -> Any:
    """Calendar visits the actor organises or is invited to (not cancelled or deleted)."""
    invited = Attendee.objects.filter(user_id=actor.id or 0).values("event_id")
    return Event.objects.filter(kind=EventKind.VISIT, deleted_at__isnull=True).exclude(
        status=EventStatus.CANCELLED
    ).filter(pk__in=invited) | Event.objects.filter(
        kind=EventKind.VISIT, deleted_at__isnull=True, organizer_id=actor.id
    ).exclude(status=EventStatus.CANCELLED)


def event_account(event: Event) -> Account | None:
    """The account a planned visit is linked to (directly, or through its deal or contact)."""
    if event.record_id is None:
        return None
    if event.record_type == "account":
        return Account.objects.filter(pk=event.record_id).first()
    if event.record_type == "deal":
        deal = Deal.objects.filter(pk=event.record_id).select_related("account").first()
        return deal.account if deal is not None else None
    if event.record_type == "contact":
        contact = Contact.objects.filter(pk=event.record_id).select_related("account").first()
        return contact.account if contact is not None else None
    return None


def _zone(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


# --- Check in -------------------------------------------------------------------------------


@transaction.atomic
def checkin_start(
    *,
    actor: Actor,
    account: Account | None,
    contact: Contact | None = None,
    deal: Deal | None = None,
    event: Event | None = None,
    position: Mapping[str, Any] | None = None,
    note: str = "",
    photo: Any = None,
    at: datetime.datetime | None = None,
) -> CheckIn:
    """Check the actor in at ``account`` (or the account of the planned visit ``event``).

    The account must be one the actor may log follow-ups on (checking out writes one); a contact
    or deal must be on that account and visible; the event must be a visit the actor organises
    or attends. A person has at most one open check-in: a second is refused."""
    access.require(actor, "create", "checkin")
    errors: dict[str, list[str]] = {}
    if event is not None:
        if not my_visits(actor).filter(pk=event.pk).exists():
            errors["event"] = [_("Choose one of your planned visits.")]
        elif account is None:
            account = event_account(event)
    if account is None:
        errors.setdefault("account", [_("Choose the account you are visiting.")])
    else:
        try:
            access.require_linkable(actor, "account", account, field="account")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if account is not None and "account" not in errors:
        if contact is not None and (
            contact.account_id != account.pk or not access.can(actor, "view", "contact", contact)
        ):
            errors["contact"] = [_("Choose a contact of this account.")]
        if deal is not None and (
            deal.account_id != account.pk or not access.can(actor, "view", "deal", deal)
        ):
            errors["deal"] = [_("Choose a deal of this account.")]
    try:
        where = clean_position(position or {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
        where = {}
    photo_type = ""
    if photo is not None:
        try:
            photo_type = photos.check(photo)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if (
        actor.user is not None
        and CheckIn.objects.filter(user_id=actor.id or 0, checked_out_at__isnull=True).exists()
    ):
        errors["__all__"] = [_("You are already checked in elsewhere: check out of that visit first.")]
    if errors:
        raise ValidationError(errors)
    assert account is not None
    checkin = CheckIn(
        user=actor.user,
        team_id=primary_team_id(actor.user),
        account=account,
        contact=contact,
        deal=deal,
        event=event,
        checked_in_at=at or timezone.now(),
        in_latitude=where.get("latitude"),
        in_longitude=where.get("longitude"),
        in_accuracy_m=where.get("accuracy_m"),
        note=(note or "").strip(),
    )
    if photo is not None:
        _attach(checkin, photo, photo_type)
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError:
        # Another request opened one in the meantime (the partial unique constraint).
        raise ValidationError(
            {"__all__": [_("You are already checked in elsewhere: check out of that visit first.")]}
        ) from None
    history.record_create(actor=actor.user, obj=checkin)
    return checkin


def _attach(checkin: CheckIn, photo: Any, photo_type: str) -> None:
    ext = photos.TYPES[photo_type][0]
    checkin.photo.save(f"photo.{ext}", photo, save=False)
    checkin.photo_type = photo_type


# --- Check out ------------------------------------------------------------------------------


def _own(actor: Actor, checkin: CheckIn) -> None:
    """Only the person who checked in changes their check-in (after seeing it: 404 otherwise)."""
    access.require(actor, "view", "checkin", checkin)
    if checkin.user_id != actor.id:
        raise PermissionDenied(_("Only the person who checked in can change this visit."))


@transaction.atomic
def checkin_finish(
    *,
    actor: Actor,
    checkin: CheckIn,
    position: Mapping[str, Any] | None = None,
    note: str | None = None,
    at: datetime.datetime | None = None,
) -> CheckIn:
    """Check out: the time and place, then the follow-up record on the account (once)."""
    _own(actor, checkin)
    where = clean_position(position or {})
    now = at or timezone.now()
    if now < checkin.checked_in_at:
        now = checkin.checked_in_at
    fields: dict[str, Any] = {
        "checked_out_at": now,
        "out_latitude": where["latitude"],
        "out_longitude": where["longitude"],
        "out_accuracy_m": where["accuracy_m"],
        "updated_at": timezone.now(),
    }
    if note is not None:
        fields["note"] = note.strip()
    claimed = CheckIn.objects.filter(pk=checkin.pk, checked_out_at__isnull=True).update(**fields)
    if claimed != 1:
        raise ValidationError({"__all__": [_("This visit is already checked out.")]})
    before = history.snapshot(checkin)
    checkin.refresh_from_db()
    _complete(actor, checkin)
    history.record_update(actor=actor.user, obj=checkin, before=before)
    return checkin


def _clock(value: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    local = value.astimezone(zone)
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def follow_up_text(checkin: CheckIn) -> tuple[str, str]:
    """The follow-up's content, in the person's language and zone: their note, then the times."""
    user = checkin.user
    zone = _zone(user)
    assert checkin.checked_out_at is not None
    with translation.override(getattr(user, "language", "") or "en"):
        minutes = checkin.duration_minutes or 0
        if checkin.not_checked_out:
            times = _("Checked in at %(in)s; not checked out (closed at %(out)s).") % {
                "in": _clock(checkin.checked_in_at, zone),
                "out": _clock(checkin.checked_out_at, zone),
            }
        else:
            times = _("Checked in at %(in)s, out at %(out)s (%(minutes)s min).") % {
                "in": _clock(checkin.checked_in_at, zone),
                "out": _clock(checkin.checked_out_at, zone),
                "minutes": minutes,
            }
        distance = checkin.distance_m
        if distance is not None:
            times += " " + _("%(metres)s m between the check-in and check-out points.") % {"metres": distance}
        subject = _("Field visit: %(account)s") % {"account": checkin.account.name}
    body = "\n\n".join(part for part in (checkin.note.strip(), times) if part)
    return subject, body


def _complete(actor: Actor, checkin: CheckIn) -> None:
    """Write the follow-up (with its usual side effects), tell the manager, emit the event."""
    subject, body = follow_up_text(checkin)
    try:
        with transaction.atomic():
            activity = activity_create(
                actor=actor,
                data={
                    "kind": ActivityKind.VISIT,
                    "subject": subject,
                    "content": body,
                    "occurred_at": checkin.checked_in_at,
                    "account": checkin.account,
                    "contact": checkin.contact,
                    "deal": checkin.deal,
                },
            )
    except (ValidationError, PermissionDenied):
        # The person lost the right to the account (or the contact or deal) since checking in:
        # the visit is closed all the same, without a follow-up they may no longer write.
        activity = None
    if activity is not None:
        CheckIn.objects.filter(pk=checkin.pk).update(activity=activity)
        checkin.activity = activity
    user = checkin.user
    manager = getattr(user, "manager", None)
    if manager is not None and manager.pk != user.pk:
        who, where, minutes = str(user), checkin.account.name, checkin.duration_minutes or 0
        late = checkin.not_checked_out
        notify.notify(
            recipient=manager,
            kind="checkin.completed",
            title=lambda: (
                (
                    _("%(who)s did not check out of the visit to %(account)s")
                    if late
                    else _("%(who)s visited %(account)s (%(minutes)s min)")
                )
                % {"who": who, "account": where, "minutes": minutes}
            ),
            body=checkin.note,
            url=checkin.get_absolute_url(),
        )
    events.emit(
        "checkin.completed",
        record=checkin,
        actor=actor.user,
        checkin=checkin.pk,
        user=checkin.user_id,
        account=checkin.account_id,
        activity=checkin.activity_id,
        checked_in_at=checkin.checked_in_at.isoformat(),
        checked_out_at=checkin.checked_out_at.isoformat() if checkin.checked_out_at else None,
        not_checked_out=checkin.not_checked_out,
    )


# --- Photo and note -------------------------------------------------------------------------


@transaction.atomic
def checkin_set_photo(*, actor: Actor, checkin: CheckIn, photo: Any) -> CheckIn:
    """Add or replace the visit's photo; the previous file is deleted once this commits."""
    _own(actor, checkin)
    photo_type = photos.check(photo)
    old = checkin.photo.name if checkin.photo else ""
    _attach(checkin, photo, photo_type)
    checkin.save(update_fields=["photo", "photo_type", "updated_at"])
    history.record(
        actor=actor.user, obj=checkin, action=HistoryAction.UPDATE, message=Said(gettext_noop("Photo added"))
    )
    if old:
        storage = checkin.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return checkin


@transaction.atomic
def checkin_update(*, actor: Actor, checkin: CheckIn, data: Mapping[str, Any]) -> CheckIn:
    """Edit the note (the follow-up already written keeps its own text: edit that there)."""
    _own(actor, checkin)
    before = history.snapshot(checkin)
    if "note" in data:
        checkin.note = (data.get("note") or "").strip()
    checkin.save(update_fields=["note", "updated_at"])
    history.record_update(actor=actor.user, obj=checkin, before=before)
    return checkin


# --- Forgotten check-outs -------------------------------------------------------------------


def close_deadline(checkin: CheckIn) -> datetime.datetime:
    """When an open check-in counts as forgotten: the next midnight in the person's zone after it
    began, or 12 hours after, whichever comes first."""
    zone = _zone(checkin.user)
    local = checkin.checked_in_at.astimezone(zone)
    midnight = datetime.datetime.combine(
        local.date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return min(midnight.astimezone(datetime.UTC), checkin.checked_in_at + FORGOTTEN_AFTER)


def checkins_close_forgotten(*, now: datetime.datetime | None = None) -> int:
    """Close the check-ins left open past their deadline as "not checked out", writing each one's
    follow-up once. A check-in is claimed by a conditional update, so overlapping runs (or the
    person checking out at the same moment) close it once. Returns how many this run closed."""
    now = now or timezone.now()
    done = 0
    last = 0
    while True:
        # Open check-ins are one per person at most, so this reads few rows; each is checked
        # against its own person's midnight.
        batch = list(
            CheckIn.objects.filter(checked_out_at__isnull=True, checked_in_at__lt=now, pk__gt=last)
            .select_related("user__manager", "account", "contact", "deal")
            .order_by("pk")[:CLOSE_BATCH]
        )
        if not batch:
            return done
        last = batch[-1].pk
        for checkin in batch:
            deadline = close_deadline(checkin)
            if deadline > now:
                continue
            if _close_one(checkin, deadline):
                done += 1


@transaction.atomic
def _close_one(checkin: CheckIn, deadline: datetime.datetime) -> bool:
    claimed = CheckIn.objects.filter(pk=checkin.pk, checked_out_at__isnull=True).update(
        checked_out_at=deadline, not_checked_out=True, updated_at=timezone.now()
    )
    if claimed != 1:
        return False
    checkin.checked_out_at = deadline
    checkin.not_checked_out = True
    actor = Actor.for_user(checkin.user)
    _complete(actor, checkin)
    history.record(
        actor=None,
        obj=checkin,
        action=HistoryAction.EVENT,
        message=Said(gettext_noop("Not checked out: closed automatically")),
    )
    return True
