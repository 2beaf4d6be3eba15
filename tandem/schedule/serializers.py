"""API shapes of calendar events, occurrences, answers and workload (components prefixed Calendar)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.org.models import Team, User

from .models import Event, EventKind, EventStatus, Response


class CalendarRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CalendarAttendeeSerializer(serializers.Serializer[Any]):
    user = CalendarRefSerializer(allow_null=True)
    contact = CalendarRefSerializer(allow_null=True)
    response = serializers.ChoiceField(choices=Response.choices)
    responded_at = serializers.DateTimeField(allow_null=True)


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


class CalendarEventSerializer(serializers.ModelSerializer[Event]):
    organizer = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    attendees = serializers.SerializerMethodField()
    uid = serializers.CharField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "title",
            "description",
            "kind",
            "status",
            "organizer",
            "team",
            "starts_at",
            "ends_at",
            "all_day",
            "time_zone",
            "place",
            "record_type",
            "record_id",
            "recurrence",
            "recurrence_ends_at",
            "series",
            "original_start",
            "sequence",
            "attendees",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CalendarRefSerializer)
    def get_organizer(self, obj: Event) -> dict[str, Any] | None:
        return _ref(obj.organizer)

    @extend_schema_field(CalendarRefSerializer(allow_null=True))
    def get_team(self, obj: Event) -> dict[str, Any] | None:
        return _ref(obj.team)

    @extend_schema_field(CalendarAttendeeSerializer(many=True))
    def get_attendees(self, obj: Event) -> list[dict[str, Any]]:
        return [
            {
                "user": _ref(a.user),
                "contact": _ref(a.contact),
                "response": a.response,
                "responded_at": a.responded_at,
            }
            for a in obj.attendees.all()
        ]


class CalendarEventInputSerializer(serializers.Serializer[Event]):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=EventKind.choices, default=EventKind.MEETING)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    all_day = serializers.BooleanField(required=False, default=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    place = serializers.CharField(max_length=255, required=False, allow_blank=True)
    record_type = serializers.CharField(max_length=20, required=False, allow_blank=True)
    record_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    recurrence = serializers.CharField(max_length=200, required=False, allow_blank=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(deleted_at__isnull=True), required=False, allow_null=True
    )
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    contacts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=200
    )

    def validate_time_zone(self, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            from django.utils.translation import gettext

            raise serializers.ValidationError(gettext("Unknown time zone.")) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("starts_at"), attrs.get("ends_at")
        if start is not None and end is not None and end < start:
            from django.utils.translation import gettext

            raise serializers.ValidationError({"ends_at": [gettext("The end must not be before the start.")]})
        return attrs


class CalendarEventQuerySerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField(required=False, help_text="Events ending after this instant.")
    end = serializers.DateTimeField(required=False, help_text="Events starting before this instant.")
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    status = serializers.ChoiceField(choices=EventStatus.choices, required=False)
    record_type = serializers.CharField(max_length=20, required=False)
    record_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


class CalendarOccurrenceQuerySerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    kind = serializers.CharField(
        max_length=16, required=False, help_text="A kind of event (visit, meeting, ...) or task."
    )
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    person = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    tasks = serializers.BooleanField(required=False, default=True)

    def validate_kind(self, value: str) -> str:
        if value and value not in (*EventKind.values, "task"):
            from django.utils.translation import gettext

            raise serializers.ValidationError(gettext("Choose a kind of event."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            from django.utils.translation import gettext

            raise serializers.ValidationError({"end": [gettext("Give a start and an end after it.")]})
        return attrs


class CalendarOccurrenceSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    all_day = serializers.BooleanField()
    place = serializers.CharField()
    url = serializers.CharField()
    event = serializers.IntegerField(allow_null=True, help_text="The event (a series or single event).")
    occurrence = serializers.DateTimeField(
        allow_null=True, help_text="The original start of a series' occurrence (to edit that occurrence)."
    )
    task = serializers.IntegerField(allow_null=True)


class CalendarRespondSerializer(serializers.Serializer[Any]):
    response = serializers.ChoiceField(
        choices=[(k, v) for k, v in Response.choices if k != Response.NEEDS_ACTION]
    )


class CalendarOccurrenceRefSerializer(serializers.Serializer[Any]):
    occurrence = serializers.DateTimeField(
        required=False, help_text="The original start of one occurrence of a series: only it changes."
    )


class CalendarWorkloadQuerySerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    week = serializers.CharField(max_length=10, required=False, help_text="2026-W49, or a date in the week.")


class CalendarLoadSerializer(serializers.Serializer[Any]):
    user = CalendarRefSerializer()
    visits = serializers.IntegerField()
    visit_hours = serializers.FloatField()
    meetings = serializers.IntegerField()
    meeting_hours = serializers.FloatField()
    other_events = serializers.IntegerField()
    other_hours = serializers.FloatField()
    open_tasks_due = serializers.IntegerField()
    task_hours = serializers.FloatField()
    total_hours = serializers.FloatField()
    capacity_hours = serializers.IntegerField()
    capacity_visits = serializers.IntegerField()
    overloaded = serializers.BooleanField()


class CalendarWorkloadSerializer(serializers.Serializer[Any]):
    week = serializers.CharField()
    week_start = serializers.DateField()
    team = CalendarRefSerializer(allow_null=True)
    people = CalendarLoadSerializer(many=True)
