"""API shapes of team meetings, their series, agenda items, decisions and action items."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.org.models import Team, User
from tandem.tasks.models import TaskStatus

from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries, RecordKind


class MeetingRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    name = getattr(obj, "display_name", None) or str(obj)
    return {"id": obj.pk, "name": str(name)}


class MeetingRecordLinkSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=RecordKind.choices)
    id = serializers.IntegerField()


class AgendaItemSerializer(serializers.ModelSerializer[AgendaItem]):
    title = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    presenter = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = ["id", "title", "notes", "position", "author", "presenter", "record", "done", "is_review"]

    def get_title(self, obj: AgendaItem) -> str:
        return gettext("Review open action items") if obj.is_review else obj.title

    @extend_schema_field(MeetingRefSerializer)
    def get_author(self, obj: AgendaItem) -> dict[str, Any] | None:
        return _ref(obj.author)

    @extend_schema_field(MeetingRefSerializer(allow_null=True))
    def get_presenter(self, obj: AgendaItem) -> dict[str, Any] | None:
        return _ref(obj.presenter)

    @extend_schema_field(MeetingRecordLinkSerializer(allow_null=True))
    def get_record(self, obj: AgendaItem) -> dict[str, Any] | None:
        if not obj.record_type or obj.record_id is None:
            return None
        return {"type": obj.record_type, "id": obj.record_id}


class AgendaItemInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    presenter = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    record_type = serializers.ChoiceField(
        choices=RecordKind.choices, required=False, allow_blank=True, default=""
    )
    record_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)


class AgendaItemUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    done = serializers.BooleanField(required=False)


class AgendaOrderSerializer(serializers.Serializer[Any]):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=200
    )


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "text", "position", "created_by", "created_at"]

    @extend_schema_field(MeetingRefSerializer)
    def get_created_by(self, obj: Decision) -> dict[str, Any] | None:
        return _ref(obj.created_by)


class DecisionInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=5000)


class ActionItemSerializer(serializers.ModelSerializer[ActionItem]):
    task = serializers.IntegerField(source="task_id")
    title = serializers.CharField(source="task.title")
    owner = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(source="task.due_at", allow_null=True)
    all_day = serializers.BooleanField(source="task.all_day")
    status = serializers.ChoiceField(source="task.status", choices=TaskStatus.choices)
    completed_at = serializers.DateTimeField(source="task.completed_at", allow_null=True)

    class Meta:
        model = ActionItem
        fields = ["id", "task", "title", "owner", "due_at", "all_day", "status", "completed_at"]

    @extend_schema_field(MeetingRefSerializer)
    def get_owner(self, obj: ActionItem) -> dict[str, Any] | None:
        return _ref(obj.task.assignee)


class ActionItemInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    due_on = serializers.DateField(
        required=False, allow_null=True, help_text="A due day (ends in the owner's zone)."
    )


class ActionItemStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TaskStatus.choices)


class MinutesSerializer(serializers.Serializer[Any]):
    minutes = serializers.CharField(max_length=50_000, allow_blank=True)


class HeldSerializer(serializers.Serializer[Any]):
    minutes = serializers.CharField(max_length=50_000, allow_blank=True, required=False)


class CarryOverSerializer(serializers.Serializer[Any]):
    meeting = MeetingRefSerializer(allow_null=True)
    items = ActionItemSerializer(many=True)


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    team = serializers.SerializerMethodField()
    organizer = serializers.SerializerMethodField()
    attendees = serializers.SerializerMethodField()
    accounts = serializers.SerializerMethodField()
    deals = serializers.SerializerMethodField()
    event_uid = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "series",
            "team",
            "title",
            "organizer",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "status",
            "minutes",
            "held_at",
            "previous",
            "event",
            "event_uid",
            "attendees",
            "accounts",
            "deals",
        ]

    @extend_schema_field(MeetingRefSerializer)
    def get_team(self, obj: Meeting) -> dict[str, Any] | None:
        return _ref(obj.team)

    @extend_schema_field(MeetingRefSerializer)
    def get_organizer(self, obj: Meeting) -> dict[str, Any] | None:
        return _ref(obj.organizer)

    @extend_schema_field(MeetingRefSerializer(many=True))
    def get_attendees(self, obj: Meeting) -> list[dict[str, Any] | None]:
        return [_ref(u) for u in obj.attendees.all()]

    @extend_schema_field(MeetingRefSerializer(many=True))
    def get_accounts(self, obj: Meeting) -> list[dict[str, Any] | None]:
        return [_ref(a) for a in obj.accounts.all()]

    @extend_schema_field(MeetingRefSerializer(many=True))
    def get_deals(self, obj: Meeting) -> list[dict[str, Any] | None]:
        return [_ref(d) for d in obj.deals.all()]

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_event_uid(self, obj: Meeting) -> str | None:
        return str(obj.event.uid) if obj.event is not None else None


class MeetingDetailSerializer(MeetingSerializer):
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    action_items = serializers.SerializerMethodField()
    carry_over = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda_items", "decisions", "action_items", "carry_over"]

    @extend_schema_field(ActionItemSerializer(many=True))
    def get_action_items(self, obj: Meeting) -> list[dict[str, Any]]:
        items = obj.action_items.select_related("task", "task__assignee").order_by("id")
        return list(ActionItemSerializer(items, many=True).data)

    @extend_schema_field(CarryOverSerializer)
    def get_carry_over(self, obj: Meeting) -> dict[str, Any]:
        from .services import carry_over

        found = carry_over(obj)
        return {
            "meeting": _ref(found.source),
            "items": ActionItemSerializer(found.items, many=True).data,
        }


class MeetingInputSerializer(serializers.Serializer[Any]):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=50
    )
    deals = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=50
    )


class MeetingUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(max_length=255, required=False, allow_blank=True)
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=50
    )
    deals = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=50
    )


class MeetingListQuerySerializer(serializers.Serializer[Any]):
    when = serializers.ChoiceField(
        choices=[("upcoming", "upcoming"), ("past", "past"), ("all", "all")], required=False, default="all"
    )
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    series = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


class MeetingSeriesSerializer(serializers.ModelSerializer[MeetingSeries]):
    team = serializers.SerializerMethodField()
    organizer = serializers.SerializerMethodField()

    class Meta:
        model = MeetingSeries
        fields = [
            "id",
            "team",
            "title",
            "organizer",
            "recurrence",
            "first_starts_at",
            "duration_minutes",
            "time_zone",
            "place",
            "active",
        ]

    @extend_schema_field(MeetingRefSerializer)
    def get_team(self, obj: MeetingSeries) -> dict[str, Any] | None:
        return _ref(obj.team)

    @extend_schema_field(MeetingRefSerializer)
    def get_organizer(self, obj: MeetingSeries) -> dict[str, Any] | None:
        return _ref(obj.organizer)


class MeetingSeriesInputSerializer(serializers.Serializer[Any]):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    title = serializers.CharField(max_length=200)
    recurrence = serializers.CharField(
        max_length=200, help_text="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO"
    )
    first_starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class MeetingSeriesUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False)
    place = serializers.CharField(max_length=255, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
