"""API shapes of tasks, their checklist items and labels."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.core.dates import BUSINESS_DATE

from .models import ChecklistItem, Task, TaskLabel, TaskPriority, TaskStatus


class TaskPersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskRecordSerializer(serializers.Serializer[Any]):
    type = serializers.CharField()
    id = serializers.IntegerField()
    url = serializers.CharField()


class TaskLabelSerializer(serializers.ModelSerializer[TaskLabel]):
    class Meta:
        model = TaskLabel
        fields = ["id", "name", "color"]


class TaskChecklistItemSerializer(serializers.ModelSerializer[ChecklistItem]):
    class Meta:
        model = ChecklistItem
        fields = ["id", "text", "done", "position"]
        read_only_fields = ["id", "position"]


class TaskChecklistInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=300, required=False)
    done = serializers.BooleanField(required=False)


class TaskChecklistOrderSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=100
    )


def _person(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


class TaskSerializer(serializers.ModelSerializer[Task]):
    assignee = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    collaborators = serializers.SerializerMethodField()
    labels = TaskLabelSerializer(many=True, read_only=True)
    checklist = TaskChecklistItemSerializer(many=True, read_only=True)
    record = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "assignee",
            "team",
            "created_by",
            "collaborators",
            "status",
            "priority",
            "due_at",
            "all_day",
            "estimate_minutes",
            "completed_at",
            "overdue",
            "labels",
            "record",
            "recurrence",
            "series",
            "remind_minutes_before",
            "position",
            "checklist",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(TaskPersonSerializer)
    def get_assignee(self, obj: Task) -> dict[str, Any] | None:
        return _person(obj.assignee)

    @extend_schema_field(TaskPersonSerializer)
    def get_created_by(self, obj: Task) -> dict[str, Any] | None:
        return _person(obj.created_by)

    @extend_schema_field(TaskPersonSerializer(many=True))
    def get_collaborators(self, obj: Task) -> list[dict[str, Any]]:
        return [{"id": u.pk, "name": str(u)} for u in obj.collaborators.all()]

    @extend_schema_field(TaskRecordSerializer(allow_null=True))
    def get_record(self, obj: Task) -> dict[str, Any] | None:
        if not obj.record_type or obj.record_id is None:
            return None
        from tandem.discussions.registry import KINDS

        kind = KINDS.get(obj.record_type)
        url = ""
        if kind is not None:
            try:
                url = kind.url_of(kind.model(pk=obj.record_id))
            except Exception:
                url = ""
        return {"type": obj.record_type, "id": obj.record_id, "url": url}

    def get_overdue(self, obj: Task) -> bool:
        return obj.is_open and obj.due_at is not None and obj.due_at < timezone.now()


class TaskInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    assignee = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    collaborators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=50
    )
    labels = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=20,
        help_text="Label names; a new name creates the label.",
    )
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    due_at = serializers.DateTimeField(required=False, allow_null=True, validators=BUSINESS_DATE)
    all_day = serializers.BooleanField(required=False)
    estimate_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=100000
    )
    recurrence = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="RFC 5545 RRULE without DTSTART: FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY, BYMONTHDAY, UNTIL.",
    )
    remind_minutes_before = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10080
    )
    record_type = serializers.CharField(required=False, allow_blank=True, max_length=20)
    record_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=100,
        help_text="Checklist item texts (on create).",
    )
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)


class TaskListQuerySerializer(serializers.Serializer[Any]):
    assignee = serializers.CharField(required=False, help_text="me, or a person's id.")
    created_by = serializers.CharField(required=False, help_text="me, or a person's id.")
    status = serializers.MultipleChoiceField(choices=TaskStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    due_before = serializers.DateTimeField(required=False, validators=BUSINESS_DATE)
    due_after = serializers.DateTimeField(required=False, validators=BUSINESS_DATE)
    overdue = serializers.BooleanField(required=False)
    record_type = serializers.CharField(required=False, max_length=20)
    record_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    label = serializers.CharField(required=False, max_length=50, help_text="A label's name or id.")  # type: ignore[assignment]
    team = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def validate_assignee(self, value: str) -> str:
        return _me_or_id(value)

    def validate_created_by(self, value: str) -> str:
        return _me_or_id(value)


def _me_or_id(value: str) -> str:
    if value == "me" or (value.isdigit() and 0 < int(value) < 2**63):
        return value
    raise serializers.ValidationError(gettext("Give “me” or a person's id."))


class TaskMoveSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    after = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    before = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
