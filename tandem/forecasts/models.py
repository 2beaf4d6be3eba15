"""Forecasts (销售预测): what each person says they will close in a period, the adjustments
their managers make beside it, and dated snapshots of both with the pipeline under them.

Amounts are in the company currency. A period is a key of ``kpis.periods`` (``2026-Q1`` by
default, a month ``2026-03`` allowed). See docs/decisions/0021-forecasts.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import TimeStampedModel


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    TEAM = "team", _("Team")
    COMPANY = "company", _("Company")


class ForecastSubmission(TimeStampedModel):
    """A person's forecast for one period: the current version (every save is also kept in
    ``ForecastSubmissionVersion``). ``team`` is the person's primary team when they submitted:
    the access policy reads it as it reads a deal's team."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7)
    commit_amount = models.DecimalField(_("commit"), max_digits=16, decimal_places=2)
    best_case_amount = models.DecimalField(_("best case"), max_digits=16, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("forecast submission")
        verbose_name_plural = _("forecast submissions")
        ordering = ["-period", "owner_id"]
        constraints = [models.UniqueConstraint(fields=["owner", "period"], name="forecast_one_per_period")]
        indexes = [models.Index(fields=["period", "team"], name="forecast_period_team")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.period}: {self.commit_amount}/{self.best_case_amount}"


class ForecastSubmissionVersion(models.Model):
    """One save of a submission, kept as it was."""

    submission = models.ForeignKey(ForecastSubmission, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    commit_amount = models.DecimalField(_("commit"), max_digits=16, decimal_places=2)
    best_case_amount = models.DecimalField(_("best case"), max_digits=16, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "version"], name="forecast_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} v{self.version}"


class ForecastAdjustment(models.Model):
    """A manager's view of a person's or a team's forecast, with the reason. Kept beside the
    submission, never replacing it; the newest per subject and period is the current one."""

    subject_kind = models.CharField(_("whose forecast"), max_length=7, choices=SubjectKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7)
    commit_amount = models.DecimalField(_("commit"), max_digits=16, decimal_places=2)
    best_case_amount = models.DecimalField(_("best case"), max_digits=16, decimal_places=2)
    reason = models.TextField(_("reason"))
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adjusted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("adjusted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("forecast adjustment")
        verbose_name_plural = _("forecast adjustments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["period", "owner", "-id"], name="forecast_adj_owner"),
            models.Index(fields=["period", "team", "-id"], name="forecast_adj_team"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject_kind="person") & Q(owner__isnull=False))
                | (Q(subject_kind="team") & Q(owner__isnull=True) & Q(team__isnull=False)),
                name="forecast_adj_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind} {self.owner_id or self.team_id} {self.period}"


class ForecastSnapshot(models.Model):
    """One subject's forecast and pipeline for one period as they stood on ``taken_on``.

    ``subject`` is ``person:<id>``, ``team:<id>`` or ``company`` (unique per day and period, so a
    second run the same day replaces the day's rows). ``owner``/``team`` let the access policy
    read a snapshot as it reads a deal: a person's (their team), a team's (owner empty), the
    company's (both empty: only those who see everything)."""

    taken_on = models.DateField(_("taken on"))
    period = models.CharField(_("period"), max_length=7)
    subject = models.CharField(max_length=20)
    subject_kind = models.CharField(_("whose forecast"), max_length=7, choices=SubjectKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    submitted_commit = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    submitted_best_case = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    adjusted_commit = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    adjusted_best_case = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    commit_pipeline = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    best_case_pipeline = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    pipeline_pipeline = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    weighted_pipeline = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    won_to_date = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        ordering = ["taken_on", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["taken_on", "period", "subject"], name="forecast_snapshot_unique")
        ]
        indexes = [models.Index(fields=["period", "subject", "taken_on"], name="forecast_snap_subject")]

    def __str__(self) -> str:
        return f"{self.subject} {self.period} on {self.taken_on}"
