"""Team meetings (例会): recurring team meetings with an agenda built beforehand, attendees,
minutes, decisions and action items that become tasks.

A ``MeetingSeries`` repeats by an RFC 5545 RRULE expanded in its own ``time_zone`` from
``first_starts_at`` (so 09:30 stays 09:30 across a DST change); a daily job keeps the next few
``Meeting`` rows of each active series (``slot`` — the occurrence's original start — is unique per
series, so running it twice creates nothing more). Every meeting owns one calendar ``Event``
(kind meeting) kept in step with it, so it shows on calendars, the iCalendar feed and workload.
An ``ActionItem`` *is* a task: its status is its ``Task``'s status.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.models import TimeStampedModel


class MeetingSeries(TimeStampedModel):
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="meeting_series"
    )
    title = models.CharField(_("title"), max_length=200)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="+"
    )
    # RFC 5545 RRULE without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=MO".
    recurrence = models.CharField(_("repeats"), max_length=200)
    first_starts_at = models.DateTimeField(_("first meeting"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    place = models.CharField(_("place"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["team", "active"], name="meetingseries_team")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:series-edit", args=[self.pk])


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("meeting status", "Planned")
    HELD = "held", pgettext_lazy("meeting status", "Held")
    CANCELLED = "cancelled", pgettext_lazy("meeting status", "Cancelled")


class Meeting(TimeStampedModel):
    series = models.ForeignKey(
        MeetingSeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    # The occurrence's original start in its series (stays when the meeting is moved).
    slot = models.DateTimeField(_("occurrence"), null=True, blank=True)
    team = models.ForeignKey("org.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    place = models.CharField(_("place"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField(pgettext_lazy("meeting", "minutes"), blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    event = models.OneToOneField(
        "schedule.Event",
        verbose_name=_("calendar event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), blank=True, related_name="meetings"
    )
    accounts = models.ManyToManyField(
        "customers.Account", verbose_name=_("accounts"), blank=True, related_name="meetings"
    )
    deals = models.ManyToManyField("deals.Deal", verbose_name=_("deals"), blank=True, related_name="meetings")
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="meeting_ends_after"
            ),
            models.UniqueConstraint(
                fields=["series", "slot"], name="meeting_slot_once", condition=Q(series__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["team", "starts_at", "id"], name="meeting_team"),
            models.Index(fields=["organizer", "starts_at", "id"], name="meeting_organizer"),
            models.Index(fields=["starts_at", "id"], name="meeting_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @property
    def is_planned(self) -> bool:
        return self.status == MeetingStatus.PLANNED


class RecordKind(models.TextChoices):
    ACCOUNT = "account", pgettext_lazy("record kind", "Account")
    DEAL = "deal", pgettext_lazy("record kind", "Deal")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presenter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    record_type = models.CharField(
        _("linked record type"), max_length=20, blank=True, choices=RecordKind.choices
    )
    record_id = models.BigIntegerField(_("linked record"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    # The "Review open action items" item a meeting of a series starts with.
    is_review = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    position = models.PositiveIntegerField(_("position"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    task = models.OneToOneField(
        "tasks.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="meeting_action_item"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.task.title if self.task_id else ""
