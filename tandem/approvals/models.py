"""Approval flows (审批流): what they guard, their steps, and the requests they hold.

A *guard* (``guards.py``) is a kind of change an app declares as approvable ("deal.discount",
"deal.stage"). An ``ApprovalFlow`` says which of those changes need a decision (its conditions)
and by whom (its ``ApprovalStep`` rows, in order). A change a flow matches is not applied: an
``ApprovalRequest`` holds it as JSON until the last step approves it (decision 0035).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core import naming
from tandem.core.models import TimeStampedModel


class ApprovalFlow(naming.NamedInLanguages, TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    guard = models.CharField(_("guarded change"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower runs first; the first flow that matches decides.")
    )
    # Conditions: empty means "any".
    min_amount = models.DecimalField(
        _("amount at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_discount = models.DecimalField(
        _("discount at least (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team (with its sub-teams)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pipeline = models.ForeignKey(
        "deals.Pipeline",
        verbose_name=_("pipeline"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stages = models.ManyToManyField("deals.Stage", verbose_name=_("stages"), blank=True, related_name="+")
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind after (hours)"), default=24, help_text=_("0: no reminders.")
    )

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["guard", "is_active", "priority"], name="approvalflow_guard")]

    def __str__(self) -> str:
        return self.name


class ApproverKind(models.TextChoices):
    PERSON = "person", _("A named person")
    ROLE = "role", _("Holders of a role")
    MANAGER = "manager", _("The submitter's manager")
    NTH_MANAGER = "nth_manager", _("The N-th manager up the line")


class StepMode(models.TextChoices):
    ANY = "any", _("Any of them (或签)")
    ALL = "all", _("All of them (会签)")


class ApprovalStep(models.Model):
    # None for a step the flow no longer has: an administrator changed the flow's steps, and a
    # request keeps the steps it was sent with (its ``step_ids``).
    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="steps", null=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    approver_kind = models.CharField(_("approvers"), max_length=12, choices=ApproverKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.ForeignKey(
        "org.Role", verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("levels up"), default=1)
    mode = models.CharField(_("mode"), max_length=3, choices=StepMode.choices, default=StepMode.ANY)
    # A step can apply only above a figure (e.g. the director for a discount of 30 % and more).
    min_amount = models.DecimalField(
        _("amount at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_discount = models.DecimalField(
        _("discount at least (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["flow", "order", "id"]

    def __str__(self) -> str:
        return f"{self.flow_id}#{self.order} {self.approver_kind}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Approved, could not be applied")


OPEN_STATUSES = (ApprovalStatus.PENDING, ApprovalStatus.RETURNED)


class ApprovalRequest(TimeStampedModel):
    flow = models.ForeignKey(ApprovalFlow, verbose_name=_("flow"), on_delete=models.PROTECT, related_name="+")
    guard = models.CharField(_("guarded change"), max_length=50)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # The record's name when submitted: the lists read it without loading the record.
    object_repr = models.CharField(max_length=200)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    change = models.JSONField(_("held change"), default=dict)
    summary = models.CharField(_("summary"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    # The steps that apply to this request (their ids, in order), fixed when it is submitted.
    step_ids = models.JSONField(default=list)
    current_step = models.PositiveSmallIntegerField(_("current step"), default=0)
    step_started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    failure = models.CharField(_("why it could not be applied"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-id"]
        constraints = [
            # One open request per record and guarded change.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "guard"],
                condition=Q(status__in=["pending", "returned"]),
                name="approval_one_open_per_record",
            )
        ]
        indexes = [
            models.Index(fields=["submitter", "-id"], name="approval_submitter"),
            models.Index(fields=["content_type", "object_id", "-id"], name="approval_record"),
            models.Index(fields=["status", "step_started_at"], name="approval_waiting"),
        ]

    def __str__(self) -> str:
        return self.summary

    def get_absolute_url(self) -> str:
        return reverse("approvals:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def summary_text(self) -> str:
        """The summary in the reader's language (from the held change), else as submitted."""
        from . import guards

        guard = guards.get(self.guard)
        return guard.summary(self.change) if guard else self.summary

    @property
    def notice(self) -> str:
        """What the person who saved the change is told: it waits for approval."""
        return _("Sent for approval: %(summary)s") % {"summary": self.summary_text}

    def as_held(self) -> dict[str, Any]:
        """How a record's API describes this request when it held a change (deals: 202)."""
        return {
            "id": self.pk,
            "url": self.get_absolute_url(),
            "api_url": reverse("api:approvals-detail", args=[self.pk]),
            "guard": self.guard,
            "status": self.status,
            "summary": self.summary_text,
        }


class ActionKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    CANCELLED = "cancelled", _("Cancelled")
    COMMENTED = "commented", _("Commented")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Could not be applied")


class ApprovalTask(models.Model):
    """One approver's part in one step of a request: who must decide, and what they decided."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="tasks")
    step_index = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=12, blank=True, choices=ActionKind.choices)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Open while the request waits for this person's step; "waiting for me" reads it.
    is_open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "step_index", "user"], name="approvaltask_unique")
        ]
        indexes = [
            models.Index(fields=["user", "is_open", "-request"], name="approvaltask_inbox"),
            models.Index(fields=["user", "request"], name="approvaltask_party"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.step_index}/{self.user_id}"


class ApprovalAction(models.Model):
    """The audit: every action on a request, in order."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="approvalaction_request")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class ApprovalReminder(models.Model):
    """A reminder sent: at most one per request, step and period (``period``-th time the flow's
    reminder hours have passed since the step began)."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="+")
    step_index = models.PositiveSmallIntegerField()
    period = models.PositiveIntegerField()
    run = models.UUIDField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "step_index", "period"], name="approvalreminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.step_index}/{self.period}"
