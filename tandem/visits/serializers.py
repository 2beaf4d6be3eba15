"""API shapes of field visits (``/api/v1/checkins/``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CheckIn

MAX_ID = 2**63 - 1


class CheckInRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    user = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    account = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    deal = serializers.SerializerMethodField()
    event = serializers.SerializerMethodField()
    activity = serializers.IntegerField(source="activity_id", read_only=True, allow_null=True)
    is_open = serializers.BooleanField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)
    distance_m = serializers.IntegerField(read_only=True, allow_null=True)
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "user",
            "team",
            "account",
            "contact",
            "deal",
            "event",
            "checked_in_at",
            "in_latitude",
            "in_longitude",
            "in_accuracy_m",
            "checked_out_at",
            "out_latitude",
            "out_longitude",
            "out_accuracy_m",
            "not_checked_out",
            "is_open",
            "duration_minutes",
            "distance_m",
            "note",
            "photo_url",
            "photo_type",
            "activity",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CheckInRefSerializer)
    def get_user(self, obj: CheckIn) -> dict[str, Any] | None:
        return _ref(obj.user)

    @extend_schema_field(CheckInRefSerializer(allow_null=True))
    def get_team(self, obj: CheckIn) -> dict[str, Any] | None:
        return _ref(obj.team)

    @extend_schema_field(CheckInRefSerializer)
    def get_account(self, obj: CheckIn) -> dict[str, Any] | None:
        return {"id": obj.account_id, "name": obj.account.name}

    @extend_schema_field(CheckInRefSerializer(allow_null=True))
    def get_contact(self, obj: CheckIn) -> dict[str, Any] | None:
        return _ref(obj.contact)

    @extend_schema_field(CheckInRefSerializer(allow_null=True))
    def get_deal(self, obj: CheckIn) -> dict[str, Any] | None:
        return _ref(obj.deal)

    @extend_schema_field(CheckInRefSerializer(allow_null=True))
    def get_event(self, obj: CheckIn) -> dict[str, Any] | None:
        return None if obj.event is None else {"id": obj.event_id, "name": obj.event.title}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_photo_url(self, obj: CheckIn) -> str | None:
        if not obj.photo:
            return None
        return reverse("api:checkins-photo", kwargs={"pk": obj.pk})


class CheckInPositionSerializer(serializers.Serializer[Any]):
    """A place from the phone's geolocation; all optional, latitude and longitude together."""

    latitude = serializers.DecimalField(
        max_digits=12, decimal_places=8, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=12, decimal_places=8, min_value=-180, max_value=180, required=False, allow_null=True
    )
    accuracy_m = serializers.FloatField(min_value=0, max_value=100_000, required=False, allow_null=True)


class CheckInCreateSerializer(CheckInPositionSerializer):
    account = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Required unless `event` links one.",
        min_value=1,
        max_value=MAX_ID,
    )
    contact = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    deal = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    event = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="A planned visit on the caller's calendar.",
        min_value=1,
        max_value=MAX_ID,
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    photo = serializers.FileField(required=False, allow_null=True)


class CheckInCheckOutSerializer(CheckInPositionSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="Replaces the note when given."
    )


class CheckInPatchSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(allow_blank=True, max_length=5000)


class CheckInPhotoSerializer(serializers.Serializer[Any]):
    photo = serializers.FileField()


class CheckInListQuerySerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(
        required=False, help_text="One person's visits.", min_value=1, max_value=MAX_ID
    )
    team = serializers.IntegerField(
        required=False, help_text="A team's visits (and its sub-teams').", min_value=1, max_value=MAX_ID
    )
    date = serializers.DateField(
        required=False, help_text="Visits begun on this day, in the caller's time zone."
    )
    open = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only open (or closed) ones."
    )
