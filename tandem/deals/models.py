"""Pipelines and stages (销售流程/阶段), deals (商机), products (产品) and line items."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core import naming
from tandem.core.models import SoftDeleteModel, TimeStampedModel
from tandem.customers.models import Channel, Source
from tandem.search.text import SearchTextMixin

ALIVE = Q(deleted_at__isnull=True)


class Pipeline(naming.NamedInLanguages, TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name  # history keeps this, the same for readers of every language


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    """Where an open deal stands in its owner's forecast (销售预测). Won deals are "closed" and lost
    ones are out: that follows from the status and is never stored (``Deal.forecast_group``)."""

    PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    OMITTED = "omitted", _("Omitted")


def default_forecast_category(probability: int) -> str:
    """A stage's sensible default by its probability (decision 0021)."""
    if probability >= 70:
        return ForecastCategory.COMMIT
    if probability >= 40:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


class Stage(naming.NamedInLanguages, models.Model):
    """A pipeline stage; ``required_fields`` names the deal fields that must be filled to enter it."""

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(_("kind"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN)
    required_fields = models.JSONField(_("fields required to enter"), default=list, blank=True)
    guidance = models.TextField(_("stage guidance"), blank=True)
    # What a deal entering this stage forecasts as, unless its owner has chosen (decision 0021).
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
        help_text=_("Deals entering this stage take this category unless their owner has chosen one."),
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order", "id"]

    def __str__(self) -> str:
        return self.name  # history keeps this, the same for readers of every language


class Product(naming.NamedInLanguages, SoftDeleteModel, TimeStampedModel):
    NAMES_FROM_CATALOGUE = False  # a product's name is its own: never looked up in the catalogues
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    code = models.CharField(_("code"), max_length=64, blank=True)
    family = models.CharField(_("series / family"), max_length=100, blank=True)
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code="") & ALIVE, name="product_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name  # history keeps this, the same for readers of every language


class LostReason(naming.NamedInLanguages, TimeStampedModel):
    """Why a deal was lost (输单原因): a list administrators keep, so win/loss can be counted by
    reason (decision 0030). One built-in reason, "other", is never deactivated and asks for a
    note; the deal keeps the note in ``Deal.lost_reason``."""

    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_other = models.BooleanField(_("other (asks for a note)"), default=False, editable=False)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_other"], condition=Q(is_other=True), name="lostreason_one_other"
            )
        ]

    def __str__(self) -> str:
        return self.name  # history keeps this, the same for readers of every language


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(SoftDeleteModel, TimeStampedModel, SearchTextMixin):
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    contacts = models.ManyToManyField(
        "customers.Contact",
        through="DealContact",
        verbose_name=_("contacts"),
        blank=True,
        related_name="deals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_deals",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    status = models.CharField(_("status"), max_length=4, choices=DealStatus.choices, default=DealStatus.OPEN)
    # Empty when nobody has said (docs/decisions/0012): an unknown amount is not 0. Board and
    # list totals count an empty amount as nothing.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # The day work on the deal started: a date, not an instant (it reads the same everywhere).
    opened_on = models.DateField(
        _("opened on"), null=True, blank=True, help_text=_("The day work on the deal started.")
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to use the stage's probability."),
    )
    # Why it was lost, from the administrators' list; ``lost_reason`` is the note beside it (the
    # text a deal carried before the list existed became "other" and its note: decision 0030).
    lost_reason_ref = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    lost_reason = models.CharField(_("note on the loss"), max_length=200, blank=True)
    competitor = models.CharField(_("competitor"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    decision_maker = models.CharField(_("decision maker"), max_length=120, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True, related_name="+")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    # True once the owner chose the category by hand: a stage move then leaves it alone.
    forecast_category_manual = models.BooleanField(_("forecast category set by hand"), default=False)
    stage_entered_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
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
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-id"]
        indexes = [
            # Manager's list: team subtree, stage filter, sorted by close date (keyset on id).
            models.Index(
                fields=["team", "stage", "expected_close_date", "id"],
                name="deal_team_stage_close",
                condition=ALIVE,
            ),
            models.Index(
                fields=["owner", "stage", "expected_close_date", "id"],
                name="deal_owner_stage_close",
                condition=ALIVE,
            ),
            models.Index(
                fields=["stage", "expected_close_date", "id"], name="deal_stage_close", condition=ALIVE
            ),
            models.Index(
                fields=["team", "expected_close_date", "id"], name="deal_team_close", condition=ALIVE
            ),
            models.Index(fields=["account", "-id"], name="deal_account", condition=ALIVE),
            # Every list opens newest first (created_at, id descending): walked, not sorted (decision 0011).
            models.Index(fields=["-created_at", "-id"], name="deal_created", condition=ALIVE),
            # ... and a rep's own list (scope "own"), which otherwise filters the whole company's
            # newest deals for theirs: 19,000 read for a page of 50 at a million deals.
            models.Index(fields=["owner", "-created_at", "-id"], name="deal_owner_created", condition=ALIVE),
            models.Index(fields=["status", "closed_on"], name="deal_status_closed", condition=ALIVE),
            # Figures counted by the day work started (new pipeline): the edges of a range that
            # the monthly summary does not cover whole (kpis, decision 0018).
            models.Index(fields=["opened_on"], name="deal_opened", condition=ALIVE),
            models.Index(fields=["external_id"], name="deal_external_id"),
            # Every API ``ordering`` with the id as its tie-break, walked in either direction, so
            # a page (by number or by cursor) is an index range read (decision 0031).
            *(
                models.Index(fields=[field, "id"], name=f"deal_by_{field}"[:30], condition=ALIVE)
                for field in (
                    "name",
                    "amount",
                    "opened_on",
                    "expected_close_date",
                    "closed_on",
                    "updated_at",
                    "stage_entered_at",
                    "last_follow_up_at",
                )
            ),
            # The list page's sort by status (its other sorts by a column of the deal share the
            # API's indexes above).
            models.Index(fields=["status", "id"], name="deal_by_status", condition=ALIVE),
            models.Index(fields=["forecast_category", "id"], name="deal_by_forecast", condition=ALIVE),
            # The list page's sort by stage, read one stage at a time (core.listing.GroupWalk).
            models.Index(fields=["stage", "id"], name="deal_by_stage", condition=ALIVE),
            # ... and by owner and by team, one person or team at a time.
            models.Index(fields=["owner", "id"], name="deal_by_owner", condition=ALIVE),
            models.Index(fields=["team", "id"], name="deal_by_team", condition=ALIVE),
            # The person's day on the home page: my open deals closing this month (summed by
            # currency from the index alone), and those whose next follow-up is due.
            models.Index(
                fields=["owner", "expected_close_date"],
                include=["currency", "amount"],
                name="deal_owner_open_close",
                condition=ALIVE & Q(status="open"),
            ),
            models.Index(
                fields=["owner", "next_follow_up_on", "id"],
                name="deal_owner_follow_due",
                condition=ALIVE & Q(status="open", next_follow_up_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deals:deal-detail", args=[self.pk])

    @property
    def effective_probability(self) -> int:
        return self.probability if self.probability is not None else self.stage.probability

    @property
    def forecast_group(self) -> str:
        """ "closed" for a won deal, "lost" for a lost one, else its forecast category."""
        if self.status == DealStatus.WON:
            return "closed"
        if self.status == DealStatus.LOST:
            return "lost"
        return self.forecast_category

    def get_forecast_group_display(self) -> str:
        if self.status == DealStatus.WON:
            return str(pgettext_lazy("forecast category", "Closed"))
        if self.status == DealStatus.LOST:
            return str(_("Lost"))
        return str(ForecastCategory(self.forecast_category).label)


class DealStageTotal(models.Model):
    """Count and amount of the live deals of one stage, owner, team and currency: the board's
    column headers without reading the deals (docs/decisions/0009).

    Written only by database triggers on the deals table, never by Python: every path that
    changes a deal (services, imports, merges, transfers, the recycle bin, a team deleted, raw
    SQL) keeps it true. The triggers append deltas (+1 / -1 and the amount); ``compact`` folds
    them into one row per key on a schedule. A reader sums the rows of its key, so totals are
    exact between compactions too, and writers never wait for each other on a counter row.

    ``owner`` and ``team`` carry the deal's own values so that the access policy filters this
    table exactly as it filters deals (``access.visible_summary``).
    """

    stage = models.ForeignKey(
        Stage, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
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
    currency = models.CharField(max_length=3)
    deals = models.BigIntegerField()
    amount = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["stage", "owner"], name="deal_stage_total_stage")]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.owner_id}/{self.team_id}/{self.currency}: {self.deals}"


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    TECHNICAL = "technical", _("Technical evaluator")
    PURCHASING = "purchasing", _("Purchasing")
    OTHER = "other", _("Other")


class DealContact(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deal_contacts")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="deal_roles")
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)

    class Meta:
        verbose_name = _("deal contact")
        verbose_name_plural = _("deal contacts")
        constraints = [models.UniqueConstraint(fields=["deal", "contact"], name="dealcontact_unique")]

    def __str__(self) -> str:
        return f"{self.contact_id} as {self.role} on {self.deal_id}"


class DealStageHistory(models.Model):
    """One stay of a deal in a stage: entered, left, and how long it stayed."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("stage history")
        verbose_name_plural = _("stage history")
        ordering = ["-entered_at", "-id"]
        indexes = [models.Index(fields=["deal", "-entered_at"], name="stagehistory_deal")]

    def __str__(self) -> str:
        return f"{self.deal_id} in {self.stage_id}"


class DealLine(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, editable=False)

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"
