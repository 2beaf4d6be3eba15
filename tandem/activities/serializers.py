"""API representations of follow-up records (跟进记录)."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from tandem.core.dates import BUSINESS_DATE
from tandem.core.openapi import NOT_BLANK
from tandem.customers.serializers import account_ref, contact_ref
from tandem.deals.models import Deal
from tandem.leads.models import Lead
from tandem.org.serializers import VisibleRelatedField

from .models import Activity, ActivityKind


def _ref(resource: str, model: type[Lead] | type[Deal]) -> VisibleRelatedField:
    return VisibleRelatedField(
        resource=resource, queryset=model.objects.all(), required=False, allow_null=True, default=None
    )


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    account_name = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    lead_name = serializers.SerializerMethodField()
    deal_name = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject",
            "content",
            "occurred_at",
            "author",
            "author_name",
            "team",
            "account",
            "account_name",
            "contact",
            "contact_name",
            "lead",
            "lead_name",
            "deal",
            "deal_name",
            "next_follow_up_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_account_name(self, obj: Activity) -> str | None:
        return str(obj.account) if obj.account_id else None

    def get_contact_name(self, obj: Activity) -> str | None:
        return str(obj.contact) if obj.contact_id else None

    def get_lead_name(self, obj: Activity) -> str | None:
        return str(obj.lead) if obj.lead_id else None

    def get_deal_name(self, obj: Activity) -> str | None:
        return str(obj.deal) if obj.deal_id else None


class ActivityInputSerializer(serializers.Serializer[Activity]):
    """A follow-up on records the caller may see. Links are fixed at creation."""

    # What the service checks across fields: a subject or a content, and at least one record.
    openapi_extra: ClassVar[dict[str, Any]] = {
        "allOf": [
            {
                "anyOf": [
                    {"required": [name], "properties": {name: {"type": "string", "pattern": NOT_BLANK}}}
                    for name in ("subject", "content")
                ]
            },
            {
                "anyOf": [
                    {"required": [name], "properties": {name: {"type": "integer"}}}
                    for name in ("account", "contact", "lead", "deal")
                ]
            },
        ]
    }

    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False, default=ActivityKind.CALL)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(
        validators=BUSINESS_DATE, required=False, allow_null=True, default=None
    )
    account = account_ref(required=False, allow_null=True, default=None)
    contact = contact_ref(required=False, allow_null=True, default=None)
    lead = _ref("lead", Lead)
    deal = _ref("deal", Deal)
    next_follow_up_on = serializers.DateField(
        validators=BUSINESS_DATE, required=False, allow_null=True, default=None
    )


class ActivityUpdateSerializer(serializers.Serializer[Activity]):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True)
    next_follow_up_on = serializers.DateField(validators=BUSINESS_DATE, required=False, allow_null=True)
