"""Accounts (客户), contacts (联系人), lifecycle, public pools (公海) and duplicate keys (查重)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core import naming
from tandem.core.models import SoftDeleteModel, TimeStampedModel
from tandem.search.text import SearchTextMixin

ALIVE = Q(deleted_at__isnull=True)


class AccountLevel(naming.NamedInLanguages, models.Model):
    """Customer levels (A/B/C by default), configurable by administrators; named per language
    like stages (decision 0010)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=50)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("account level")
        verbose_name_plural = _("account levels")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Lifecycle(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    LOYAL = "loyal", _("Loyal customer")
    CHURNED = "churned", _("Churned")


class Source(models.TextChoices):
    WEB = "web", _("Website")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event or trade show")
    COLD_CALL = "cold_call", _("Cold call")
    PARTNER = "partner", _("Partner")
    ADVERTISING = "advertising", _("Advertising")
    SOCIAL = "social", _("Social media")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    DIRECT = "direct", _("Direct")
    PARTNER = "partner", _("Partner")
    DISTRIBUTOR = "distributor", _("Distributor")
    ONLINE = "online", _("Online")


class CompanySize(models.TextChoices):
    XS = "1-10", _("1–10 employees")
    S = "11-50", _("11–50 employees")
    M = "51-200", _("51–200 employees")
    L = "201-1000", _("201–1,000 employees")
    XL = "1001-5000", _("1,001–5,000 employees")
    XXL = "5000+", _("More than 5,000 employees")


class Pool(naming.NamedInLanguages, TimeStampedModel):
    """A public pool (公海): unowned customers that members may see and claim, with reclaim rules.
    Named per language like stages (decision 0010)."""

    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    teams = models.ManyToManyField(
        "org.Team",
        verbose_name=_("member teams"),
        blank=True,
        related_name="pools",
        help_text=_("Everyone in these teams (and their sub-teams) is a member."),
    )
    # Reclaim rules: a customer returns to the pool after N days without ... (0 = rule off).
    days_without_follow_up = models.PositiveIntegerField(_("days without a follow-up"), default=30)
    days_by_level = models.JSONField(
        _("days without a follow-up, per level"),
        default=dict,
        blank=True,
        help_text=_('Overrides per account level code, e.g. {"A": 90, "B": 45, "C": 20}.'),
    )
    days_without_open_deal = models.PositiveIntegerField(_("days without an open deal"), default=0)
    days_without_won_deal = models.PositiveIntegerField(_("days without a won deal"), default=0)
    exempt_with_open_deal = models.BooleanField(_("exempt customers with an open deal"), default=True)
    exempt_won_customers = models.BooleanField(_("exempt won customers"), default=True)
    remind_days_before = models.PositiveIntegerField(_("remind the owner this many days before"), default=3)
    max_owned_per_person = models.PositiveIntegerField(_("most customers one person may own"), default=0)
    daily_claim_limit = models.PositiveIntegerField(_("claims per person per day"), default=0)
    cooldown_days = models.PositiveIntegerField(_("days before a previous owner may claim again"), default=0)

    class Meta:
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:pool-detail", args=[self.pk])


class PoolMember(models.Model):
    """A person who may see and claim the pool's customers; ``is_admin`` may also assign and edit rules."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pool_memberships"
    )
    is_admin = models.BooleanField(_("pool administrator"), default=False)

    class Meta:
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        constraints = [models.UniqueConstraint(fields=["pool", "user"], name="poolmember_unique")]
        indexes = [models.Index(fields=["user", "pool"], name="poolmember_user_pool")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.pool}"


class Account(SoftDeleteModel, TimeStampedModel, SearchTextMixin):
    """A customer company (客户). Unowned accounts sit in their pool."""

    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)  # indexed in Meta (no LIKE index)
    # Foreign keys are indexed only where the account pages and lists look them up (see Meta and
    # docs/decisions/0007): every index costs each imported or created account an index entry.
    owner = models.ForeignKey(  # indexed by account_owner_follow
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_accounts",
        db_index=False,
    )
    team = models.ForeignKey(  # indexed by account_team_id
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    level = models.ForeignKey(  # filtered on beside the scope, never on its own
        AccountLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="CN")
    province = models.CharField(_("province / state"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True, related_name="+")
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.LEAD
    )
    parent = models.ForeignKey(  # indexed by account_parent (only accounts that have one)
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        db_index=False,
    )
    description = models.TextField(_("description"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    pool = models.ForeignKey(  # indexed by account_pool_owner (only accounts in a pool)
        Pool,
        verbose_name=_("public pool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        db_index=False,
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    previous_owner = models.ForeignKey(  # read from the account itself, never searched by
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
        verbose_name=_("previous owner"),
    )
    released_at = models.DateTimeField(_("returned to the pool at"), null=True, blank=True)
    created_by = models.ForeignKey(  # an audit column: see docs/decisions/0006
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_constraint=False,
        db_index=False,
        verbose_name=_("created by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["owner", "-last_follow_up_at"], name="account_owner_follow", condition=ALIVE
            ),
            models.Index(fields=["team", "-id"], name="account_team_id", condition=ALIVE),
            # Every list opens newest first (created_at, id descending): walked, not sorted (decision 0011).
            models.Index(fields=["-created_at", "-id"], name="account_created", condition=ALIVE),
            models.Index(
                fields=["pool", "owner"],
                name="account_in_pool",
                condition=ALIVE & Q(pool__isnull=False),
            ),
            models.Index(fields=["external_id"], name="account_external_id"),
            models.Index(
                fields=["next_follow_up_on"],
                name="account_next_follow_due",
                condition=ALIVE & Q(next_follow_up_on__isnull=False),
            ),
            # My accounts due a follow-up (the home page, my day): one person's, not the company's.
            models.Index(
                fields=["owner", "next_follow_up_on", "id"],
                name="account_owner_follow_due",
                condition=ALIVE & Q(next_follow_up_on__isnull=False),
            ),
            models.Index(fields=["name_key"], name="account_name_key"),
            models.Index(fields=["parent"], name="account_parent", condition=Q(parent__isnull=False)),
            # Every API ``ordering`` with the id as its tie-break (decision 0031).
            *(
                models.Index(fields=[field, "id"], name=f"account_by_{field}", condition=ALIVE)
                for field in (
                    "name",
                    "updated_at",
                    "last_follow_up_at",
                    "next_follow_up_on",
                    "owned_since",
                    "released_at",
                )
            ),
            # The list page's sorts by owner and level, read one person or level at a time
            # (core.listing.GroupWalk; by team it walks account_team_id).
            models.Index(fields=["owner", "id"], name="account_by_owner", condition=ALIVE),
            # Deals and contacts sorted by account walk every account by name (binned ones too: a
            # record may still point at one; core.listing.TableWalk).
            models.Index(fields=["name", "id"], name="account_name_id"),
            models.Index(fields=["level", "id"], name="account_by_level", condition=ALIVE),
            # ... and by a column of its own (the list orders by the column, then the id).
            *(
                models.Index(fields=[field, "id"], name=f"account_by_{field}", condition=ALIVE)
                for field in ("lifecycle", "industry", "city")
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:account-detail", args=[self.pk])

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class LifecycleTransition(models.Model):
    account = models.ForeignKey(  # indexed by lifecycle_account_at
        Account, on_delete=models.CASCADE, related_name="lifecycle_transitions", db_index=False
    )
    from_stage = models.CharField(max_length=10, choices=Lifecycle.choices, blank=True)
    to_stage = models.CharField(max_length=10, choices=Lifecycle.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(  # an audit column: see docs/decisions/0006
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("lifecycle transition")
        verbose_name_plural = _("lifecycle transitions")
        ordering = ["-at"]
        indexes = [models.Index(fields=["account", "-at"], name="lifecycle_account_at")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_stage} → {self.to_stage}"


class Contact(SoftDeleteModel, TimeStampedModel, SearchTextMixin):
    name = models.CharField(_("name"), max_length=120)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email_alt = models.EmailField(_("other email"), blank=True)
    wechat = models.CharField(_("WeChat id"), max_length=64, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_contacts",
    )
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True, related_name="+")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
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
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["account", "name"], name="contact_account_name", condition=ALIVE),
            models.Index(fields=["owner", "-id"], name="contact_owner", condition=ALIVE),
            models.Index(fields=["team", "-id"], name="contact_team", condition=ALIVE),
            # Every list opens newest first (created_at, id descending): walked, not sorted (decision 0011).
            models.Index(fields=["-created_at", "-id"], name="contact_created", condition=ALIVE),
            models.Index(fields=["external_id"], name="contact_external_id"),
            # Every API ``ordering`` with the id as its tie-break (decision 0031).
            *(
                models.Index(fields=[field, "id"], name=f"contact_by_{field}", condition=ALIVE)
                for field in (
                    "name",
                    "updated_at",
                    "last_follow_up_at",
                    # The list page's sorts by job title and email.
                    "title",
                    "email",
                )
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact-detail", args=[self.pk])


class PoolEvent(models.Model):
    """Every move of a customer into, out of or within a pool: who, when, why."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("claimed")
        RELEASE = "release", _("released to the pool")
        ASSIGN = "assign", _("assigned")
        RECLAIM = "reclaim", _("returned to the pool by rule")
        REMIND = "remind", _("owner reminded")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="pool_events")
    pool = models.ForeignKey(Pool, null=True, on_delete=models.SET_NULL, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(db_index=True)
    run_key = models.CharField(max_length=40, blank=True, help_text="Idempotency key of a scheduled run.")

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "-at"], name="poolevent_account_at"),
            models.Index(fields=["actor", "kind", "at"], name="poolevent_actor_kind_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "run_key"], condition=~Q(run_key=""), name="poolevent_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.at:%Y-%m-%d}"


class DuplicateKey(models.Model):
    """Normalised keys of records for duplicate checking (查重): name, phone, email, domain.

    Kept in one indexed table so a check is a handful of index look-ups whatever the record type,
    and a phone on a contact finds the account that has the same phone.
    """

    class Kind(models.TextChoices):
        NAME = "name", _("name")
        PHONE = "phone", _("phone")
        EMAIL = "email", _("email")
        DOMAIN = "domain", _("website domain")

    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=200)
    bucket = models.CharField(
        max_length=4, blank=True, help_text="Name keys only: candidates for similar names."
    )

    class Meta:
        verbose_name = _("duplicate key")
        verbose_name_plural = _("duplicate keys")
        indexes = [
            models.Index(fields=["kind", "value", "record_type"], name="dupkey_lookup"),
            models.Index(fields=["record_type", "record_id"], name="dupkey_record"),
            models.Index(fields=["bucket", "record_type"], name="dupkey_bucket", condition=~Q(bucket="")),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id} {self.kind}={self.value}"


class DuplicateRule(models.Model):
    """How a duplicate of one kind is treated for one record type: warn, or block the save."""

    class Action(models.TextChoices):
        WARN = "warn", _("warn")
        BLOCK = "block", _("block")

    class Kind(models.TextChoices):
        NAME = "name", _("same normalised name")
        FUZZY = "fuzzy", _("similar name")
        PHONE = "phone", _("same phone")
        EMAIL = "email", _("same email")
        DOMAIN = "domain", _("same website domain")

    record_type = models.CharField(_("record type"), max_length=20)
    kind = models.CharField(_("match"), max_length=10, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=5, choices=Action.choices, default=Action.WARN)
    threshold = models.PositiveSmallIntegerField(
        _("similarity threshold (%)"), default=90, help_text=_("For similar names only.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("duplicate rule")
        verbose_name_plural = _("duplicate rules")
        constraints = [models.UniqueConstraint(fields=["record_type", "kind"], name="duplicaterule_unique")]

    def __str__(self) -> str:
        return f"{self.record_type}:{self.kind}:{self.action}"
