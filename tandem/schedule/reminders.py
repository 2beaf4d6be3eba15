"""Event reminders: ``REMINDER_LEAD`` before an occurrence starts, its organizer and the people
who accepted are told, once per occurrence and person.

The claim is a unique ``EventReminder`` row (event, occurrence start, person) inserted in its own
savepoint before the notification: a second run, or a second worker at the same moment, fails
the insert and sends nothing. Runs every minute (``CELERY_BEAT_SCHEDULE``); an occurrence is
picked up by any run from ``REMINDER_LEAD`` before its start until it starts, so a missed run
still reminds in time. All-day events and cancelled ones are not reminded.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from tandem.core import notify
from tandem.core.naming import Said

from . import recurrence
from .models import Event, EventReminder, EventStatus, Response
from .selectors import expand

REMINDER_LEAD = datetime.timedelta(minutes=15)
KEEP = datetime.timedelta(days=7)


def _claim(event: Event, start: datetime.datetime, user_id: int) -> bool:
    try:
        with transaction.atomic():
            EventReminder.objects.create(event=event, occurrence_start=start, user_id=user_id)
    except IntegrityError:
        return False
    return True


def send_due(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    base = (
        Event.objects.exclude(status=EventStatus.CANCELLED).filter(all_day=False).select_related("organizer")
    )
    sent = 0
    for item in expand(base, now, now + REMINDER_LEAD, include_cancelled=False):
        event = item.event
        if event is None or item.start < now or item.start >= now + REMINDER_LEAD:
            continue
        people: dict[int, Any] = {event.organizer_id: event.organizer}
        for attendee in event.attendees.all():
            if attendee.user_id and attendee.response == Response.ACCEPTED:
                people[attendee.user_id] = attendee.user
        tz = recurrence.zone(event.time_zone)
        for user_id, person in people.items():
            if person is None or not person.is_active or not _claim(event, item.start, user_id):
                continue
            notify.notify(
                recipient=person,
                kind="event.reminder",
                title=Said(
                    gettext_noop("%(title)s starts at %(time)s"),
                    title=event.title,
                    time=item.start.astimezone(tz).strftime("%H:%M"),
                ),
                body=event.place,
                url=item.url,
            )
            sent += 1
    EventReminder.objects.filter(occurrence_start__lt=now - KEEP).delete()
    return sent
