"""Follow-up records (跟进记录): calls, visits, emails, meetings, messages and notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.models import SoftDeleteModel, TimeStampedModel

ALIVE = Q(deleted_at__isnull=True)


class ActivityKind(models.TextChoices):
    # In context: "Email" here is a kind of follow-up (邮件), elsewhere an address (邮箱); the apps'
    # catalogues are merged, so one msgid has one translation everywhere.
    CALL = "call", pgettext_lazy("follow-up kind", "Call")
    VISIT = "visit", pgettext_lazy("follow-up kind", "Visit")
    EMAIL = "email", pgettext_lazy("follow-up kind", "Email")
    MEETING = "meeting", pgettext_lazy("follow-up kind", "Meeting")
    MESSAGE = "message", pgettext_lazy("follow-up kind", "Message")
    NOTE = "note", pgettext_lazy("follow-up kind", "Note")


class Activity(SoftDeleteModel, TimeStampedModel):
    """A follow-up on an account, contact, lead or deal (one or more of them)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.CALL)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    content = models.TextField(_("content"), blank=True)
    occurred_at = models.DateTimeField(_("when"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("follow-up author", "by"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="activity_account", condition=ALIVE),
            models.Index(fields=["deal", "-occurred_at", "-id"], name="activity_deal", condition=ALIVE),
            models.Index(fields=["contact", "-occurred_at", "-id"], name="activity_contact", condition=ALIVE),
            models.Index(fields=["lead", "-occurred_at", "-id"], name="activity_lead", condition=ALIVE),
            models.Index(fields=["author", "-occurred_at", "-id"], name="activity_author", condition=ALIVE),
            models.Index(fields=["team", "-occurred_at", "-id"], name="activity_team", condition=ALIVE),
            # The list page's sort by author, read one person at a time (core.listing.GroupWalk).
            models.Index(fields=["author", "id"], name="activity_by_author", condition=ALIVE),
        ]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()


class FollowUpReminder(models.Model):
    """A reminder sent: the follow-up of one record due on one day, to its owner.

    Unique per record and due day, so overlapping runs and several workers send it once: a run
    inserts its rows skipping those already there and notifies only for the rows it inserted
    (``run`` says which). Kept a week (``services.REMINDER_LOG_DAYS``).
    """

    record_type = models.CharField(_("record type"), max_length=20)
    record_id = models.BigIntegerField(_("record"))
    due_on = models.DateField(_("due on"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.CASCADE, related_name="+"
    )
    run = models.UUIDField(_("run"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up reminder")
        verbose_name_plural = _("follow-up reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "due_on"], name="followupreminder_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["due_on"], name="followupreminder_due_on")]

    def __str__(self) -> str:
        return f"{self.record_type} #{self.record_id} {self.due_on}"
