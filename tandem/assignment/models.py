"""Assignment rules (分配规则): who gets new leads and pool accounts, in turn or by load."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Resource(models.TextChoices):
    LEAD = "lead", _("Leads")
    ACCOUNT = "account", _("Accounts")


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class AssignmentRule(models.Model):
    """Rules of one resource are tried in ``order``; the first whose conditions match decides.

    Conditions are lists of accepted values; an empty list accepts anything.
    """

    name = models.CharField(_("name"), max_length=100)
    resource = models.CharField(_("records"), max_length=10, choices=Resource.choices)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    provinces = models.JSONField(_("provinces"), default=list, blank=True)
    cities = models.JSONField(_("cities"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    levels = models.JSONField(_("account levels"), default=list, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="AssignmentMember", related_name="+", verbose_name=_("members")
    )
    last_assigned_member = models.ForeignKey(
        "AssignmentMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["resource", "order", "id"]

    def __str__(self) -> str:
        return self.name


class AssignmentMember(models.Model):
    rule = models.ForeignKey(AssignmentRule, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), default=0, help_text=_("Most open leads or owned accounts; 0 = no limit.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rule member")
        verbose_name_plural = _("rule members")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["rule", "user"], name="assignment_member_unique")]

    def __str__(self) -> str:
        return str(self.user)


class AssignmentLog(models.Model):
    rule = models.ForeignKey(AssignmentRule, null=True, on_delete=models.SET_NULL, related_name="logs")
    resource = models.CharField(max_length=10, choices=Resource.choices)
    record_id = models.PositiveBigIntegerField()
    record_name = models.CharField(max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["resource", "record_id"], name="assignment_log_record")]

    def __str__(self) -> str:
        return f"{self.resource}#{self.record_id} → {self.assignee_id}"
