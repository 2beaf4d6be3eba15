"""Calendar events (日程): customer visits, meetings, calls, training, team-building and others.

An event has an organizer (its owner for the access policy), attendees (people and customer
contacts, each with a response), a place, one optional linked business record (``record_type`` /
``record_id`` as on tasks) and an optional RFC 5545 RRULE (``recurrence``, expanded in the
event's ``time_zone``). One occurrence of a series moved or cancelled is an event of its own
pointing at the series (``series``) with the occurrence's original start (``original_start``,
iCalendar's RECURRENCE-ID). ``uid`` is stable for calendar clients and ``sequence`` grows with
every change they must pick up.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.models import SoftDeleteModel, TimeStampedModel

ALIVE = Q(deleted_at__isnull=True)


class EventKind(models.TextChoices):
    VISIT = "visit", pgettext_lazy("event kind", "Customer visit")
    MEETING = "meeting", pgettext_lazy("event kind", "Meeting")
    CALL = "call", pgettext_lazy("event kind", "Call")
    TRAINING = "training", pgettext_lazy("event kind", "Training")
    TEAM_BUILDING = "team_building", pgettext_lazy("event kind", "Team-building")
    OTHER = "other", pgettext_lazy("event kind", "Other")


class EventStatus(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("event status", "Confirmed")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


class Event(SoftDeleteModel, TimeStampedModel):
    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices, default=EventKind.MEETING)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.CONFIRMED
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    all_day = models.BooleanField(_("all day"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    place = models.CharField(_("place"), max_length=255, blank=True)
    record_type = models.CharField(_("linked record type"), max_length=20, blank=True)
    record_id = models.BigIntegerField(_("linked record"), null=True, blank=True)
    recurrence = models.CharField(_("repeats"), max_length=200, blank=True)
    # The series' last possible end (None: repeats for ever): lets a range query skip ended series.
    recurrence_ends_at = models.DateTimeField(_("repeats until"), null=True, blank=True)
    series = models.ForeignKey(
        "self",
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    original_start = models.DateTimeField(_("original start"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["series", "original_start"],
                name="event_exception_once",
                condition=Q(series__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["organizer", "starts_at"], name="event_organizer", condition=ALIVE),
            models.Index(fields=["team", "starts_at"], name="event_team", condition=ALIVE),
            models.Index(fields=["starts_at", "ends_at"], name="event_range", condition=ALIVE),
            models.Index(fields=["record_type", "record_id"], name="event_record", condition=ALIVE),
            models.Index(
                fields=["recurrence_ends_at"], name="event_series", condition=ALIVE & ~Q(recurrence="")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("schedule:event-detail", args=[self.pk])


class Response(models.TextChoices):
    NEEDS_ACTION = "needs_action", pgettext_lazy("invitation response", "Not answered")
    ACCEPTED = "accepted", pgettext_lazy("invitation response", "Accepted")
    DECLINED = "declined", pgettext_lazy("invitation response", "Declined")
    TENTATIVE = "tentative", pgettext_lazy("invitation response", "Maybe")


class Attendee(models.Model):
    """A person (``user``) or a customer contact (``contact``) invited to an event."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="attendees"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_invitations",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_invitations",
    )
    response = models.CharField(
        _("response"), max_length=12, choices=Response.choices, default=Response.NEEDS_ACTION
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, contact__isnull=True)
                | Q(user__isnull=True, contact__isnull=False),
                name="attendee_person_or_contact",
            ),
            models.UniqueConstraint(
                fields=["event", "user"], name="attendee_user_once", condition=Q(user__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["event", "contact"], name="attendee_contact_once", condition=Q(contact__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["user", "event"], name="attendee_user")]

    def __str__(self) -> str:
        return str(self.user or self.contact)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's iCalendar subscription: a secret URL that needs no login, until revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], name="calendarfeed_one_live", condition=Q(revoked_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} feed"


class WorkCapacity(models.Model):
    """How much a person can take on in a week; people without a row use the defaults in settings."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="work_capacity",
    )
    hours_per_week = models.PositiveIntegerField(_("hours per week"), default=40)
    visits_per_week = models.PositiveIntegerField(_("visits per week"), default=10)

    class Meta:
        verbose_name = _("work capacity")
        verbose_name_plural = _("work capacities")

    def __str__(self) -> str:
        return f"{self.user}: {self.hours_per_week} h"


class EventReminder(models.Model):
    """The claim that one person was reminded of one occurrence: written before the reminder is
    sent, unique, so a job run twice (or two workers) sends it once."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="reminders"
    )
    occurrence_start = models.DateTimeField(_("occurrence"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event reminder")
        verbose_name_plural = _("event reminders")
        constraints = [
            models.UniqueConstraint(fields=["event", "occurrence_start", "user"], name="event_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.occurrence_start} {self.user_id}"
