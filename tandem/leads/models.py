"""Leads (线索) and their conversion into an account, a contact and a deal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.models import SoftDeleteModel, TimeStampedModel
from tandem.customers.models import Channel, Source
from tandem.search.text import SearchTextMixin

ALIVE = Q(deleted_at__isnull=True)


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")
    CONVERTED = "converted", _("Converted")


class Lead(SoftDeleteModel, TimeStampedModel, SearchTextMixin):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=120)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat id"), max_length=64, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="CN")
    province = models.CharField(_("province / state"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    unqualified_reason = models.CharField(_("reason unqualified"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
    )
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True, related_name="+")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_account = models.ForeignKey(
        "customers.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
        verbose_name=_("converted account"),
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
        verbose_name=_("converted contact"),
    )
    converted_deal = models.ForeignKey(
        "deals.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
        verbose_name=_("converted deal"),
    )
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
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "status", "-id"], name="lead_owner_status", condition=ALIVE),
            models.Index(fields=["team", "status", "-id"], name="lead_team_status", condition=ALIVE),
            models.Index(fields=["status", "-id"], name="lead_status", condition=ALIVE),
            # Every list opens newest first (created_at, id descending): walked, not sorted (decision 0011).
            models.Index(fields=["-created_at", "-id"], name="lead_created", condition=ALIVE),
            models.Index(fields=["external_id"], name="lead_external_id"),
            # The list page's sort by owner, read one person at a time (core.listing.GroupWalk).
            models.Index(fields=["owner", "id"], name="lead_by_owner", condition=ALIVE),
            # My leads due a follow-up (the home page, my day).
            models.Index(
                fields=["owner", "next_follow_up_on", "id"],
                name="lead_owner_follow_due",
                condition=ALIVE & Q(next_follow_up_on__isnull=False),
            ),
            # Every API ``ordering`` with the id as its tie-break (decision 0031).
            *(
                models.Index(fields=[field, "id"], name=f"lead_by_{field}", condition=ALIVE)
                for field in (
                    "name",
                    "company",
                    "status",
                    "updated_at",
                )
            ),
        ]

    def __str__(self) -> str:
        return self.name if not self.company else f"{self.name} ({self.company})"

    def get_absolute_url(self) -> str:
        return reverse("leads:lead-detail", args=[self.pk])
