"""API representations of leads (线索) and their conversion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from tandem.customers.models import Channel, Source
from tandem.customers.serializers import TagSerializer, account_ref, user_ref
from tandem.deals.serializers import stage_ref

from .models import Lead, LeadStatus


class LeadSerializer(serializers.ModelSerializer[Lead]):
    owner_name = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "company",
            "title",
            "mobile",
            "phone",
            "email",
            "wechat",
            "website",
            "industry",
            "country",
            "province",
            "city",
            "source",
            "channel",
            "status",
            "status_label",
            "unqualified_reason",
            "notes",
            "owner",
            "owner_name",
            "team",
            "tags",
            "external_id",
            "last_follow_up_at",
            "next_follow_up_on",
            "converted_at",
            "converted_account",
            "converted_contact",
            "converted_deal",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj: Lead) -> str | None:
        return str(obj.owner) if obj.owner_id else None


class LeadInputSerializer(serializers.Serializer[Lead]):
    name = serializers.CharField(max_length=120)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=64, required=False, allow_blank=True)
    website = serializers.CharField(max_length=200, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    province = serializers.CharField(max_length=50, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    city = serializers.CharField(max_length=50, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    unqualified_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    next_follow_up_on = serializers.DateField(required=False, allow_null=True)
    owner = user_ref(required=False, allow_null=True)
    confirm_duplicates = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False, min_value=1)


class LeadConvertInputSerializer(serializers.Serializer[Any]):
    """Into a new account (``account`` null) or an existing one; a contact; optionally a deal."""

    account = account_ref(required=False, allow_null=True, default=None)
    create_deal = serializers.BooleanField(required=False, default=False)
    deal_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    deal_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True, default=None
    )
    deal_stage = stage_ref(required=False, allow_null=True, default=None)
    deal_expected_close_date = serializers.DateField(required=False, allow_null=True, default=None)
    confirm_duplicates = serializers.BooleanField(required=False, default=False)


class LeadConvertSerializer(serializers.Serializer[Any]):
    account = serializers.IntegerField()
    contact = serializers.IntegerField()
    deal = serializers.IntegerField(allow_null=True)
