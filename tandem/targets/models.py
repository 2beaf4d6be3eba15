"""Sales targets (销售目标): a value of one KPI for one subject (a person, a team or the company)
over one period (a month, a fiscal quarter or a fiscal year), in the company currency for money
KPIs.

A row is an explicit figure somebody set. What a subject's target *is* for a period is decided
by ``targets.book`` (the row, else the sum of its months or quarters, else for a team the sum of
its members and sub-teams): see docs/decisions/0020-targets.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import TimeStampedModel
from tandem.kpis import periods
from tandem.kpis.periods import Period

MAX_VALUE = Decimal("9999999999999999.99")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    TEAM = "team", _("Team")
    COMPANY = "company", _("Company")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Target(TimeStampedModel):
    """One explicit target. ``start``/``end`` are the period's first and last days (the key,
    ``2026-03`` / ``2026-Q1`` / ``2026``, follows from them and the fiscal year start)."""

    subject_kind = models.CharField(_("for"), max_length=7, choices=SubjectKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kpi = models.ForeignKey(
        "kpis.KpiDefinition", verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period"), max_length=7, choices=PeriodKind.choices)
    start = models.DateField(_("starts"))
    end = models.DateField(_("ends"))
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("changed by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["kpi_id", "start", "period_kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kpi", "period_kind", "start"],
                condition=Q(subject_kind="person"),
                name="target_person_unique",
            ),
            models.UniqueConstraint(
                fields=["team", "kpi", "period_kind", "start"],
                condition=Q(subject_kind="team"),
                name="target_team_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_kind", "start"],
                condition=Q(subject_kind="company"),
                name="target_company_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_kind="person", user__isnull=False, team__isnull=True)
                    | Q(subject_kind="team", user__isnull=True, team__isnull=False)
                    | Q(subject_kind="company", user__isnull=True, team__isnull=True)
                ),
                name="target_subject_shape",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="target_period_order"),
        ]
        indexes = [models.Index(fields=["kpi", "start", "end"], name="target_kpi_period")]

    def __str__(self) -> str:
        return f"{self.subject_label} · {self.kpi} · {self.period_key}"

    @property
    def subject_label(self) -> str:
        if self.subject_kind == SubjectKind.PERSON:
            return str(self.user)
        if self.subject_kind == SubjectKind.TEAM:
            return str(self.team)
        return str(_("Company"))

    @property
    def period_key(self) -> str:
        return self.period().key

    def period(self, fiscal_start: int | None = None) -> Period:
        """The period this target is for (the company's fiscal year start unless given)."""
        return periods.period_containing(self.start, self.period_kind, fiscal_start=fiscal_start)
