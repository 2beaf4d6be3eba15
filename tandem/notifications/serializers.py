from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tandem.core.models import Notification

from .models import Delivery, DeliveryAttempt, Platform, TeamRobot, WebhookSubscription


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    title = serializers.CharField(source="title_text", read_only=True)
    body = serializers.CharField(source="body_text", read_only=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class UnreadCountSerializer(serializers.Serializer[Any]):
    unread = serializers.IntegerField(min_value=0)


class ReadAllSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(min_value=0)


class InboxQuerySerializer(serializers.Serializer[Any]):
    unread = serializers.ChoiceField(choices=["0", "1"], required=False, help_text=_("1: unread only."))


class PreferenceSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(max_length=60)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    digest = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer[Any]):
    preferences = PreferenceSerializer(many=True)


TARGET_FIELDS = ["id", "name", "url", "event_types", "active", "created_at"]


class EventTypesField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.CharField(max_length=60),
            max_length=200,
            help_text=_("Event type codes (see /api/v1/event-types/); empty: every event."),
            **kwargs,
        )


class WebhookSerializer(serializers.ModelSerializer[WebhookSubscription]):
    event_types = EventTypesField(required=False)
    url = serializers.CharField(max_length=500)

    class Meta:
        model = WebhookSubscription
        fields = TARGET_FIELDS
        read_only_fields = ["id", "created_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    """The answer to a creation: the only time the API shows the signing secret."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookSerializer.Meta):
        fields = [*TARGET_FIELDS, "secret"]
        read_only_fields = ["id", "created_at", "secret"]


class TeamRobotSerializer(serializers.ModelSerializer[TeamRobot]):
    event_types = EventTypesField(required=False)
    url = serializers.CharField(max_length=500)
    platform = serializers.ChoiceField(choices=Platform.choices)
    secret = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)
    team = serializers.IntegerField(source="team_id", min_value=1, max_value=2147483647)

    class Meta:
        model = TeamRobot
        fields = [*TARGET_FIELDS, "team", "platform", "secret", "include_subteams"]
        read_only_fields = ["id", "created_at"]


class AttemptSerializer(serializers.ModelSerializer[DeliveryAttempt]):
    class Meta:
        model = DeliveryAttempt
        fields = ["at", "status_code", "response_body", "error", "duration_ms"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "uid",
            "event_type",
            "body",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "created_at",
            "delivered_at",
            "replay_of",
            "attempt_log",
        ]
        read_only_fields = fields


class EventTypeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    resource = serializers.CharField(allow_null=True)
