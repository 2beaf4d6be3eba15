"""API shapes of handoffs and their templates."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.core.api import NamesField
from tandem.org.models import Team, User

from .models import Handoff, HandoffTemplate, OnAccept, RecordKind, Trigger


class RefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HandoffRecordRefSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=RecordKind.choices)
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class RecordOutSerializer(HandoffRecordRefSerializer):
    name = serializers.CharField()


class ChecklistItemSerializer(serializers.Serializer[Any]):
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    labels = NamesField(max_length=200, required=False)
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]


class ChecklistAnswerSerializer(ChecklistItemSerializer):
    done = serializers.BooleanField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


class HandoffTemplateSerializer(serializers.ModelSerializer[HandoffTemplate]):
    display_name = serializers.CharField(read_only=True)
    names = NamesField(required=False)
    checklist = ChecklistItemSerializer(many=True)

    class Meta:
        model = HandoffTemplate
        fields = [
            "id",
            "name",
            "names",
            "display_name",
            "record_kind",
            "from_role",
            "to_role",
            "trigger",
            "checklist",
            "required_fields",
            "sla_hours",
            "on_accept",
            "sender_stays",
            "sender_role",
            "is_active",
        ]


class HandoffTemplateInputSerializer(serializers.Serializer[HandoffTemplate]):
    name = serializers.CharField(max_length=100)
    names = NamesField(required=False)
    record_kind = serializers.ChoiceField(choices=RecordKind.choices)
    from_role = serializers.CharField(
        max_length=40, help_text="A record-team role's code (owner, account_manager, ...)."
    )
    to_role = serializers.CharField(
        max_length=40, help_text="A record-team role's code (owner, account_manager, ...)."
    )
    trigger = serializers.ChoiceField(choices=Trigger.choices, default=Trigger.MANUAL)
    checklist = ChecklistItemSerializer(many=True, required=False, max_length=30)  # type: ignore[call-arg]
    required_fields = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )
    sla_hours = serializers.IntegerField(min_value=1, max_value=2160, default=24)
    on_accept = serializers.ChoiceField(choices=OnAccept.choices, default=OnAccept.OWNER)
    sender_stays = serializers.BooleanField(default=True)
    sender_role = serializers.CharField(max_length=40, required=False, allow_blank=True)
    is_active = serializers.BooleanField(default=True)


class HandoffSerializer(serializers.ModelSerializer[Handoff]):
    template = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    recipient = serializers.SerializerMethodField()
    recipient_team = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    checklist = ChecklistAnswerSerializer(many=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Handoff
        fields = [
            "id",
            "template",
            "record",
            "sender",
            "recipient",
            "recipient_team",
            "note",
            "checklist",
            "status",
            "created_at",
            "due_at",
            "overdue",
            "decided_at",
            "decided_by",
            "rejection_reason",
            "escalated_at",
        ]

    @extend_schema_field(RefSerializer)
    def get_template(self, obj: Handoff) -> dict[str, Any] | None:
        return {"id": obj.template_id, "name": obj.template.display_name}

    @extend_schema_field(RecordOutSerializer)
    def get_record(self, obj: Handoff) -> dict[str, Any]:
        return {"type": obj.resource, "id": obj.record.pk, "name": str(obj.record)}

    @extend_schema_field(RefSerializer)
    def get_sender(self, obj: Handoff) -> dict[str, Any] | None:
        return _ref(obj.sender)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_recipient(self, obj: Handoff) -> dict[str, Any] | None:
        return _ref(obj.recipient)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_recipient_team(self, obj: Handoff) -> dict[str, Any] | None:
        return _ref(obj.recipient_team)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_decided_by(self, obj: Handoff) -> dict[str, Any] | None:
        return _ref(obj.decided_by)

    def get_overdue(self, obj: Handoff) -> bool:
        return obj.is_overdue(timezone.now())


class HandoffSendSerializer(serializers.Serializer[Handoff]):
    template = serializers.PrimaryKeyRelatedField(queryset=HandoffTemplate.objects.filter(is_active=True))
    record = HandoffRecordRefSerializer()
    recipient = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    recipient_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(deleted_at__isnull=True), required=False, allow_null=True
    )
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    checked = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=29),
        required=False,
        default=list,
        max_length=30,
        help_text="Positions (from 0) of the checklist items ticked.",
    )


class HandoffRejectSerializer(serializers.Serializer[Handoff]):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class HandoffListQuerySerializer(serializers.Serializer[Any]):
    box = serializers.ChoiceField(choices=["incoming", "outgoing", "team"], required=False)
    status = serializers.ChoiceField(choices=["pending", "accepted", "rejected", "cancelled"], required=False)
    overdue = serializers.BooleanField(required=False, default=False)
