"""Insights (issue 11 §6): the thresholds administrators set, each stage's median stay
(precomputed by a scheduled job), who takes the manager's digest and which digests went out."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class InsightSettings(models.Model):
    """The company's thresholds: one row (pk 1), written with defaults on first read."""

    stale_follow_up_days = models.PositiveSmallIntegerField(
        _("days without a follow-up"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An open deal with no follow-up for longer than this is flagged."),
    )
    overdue_close_days = models.PositiveSmallIntegerField(
        _("days past the expected close date"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An open deal whose expected close date is this many days past is flagged."),
    )
    stage_factor = models.DecimalField(
        _("times the stage's median stay"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("20.0"))],
        help_text=_(
            "An open deal in a stage longer than this multiple of the stage's median stay is flagged."
        ),
    )
    stage_min_samples = models.PositiveSmallIntegerField(
        _("stays needed for a median"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("A stage with fewer finished stays than this has no median yet and flags nothing."),
    )
    pool_warning_days = models.PositiveSmallIntegerField(
        _("days before a customer returns to the pool"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Customers that the pool rules take back within this many days are flagged."),
    )
    coverage_minimum = models.DecimalField(
        _("minimum pipeline coverage"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("20.00"))],
        help_text=_(
            "A team whose weighted open pipeline is less than this multiple of what is left of its "
            "quarter's target is flagged."
        ),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("insight thresholds")
        verbose_name_plural = _("insight thresholds")

    def __str__(self) -> str:
        return "insight thresholds"


class StageMedian(models.Model):
    """How long deals stay in one stage, from the finished stays of the stage history: computed
    per stage by the scheduled job ``insights-stage-medians``, read by the stage rule."""

    stage = models.OneToOneField("deals.Stage", on_delete=models.CASCADE, related_name="+", primary_key=True)
    median_seconds = models.BigIntegerField()
    samples = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.stage_id}: {self.median_seconds}s over {self.samples}"


class DigestPreference(models.Model):
    """A person's choice about the manager's daily digest (no row: they receive it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    receive_digest = models.BooleanField(_("send me the daily insight digest"), default=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.receive_digest}"


class DigestSent(models.Model):
    """One digest per person and day: the unique row is taken before anything is sent, so retries
    and concurrent runs send it once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    flagged = models.PositiveIntegerField(default=0)
    emailed = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="insights_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}"
