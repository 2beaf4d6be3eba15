"""API shapes of approvals and approval flows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from tandem.core.api import NamesField
from tandem.deals.models import Pipeline, Stage
from tandem.org.models import Role, Team, User

from . import guards
from .models import (
    ActionKind,
    ApprovalAction,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStep,
    ApprovalTask,
    ApproverKind,
    StepMode,
)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), allow_null=True, required=False
    )


def _percent() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        allow_null=True,
        required=False,
    )


class StepSerializer(serializers.ModelSerializer[ApprovalStep]):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    role = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all(), allow_null=True, required=False)
    approver_kind = serializers.ChoiceField(choices=ApproverKind.choices)
    mode = serializers.ChoiceField(choices=StepMode.choices, default=StepMode.ANY)
    level = serializers.IntegerField(min_value=1, max_value=10, default=1)
    min_amount = _money()
    min_discount = _percent()

    class Meta:
        model = ApprovalStep
        fields = ["approver_kind", "user", "role", "level", "mode", "min_amount", "min_discount"]


class FlowSerializer(serializers.ModelSerializer[ApprovalFlow]):
    display_name = serializers.CharField(read_only=True)
    names = NamesField(required=False)
    guard = serializers.ChoiceField(choices=[])
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.all(), allow_null=True, required=False
    )
    stages = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all(), many=True, required=False)
    min_amount = _money()
    min_discount = _percent()
    priority = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    reminder_hours = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    steps = StepSerializer(many=True, required=False)

    class Meta:
        model = ApprovalFlow
        fields = [
            "id",
            "name",
            "names",
            "display_name",
            "guard",
            "is_active",
            "priority",
            "min_amount",
            "min_discount",
            "team",
            "pipeline",
            "stages",
            "reminder_hours",
            "steps",
        ]
        extra_kwargs = {"name": {"max_length": 100}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guard"].choices = guards.choices()  # type: ignore[attr-defined]


class ApprovalSerializer(serializers.ModelSerializer[ApprovalRequest]):
    record = serializers.SerializerMethodField()
    submitter = serializers.PrimaryKeyRelatedField[User](read_only=True)
    submitter_name = serializers.CharField(source="submitter.display_name", read_only=True)
    summary = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    status = serializers.ChoiceField(choices=ApprovalStatus.choices, read_only=True)
    steps = serializers.SerializerMethodField(help_text="How many steps apply to this request.")

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "flow",
            "guard",
            "record",
            "submitter",
            "submitter_name",
            "summary",
            "change",
            "status",
            "current_step",
            "steps",
            "created_at",
            "decided_at",
            "failure",
            "url",
        ]
        read_only_fields = fields

    def get_steps(self, obj: ApprovalRequest) -> int:
        return len(obj.step_ids)

    def get_record(self, obj: ApprovalRequest) -> dict[str, Any]:
        guard = guards.get(obj.guard)
        return {"type": guard.resource if guard else "", "id": obj.object_id, "name": obj.object_repr}

    def get_summary(self, obj: ApprovalRequest) -> str:
        guard = guards.get(obj.guard)
        return guard.summary(obj.change) if guard else obj.summary


class ApprovalTaskSerializer(serializers.ModelSerializer[ApprovalTask]):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    decision = serializers.ChoiceField(choices=ActionKind.choices, read_only=True)

    class Meta:
        model = ApprovalTask
        fields = ["step_index", "user", "user_name", "decision", "decided_at", "is_open"]
        read_only_fields = fields


class ApprovalActionSerializer(serializers.ModelSerializer[ApprovalAction]):
    actor_name = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=ActionKind.choices, read_only=True)

    class Meta:
        model = ApprovalAction
        fields = ["id", "actor", "actor_name", "kind", "step_index", "comment", "at"]
        read_only_fields = fields

    def get_actor_name(self, obj: ApprovalAction) -> str:
        return obj.actor.display_name if obj.actor else ""


class ApprovalDetailSerializer(ApprovalSerializer):
    tasks = ApprovalTaskSerializer(many=True, read_only=True)
    actions = ApprovalActionSerializer(many=True, read_only=True)

    class Meta(ApprovalSerializer.Meta):
        fields = [*ApprovalSerializer.Meta.fields, "tasks", "actions"]
        read_only_fields = fields


class ApprovalQuerySerializer(serializers.Serializer[Any]):
    box = serializers.ChoiceField(choices=["waiting", "submitted", "all"], default="all")
    status = serializers.ChoiceField(choices=ApprovalStatus.choices, required=False)
    guard = serializers.CharField(required=False, max_length=50)


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class CommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=2000)


class OptionalCommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BodySerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=2000)


class HeldSerializer(serializers.Serializer[Any]):
    """A change held for approval: the request's id, its page and what it holds."""

    id = serializers.IntegerField()
    url = serializers.CharField()
    api_url = serializers.CharField()
    guard = serializers.CharField()
    summary = serializers.CharField()
