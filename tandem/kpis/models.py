"""What a figure is made of: the company's currency and fiscal calendar, exchange rates per
month, and KPI definitions (指标) — what is counted or summed, over which records, by which date.

Every figure Tandem shows is computed by ``tandem.kpis.engine`` from these, so no two pages can
disagree about a number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tandem.core import naming
from tandem.core.models import TimeStampedModel


class CompanySettings(TimeStampedModel):
    """The one row (pk 1) of company-wide settings that figures depend on. Read it with
    ``kpis.selectors.company_settings()``, which creates it with the defaults on first read."""

    SINGLETON = 1

    currency = models.CharField(
        _("company currency"),
        max_length=3,
        help_text=_("Every figure is shown in this currency; other currencies convert at the monthly rates."),
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The month the fiscal year starts in; quarters and years follow it."),
    )
    pace_at_risk = models.DecimalField(
        _("on track from"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.90"),
        help_text=_("Actual ÷ expected by now at or above this is on track."),
    )
    pace_off_track = models.DecimalField(
        _("at risk from"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.70"),
        help_text=_("At or above this (and below on track) is at risk; below it, off track."),
    )
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
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="company_settings_single_row"),
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="company_settings_fiscal_month",
            ),
            models.CheckConstraint(
                condition=Q(pace_off_track__gt=0, pace_at_risk__gte=models.F("pace_off_track")),
                name="company_settings_pace_order",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Company settings")


class ExchangeRate(TimeStampedModel):
    """One unit of ``currency`` is worth ``rate`` units of the company currency, for deals
    counted in ``month`` (the first day of the month)."""

    month = models.DateField(_("month"))
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
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
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-month", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["month", "currency"], name="exchange_rate_month_currency"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m}: {self.rate}"


class Source(models.TextChoices):
    DEAL = "deal", _("Deals")
    ACCOUNT = "account", _("Accounts")
    ACTIVITY = "activity", _("Follow-ups")
    LEAD = "lead", _("Leads")


class Measure(models.TextChoices):
    COUNT = "count", _("Count")
    SUM = "sum", _("Sum")
    RATIO = "ratio", _("Ratio of two KPIs")


class Unit(models.TextChoices):
    MONEY = "money", _("Money")
    COUNT = "count", _("Count")
    PERCENT = "percent", _("Percent")


class KpiDefinition(naming.NamedInLanguages, TimeStampedModel):
    """A KPI: count or sum of records of one ``source`` by ``date_field``, narrowed by
    ``filters``, or the ratio of two other KPIs. Built-in ones are created after every
    ``migrate`` (``services.kpi_sync_builtin``), named through the catalogue, never deleted.

    The person a record counts for is its owner as the access policy knows it (a follow-up's
    author); its team is the record's team. What may be filtered and dated per source is in
    ``kpis.sources``.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("records"), max_length=10, choices=Source.choices, default=Source.DEAL)
    measure = models.CharField(_("measure"), max_length=5, choices=Measure.choices, default=Measure.COUNT)
    sum_field = models.CharField(_("summed field"), max_length=50, blank=True)
    date_field = models.CharField(_("counted by date"), max_length=50, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    numerator = models.ForeignKey(
        "self",
        verbose_name=_("numerator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    denominator = models.ForeignKey(
        "self",
        verbose_name=_("denominator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.CharField(_("unit"), max_length=7, choices=Unit.choices, default=Unit.COUNT)
    is_builtin = models.BooleanField(_("built in"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(measure="ratio") | Q(numerator__isnull=False, denominator__isnull=False),
                name="kpi_ratio_has_parts",
            ),
        ]

    def __str__(self) -> str:
        return self.name  # history keeps this, the same for readers of every language

    @property
    def display_description(self) -> str:
        """A built-in KPI's description in the reader's language (the catalogue has it)."""
        if self.is_builtin and self.description:
            return gettext(self.description)
        return self.description


# What a grouped sum of DealMonthTotal reads besides its range: the groupings, the currency (to
# convert) and the values summed.
SUMMED = ("currency", "team", "stage", "deals", "amount", "amount_known", "days", "days_known")
COVERED = ("owner", *SUMMED)


class DealMonthTotal(models.Model):
    """Live deals of one owner, team, pipeline, stage, status and currency, opened in one month
    and closed in another (or not closed): how many, their amount, how many amounts are known,
    and the days from opened to closed summed over those with both dates (docs/decisions/0018).

    Written only by database triggers on the deals table (``kpis.summary``), never by Python.
    ``owner`` and ``team`` carry the deals' own values, so the access policy filters this table
    exactly as it filters deals (``access.visible_summary``).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    team = models.ForeignKey(
        "org.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    pipeline = models.ForeignKey(
        "deals.Pipeline", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    stage = models.ForeignKey(
        "deals.Stage", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    status = models.CharField(max_length=4)
    currency = models.CharField(max_length=3)
    opened_month = models.DateField(null=True)
    closed_month = models.DateField(null=True)
    deals = models.BigIntegerField()
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    amount_known = models.BigIntegerField()
    days = models.BigIntegerField()
    days_known = models.BigIntegerField()

    class Meta:
        # Covering indexes (PostgreSQL ``INCLUDE``): a dashboard's sums over a quarter read the
        # index alone, not thousands of scattered heap pages; a rep's own figures go straight to
        # their rows (issue 12: the director's home page read 5,600 rows from 1,700 pages).
        indexes = [
            models.Index(fields=["closed_month", "status"], include=COVERED, name="kpi_deal_closed_cover"),
            models.Index(fields=["opened_month"], include=("status", *COVERED), name="kpi_deal_opened_cover"),
            models.Index(
                fields=["owner", "closed_month", "status"], include=SUMMED, name="kpi_deal_owner_closed"
            ),
            models.Index(
                fields=["owner", "opened_month"], include=("status", *SUMMED), name="kpi_deal_owner_opened"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.stage_id}/{self.currency} {self.opened_month}→{self.closed_month}: {self.deals}"


class ActivityMonthTotal(models.Model):
    """Live follow-ups of one author, team and kind that happened in one month (the company's
    time zone): written only by database triggers on the follow-ups table (``kpis.summary``)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    team = models.ForeignKey(
        "org.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(max_length=10)
    month = models.DateField(null=True)
    activities = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="kpi_activity_month")]

    def __str__(self) -> str:
        return f"{self.author_id}/{self.kind} {self.month}: {self.activities}"


class FunnelTotal(models.Model):
    """Live deals of one owner, team and pipeline opened in one month that entered ``stage`` at
    least once: the funnel without reading the stage history (``kpis.summary``, triggers only)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    team = models.ForeignKey(
        "org.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    pipeline = models.ForeignKey(
        "deals.Pipeline", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    stage = models.ForeignKey(
        "deals.Stage", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    opened_month = models.DateField(null=True)
    deals = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["opened_month"], name="kpi_funnel_opened")]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.stage_id} {self.opened_month}: {self.deals}"
