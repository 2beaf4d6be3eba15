"""API representations of accounts, contacts, pools and duplicate checks.

Output serializers render records read through the access policy. Input serializers parse and
check shapes; the rules (names, phones, duplicates, owners, pool limits) live in the services.
References are by id among the records the caller may see: an invisible one is refused exactly
like a missing one.

Pool customers (no owner) show their phone and email masked (``+86 138****8000``,
``a***@example.com``) to a person who may not edit them: claiming is how a rep gets the number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, When
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from tandem.core import access, notify
from tandem.core.api import NamesField
from tandem.core.dates import BUSINESS_DATE, PAST_DATE
from tandem.core.models import HistoryEntry, Tag
from tandem.core.phones import format_phone
from tandem.org.models import Team, User
from tandem.org.serializers import VisibleRelatedField, _actor

from .models import (
    Account,
    AccountLevel,
    Channel,
    CompanySize,
    Contact,
    Lifecycle,
    Pool,
    Source,
)

# --- Masking --------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d")


def mask_phone(value: str) -> str:
    """``+8613800138000`` -> ``+86 138****8000``; ``+862162345678`` -> ``+86 21 ****5678``.

    The country code and the last four digits stay; so does the first group (a mobile prefix or
    an area code) when the number is long enough that at least four digits remain hidden.
    """
    if not value:
        return ""
    groups = format_phone(value).split()
    prefix = groups.pop(0) + " " if groups and groups[0].startswith("+") else ""
    digits = "".join(_DIGITS.findall("".join(groups)))
    if len(digits) <= 7:
        return prefix + "*" * len(digits)
    head = "".join(_DIGITS.findall(groups[0])) if len(groups) > 1 else digits[:3]
    if len(digits) - len(head) - 4 < 4:
        return f"{prefix}****{digits[-4:]}"
    if len(digits) == 11 and digits.startswith("1"):  # a Chinese mobile: 138****8000
        return f"{prefix}{digits[:3]}****{digits[-4:]}"
    return f"{prefix}{head} ****{digits[-4:]}"


def mask_email(value: str) -> str:
    """``alice@example.com`` -> ``a***@example.com``."""
    if not value or "@" not in value:
        return "***" if value else ""
    local, domain = value.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


def with_edit_flag(actor: access.Actor, queryset: QuerySet[Any], resource: str) -> QuerySet[Any]:
    """Annotate ``can_edit`` from the access policy in the same query (no per-row check)."""
    condition = access.condition(actor, resource, "edit")
    if condition is None:
        flag: Any = Case(default=False, output_field=BooleanField())
    elif not condition:  # Q(): every record
        flag = Case(default=True, output_field=BooleanField())
    else:
        flag = Case(When(condition, then=True), default=False, output_field=BooleanField())
    return queryset.annotate(can_edit=flag)


def is_masked(obj: Account, context: Mapping[str, Any]) -> bool:
    """A pool customer the caller may not edit: contact details stay hidden until claimed."""
    if obj.owner_id is not None:
        return False
    can_edit = getattr(obj, "can_edit", None)
    if can_edit is None:
        can_edit = access.can(_actor(context), "edit", "account", obj)
    return not can_edit


def unmasked_q(actor: access.Actor) -> Q:
    """Accounts whose phone and email the actor sees in full: the condition ``is_masked`` negates.

    Search matches contact details only on these, so a masked value cannot be guessed digit by
    digit through search results.
    """
    condition = access.condition(actor, "account", "edit")
    if condition is not None and not condition:  # Q(): every record
        return Q()
    owned = Q(owner__isnull=False)
    if condition is None:
        return owned
    return owned | condition


# --- References -----------------------------------------------------------------------------


def user_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="user", queryset=User.objects.filter(is_active=True), **kwargs)


def account_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="account", queryset=Account.objects.all(), **kwargs)


def contact_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="contact", queryset=Contact.objects.all(), **kwargs)


def pool_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="pool", queryset=Pool.objects.filter(is_active=True), **kwargs)


def tag_list(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, **kwargs)


def _name(obj: Any) -> str | None:
    return str(obj) if obj is not None else None


class TagSerializer(serializers.ModelSerializer[Tag]):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]
        read_only_fields = fields


# --- Accounts -------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer[Account]):
    owner_name = serializers.SerializerMethodField()
    team_name = serializers.SerializerMethodField()
    level_name = serializers.SerializerMethodField()
    pool_name = serializers.SerializerMethodField()
    lifecycle_label = serializers.CharField(source="get_lifecycle_display", read_only=True)
    in_pool = serializers.BooleanField(read_only=True)
    masked = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "level",
            "level_name",
            "industry",
            "size",
            "source",
            "channel",
            "lifecycle",
            "lifecycle_label",
            "country",
            "province",
            "city",
            "district",
            "street",
            "postal_code",
            "phone",
            "email",
            "website",
            "parent",
            "description",
            "external_id",
            "tags",
            "pool",
            "pool_name",
            "in_pool",
            "masked",
            "last_follow_up_at",
            "next_follow_up_on",
            "owned_since",
            "released_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj: Account) -> str | None:
        return _name(obj.owner) if obj.owner_id else None

    def get_team_name(self, obj: Account) -> str | None:
        return obj.team.display_name if obj.team_id and obj.team is not None else None

    def get_level_name(self, obj: Account) -> str | None:
        return obj.level.display_name if obj.level_id and obj.level is not None else None

    def get_pool_name(self, obj: Account) -> str | None:
        return obj.pool.display_name if obj.pool_id and obj.pool is not None else None

    def get_masked(self, obj: Account) -> bool:
        return is_masked(obj, self.context)

    def get_phone(self, obj: Account) -> str:
        return mask_phone(obj.phone) if is_masked(obj, self.context) else obj.phone

    def get_email(self, obj: Account) -> str:
        return mask_email(obj.email) if is_masked(obj, self.context) else obj.email


class AccountInputSerializer(serializers.Serializer[Account]):
    """Create or edit an account. ``owner`` and ``to_pool`` apply to creation only."""

    name = serializers.CharField(max_length=200)
    owner = user_ref(required=False, allow_null=True)
    to_pool = serializers.BooleanField(required=False, default=False)
    level = serializers.PrimaryKeyRelatedField(
        queryset=AccountLevel.objects.all(), required=False, allow_null=True
    )
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=CompanySize.choices, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices, required=False)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    province = serializers.CharField(max_length=50, required=False, allow_blank=True)
    city = serializers.CharField(max_length=50, required=False, allow_blank=True)
    district = serializers.CharField(max_length=50, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    website = serializers.CharField(max_length=200, required=False, allow_blank=True)
    parent = account_ref(required=False, allow_null=True)  # type: ignore[assignment]
    description = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    next_follow_up_on = serializers.DateField(validators=BUSINESS_DATE, required=False, allow_null=True)
    pool = pool_ref(required=False, allow_null=True)
    tags = tag_list(required=False)
    confirm_duplicates = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False, min_value=1)


class ReleaseInputSerializer(serializers.Serializer[Account]):
    reason = serializers.CharField(max_length=300)
    pool = pool_ref(required=False, allow_null=True)


@extend_schema_serializer(component_name="AccountAssignInput")  # assignment has an AssignInput too
class AssignInputSerializer(serializers.Serializer[Account]):
    owner = user_ref(
        help_text="Someone who may own accounts (view and edit grants), within the caller's assign reach; "
        "anyone else answers 400 on ``owner``."
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    move_related = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Also give the new owner the open deals and contacts the previous owner holds on "
        "this account (each recorded in its history).",
    )


class HandedOverSerializer(serializers.Serializer[Any]):
    """The answer to a change of owner that took the record out of the caller's sight."""

    id = serializers.IntegerField()
    visible = serializers.BooleanField(help_text="Always false: the caller can no longer see the record.")
    owner = serializers.IntegerField(allow_null=True, help_text="The new owner (null: back in a pool).")
    owner_name = serializers.CharField(allow_null=True)
    team = serializers.IntegerField(allow_null=True)
    team_name = serializers.CharField(allow_null=True)
    detail = serializers.CharField(help_text="Where it went, in the caller's language.")


def handed_over_data(resource: str, record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "visible": False,
        "owner": record.owner_id,
        "owner_name": _name(record.owner) if record.owner_id else None,
        "team": record.team_id,
        "team_name": _name(record.team) if record.team_id else None,
        "detail": notify.handed_over(resource, record),
    }


class TimelineItemSerializer(serializers.Serializer[Any]):
    """One entry of an account's timeline: a follow-up, a deal's stage change or a history entry."""

    kind = serializers.ChoiceField(choices=["follow_up", "stage_change", "history"])
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(allow_null=True)
    actor_name = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    deal = serializers.IntegerField(allow_null=True, required=False)
    changes = serializers.JSONField(required=False)


class TimelineSerializer(serializers.Serializer[Any]):
    next = serializers.CharField(allow_null=True)
    results = TimelineItemSerializer(many=True)


# --- Contacts -------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer[Contact]):
    account_name = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "title",
            "mobile",
            "phone",
            "email",
            "email_alt",
            "wechat",
            "birthday",
            "notes",
            "owner",
            "owner_name",
            "team",
            "tags",
            "external_id",
            "last_follow_up_at",
            "next_follow_up_on",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_account_name(self, obj: Contact) -> str | None:
        return _name(obj.account) if obj.account_id else None

    def get_owner_name(self, obj: Contact) -> str | None:
        return _name(obj.owner) if obj.owner_id else None


class ContactInputSerializer(serializers.Serializer[Contact]):
    name = serializers.CharField(max_length=120)
    account = account_ref(required=False, allow_null=True)
    owner = user_ref(required=False, allow_null=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    email_alt = serializers.EmailField(required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=64, required=False, allow_blank=True)
    birthday = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    next_follow_up_on = serializers.DateField(validators=BUSINESS_DATE, required=False, allow_null=True)
    confirm_duplicates = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False, min_value=1)


# --- Pools ----------------------------------------------------------------------------------


class PoolSerializer(serializers.ModelSerializer[Pool]):
    names = NamesField(read_only=True)
    display_name = serializers.CharField(
        read_only=True,
        help_text=_("The name in the language of the request (Accept-Language or the person's own)."),
    )
    is_pool_admin = serializers.BooleanField(read_only=True, default=False)
    customer_count = serializers.IntegerField(read_only=True, default=0)
    teams = serializers.SerializerMethodField()

    class Meta:
        model = Pool
        fields = [
            "id",
            "name",
            "names",
            "display_name",
            "description",
            "is_active",
            "teams",
            "customer_count",
            "is_pool_admin",
            "days_without_follow_up",
            "days_by_level",
            "days_without_open_deal",
            "days_without_won_deal",
            "exempt_with_open_deal",
            "exempt_won_customers",
            "remind_days_before",
            "max_owned_per_person",
            "daily_claim_limit",
            "cooldown_days",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_teams(self, obj: Pool) -> list[int]:
        teams: list[Team] = list(obj.teams.all())
        return [t.pk for t in teams]


class ReclaimCandidateSerializer(serializers.Serializer[Any]):
    account = serializers.IntegerField(source="account_id")
    account_name = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.CharField()
    reason = serializers.CharField()
    due = serializers.DateTimeField()


class ReclaimPreviewSerializer(serializers.Serializer[Any]):
    run_at = serializers.DateTimeField()
    due = ReclaimCandidateSerializer(many=True)
    soon = ReclaimCandidateSerializer(many=True)


# --- Duplicate check ------------------------------------------------------------------------


class DuplicateCheckInputSerializer(serializers.Serializer[Any]):
    """The fields of a record about to be saved; the check compares its normalised keys."""

    record_type = serializers.ChoiceField(
        choices=[("account", _("account")), ("contact", _("contact")), ("lead", _("lead"))]
    )
    exclude_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    email_alt = serializers.CharField(max_length=254, required=False, allow_blank=True)
    website = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DuplicateMatchSerializer(serializers.Serializer[Any]):
    """A possible duplicate. One the caller may not see has no ``id`` or ``name``: only its owner."""

    record_type = serializers.CharField()
    kind = serializers.CharField()
    score = serializers.IntegerField()
    action = serializers.CharField()
    visible = serializers.BooleanField()
    owner_name = serializers.CharField()
    id = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False)


class DuplicateCheckSerializer(serializers.Serializer[Any]):
    matches = DuplicateMatchSerializer(many=True)


# --- History --------------------------------------------------------------------------------


def history_changes(entry: HistoryEntry, masked: bool) -> dict[str, Any]:
    """An entry's changes, with phone and email values hidden when the account is masked."""
    changes: dict[str, Any] = dict(entry.changes or {})
    if not masked:
        return changes
    for field, mask in (("phone", mask_phone), ("email", mask_email)):
        if field in changes and isinstance(changes[field], list):
            changes[field] = [mask(str(v)) if v else v for v in changes[field]]
    return changes
