"""Handoffs (交接): templates administrators define, and the handoffs people send with them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.naming import NamedInLanguages, localized


class RecordKind(models.TextChoices):
    ACCOUNT = "account", _("Account")
    DEAL = "deal", _("Deal")


class Trigger(models.TextChoices):
    MANUAL = "manual", _("Any time, by hand")
    DEAL_WON = "deal_won", _("When a deal is won")
    ACCOUNT_ONBOARDING = "account_onboarding", _("When an account becomes a customer")


class OnAccept(models.TextChoices):
    OWNER = "owner", _("The recipient becomes the owner")
    MEMBER = "member", _("The recipient joins the record team")


# The record-team roles a template moves work between (recordteams.MemberRole's built-in codes).
MEMBER_ROLES: dict[str, Any] = {
    "owner": _("Owner"),
    "co_seller": _("Co-seller"),
    "presales": _("Pre-sales engineer"),
    "account_manager": _("Account manager"),
    "support": _("Technical support"),
    "manager": _("Manager"),
}


def role_choices() -> list[tuple[str, str]]:
    """The record-team roles (built-in and the administrators'), code and name in the active language."""
    from tandem.recordteams.models import MemberRole

    return [(r.code, r.display_name) for r in MemberRole.objects.order_by("order", "id")]


def role_codes() -> list[str]:
    from tandem.recordteams.models import MemberRole

    return list(MemberRole.objects.values_list("code", flat=True))


class HandoffTemplate(NamedInLanguages, models.Model):
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    record_kind = models.CharField(_("record kind"), max_length=10, choices=RecordKind.choices)
    from_role = models.CharField(_("from role"), max_length=40)
    to_role = models.CharField(_("to role"), max_length=40)
    trigger = models.CharField(_("offered"), max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    # [{"label": "Contract signed", "labels": {"zh-hans": "合同已签"}, "required": true}, ...]
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    required_fields = models.JSONField(_("fields that must be filled"), default=list, blank=True)
    sla_hours = models.PositiveIntegerField(_("hours to accept"), default=24)
    on_accept = models.CharField(
        _("on acceptance"), max_length=10, choices=OnAccept.choices, default=OnAccept.OWNER
    )
    sender_stays = models.BooleanField(_("sender stays on the record team"), default=True)
    sender_role = models.CharField(_("sender's role afterwards"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("handoff template")
        verbose_name_plural = _("handoff templates")
        ordering = ["record_kind", "name", "id"]
        indexes = [models.Index(fields=["record_kind", "trigger"], name="handofftpl_kind_trigger")]

    def __str__(self) -> str:
        return self.name

    def checklist_items(self) -> list[dict[str, Any]]:
        """The checklist with each label in the active language."""
        return [
            {**item, "text": localized(item.get("label", ""), item.get("labels") or {})}
            for item in self.checklist or []
        ]


class HandoffStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Handoff(models.Model):
    template = models.ForeignKey(
        HandoffTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="handoffs"
    )
    # One of the two: the record handed off (indexed with the status below).
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="handoffs",
        db_index=False,
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="handoffs",
        db_index=False,
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="handoffs_sent",
        db_index=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs_received",
        db_index=False,
    )
    recipient_team = models.ForeignKey(
        "org.Team",
        verbose_name=_("recipient team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
        db_index=False,
    )
    note = models.TextField(_("note"), blank=True)
    # The template's checklist as sent, each item with "done".
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    due_at = models.DateTimeField(_("due"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Seconds from sending to acceptance, for the figures (an integer every database averages).
    response_seconds = models.PositiveIntegerField(_("time to accept"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["deal", "status"], name="handoff_deal_status"),
            models.Index(fields=["account", "status"], name="handoff_account_status"),
            models.Index(fields=["recipient", "status", "due_at"], name="handoff_recipient"),
            models.Index(fields=["recipient_team", "status", "due_at"], name="handoff_team"),
            models.Index(fields=["sender", "status", "created_at"], name="handoff_sender"),
            models.Index(fields=["status", "due_at"], name="handoff_status_due"),
            models.Index(fields=["template", "created_at"], name="handoff_template_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(account__isnull=False) & Q(deal__isnull=True))
                | (Q(account__isnull=True) & Q(deal__isnull=False)),
                name="handoff_one_record",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(recipient_team__isnull=False),
                name="handoff_has_recipient",
            ),
            models.UniqueConstraint(
                fields=["template", "deal"],
                condition=Q(status="pending", deal__isnull=False),
                name="handoff_one_pending_deal",
            ),
            models.UniqueConstraint(
                fields=["template", "account"],
                condition=Q(status="pending", account__isnull=False),
                name="handoff_one_pending_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} — {self.record}"

    def get_absolute_url(self) -> str:
        return reverse("handoffs:detail", args=[self.pk])

    @property
    def record(self) -> Any:
        return self.deal if self.deal_id is not None else self.account

    @property
    def resource(self) -> str:
        return "deal" if self.deal_id is not None else "account"

    @property
    def is_pending(self) -> bool:
        return self.status == HandoffStatus.PENDING

    def is_overdue(self, now: Any = None) -> bool:
        from django.utils import timezone

        return self.is_pending and self.due_at < (now or timezone.now())
