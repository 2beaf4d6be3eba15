"""API shapes of work reports, their templates and submission rules."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.core.api import NamesField
from tandem.org.models import Role, Team, User

from .models import MissingState, Report, ReportKind, ReportTemplate, SectionKind, SubmissionRule


class ReportRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


class ReportSectionSerializer(serializers.Serializer[Any]):
    key = serializers.RegexField(r"^[a-z][a-z0-9_]{0,39}$")
    title = serializers.CharField(max_length=200)
    titles = NamesField(max_length=200, required=False)
    help = serializers.CharField(max_length=500, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=SectionKind.choices, default=SectionKind.TEXT)
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]


class ReportTemplateSerializer(serializers.ModelSerializer[ReportTemplate]):
    display_name = serializers.CharField(read_only=True)
    names = NamesField(required=False)
    sections = ReportSectionSerializer(many=True)

    class Meta:
        model = ReportTemplate
        fields = ["id", "name", "names", "display_name", "kind", "sections", "is_active", "is_default"]


class ReportTemplateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    names = NamesField(required=False)
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    sections = ReportSectionSerializer(many=True)
    is_active = serializers.BooleanField(default=True)
    is_default = serializers.BooleanField(default=False)


class ReportPlanSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    text = serializers.CharField()


class ReportSerializer(serializers.ModelSerializer[Report]):
    author = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    template: serializers.PrimaryKeyRelatedField[ReportTemplate] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    recipients = serializers.SerializerMethodField()
    recipient_teams = serializers.SerializerMethodField()
    read_by_me = serializers.SerializerMethodField()
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    figures = serializers.DictField()

    class Meta:
        model = Report
        fields = [
            "id",
            "author",
            "team",
            "template",
            "kind",
            "period_start",
            "period_end",
            "status",
            "submitted_at",
            "due_at",
            "answers",
            "figures",
            "recipients",
            "recipient_teams",
            "read_by_me",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportRefSerializer)
    def get_author(self, obj: Report) -> dict[str, Any] | None:
        return _ref(obj.author)

    @extend_schema_field(ReportRefSerializer(allow_null=True))
    def get_team(self, obj: Report) -> dict[str, Any] | None:
        return {"id": obj.team.pk, "name": obj.team.display_name} if obj.team else None

    @extend_schema_field(ReportRefSerializer(many=True))
    def get_recipients(self, obj: Report) -> list[dict[str, Any]]:
        return [{"id": u.pk, "name": str(u)} for u in obj.recipients.all()]

    @extend_schema_field(ReportRefSerializer(many=True))
    def get_recipient_teams(self, obj: Report) -> list[dict[str, Any]]:
        return [{"id": t.pk, "name": t.display_name} for t in obj.recipient_teams.all()]

    @extend_schema_field(serializers.BooleanField())
    def get_read_by_me(self, obj: Report) -> bool:
        return bool(getattr(obj, "read_by_me", False))


class ReportDraftSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    template = serializers.IntegerField()
    sections = ReportSectionSerializer(many=True)
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    figures = serializers.DictField()
    previous_report = serializers.IntegerField(allow_null=True)
    previous_plan = ReportPlanSerializer(many=True)


class ReportDraftQuerySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    date = serializers.DateField(
        required=False, help_text="A day in the period (default: today, in your time zone)."
    )


class ReportListQuerySerializer(serializers.Serializer[Any]):
    box = serializers.ChoiceField(
        choices=[("mine", "mine"), ("received", "received"), ("team", "team")], default="mine"
    )
    kind = serializers.ChoiceField(choices=ReportKind.choices, required=False)
    author = serializers.IntegerField(required=False, min_value=1)
    team = serializers.IntegerField(required=False, min_value=1)


class ReportCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    date = serializers.DateField(required=False)
    template = serializers.PrimaryKeyRelatedField(queryset=ReportTemplate.objects.all(), required=False)
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20000), required=False
    )
    recipients = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    recipient_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(deleted_at__isnull=True), many=True, required=False
    )
    submit = serializers.BooleanField(default=False)


class ReportUpdateSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20000), required=False
    )
    recipients = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    recipient_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(deleted_at__isnull=True), many=True, required=False
    )
    refresh_figures = serializers.BooleanField(default=False)


class ReportSubmitSerializer(serializers.Serializer[Any]):
    recipients = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    recipient_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(deleted_at__isnull=True), many=True, required=False
    )


class ReportLikeSerializer(serializers.Serializer[Any]):
    liked = serializers.BooleanField()
    likes = serializers.IntegerField()


class ReportMissingQuerySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReportKind.choices, default=ReportKind.DAILY)
    period = serializers.DateField(required=False, help_text="A day in the period (default: today).")
    team = serializers.IntegerField(required=False, min_value=1)


class ReportMissingRowSerializer(serializers.Serializer[Any]):
    person = ReportRefSerializer()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=MissingState.choices)
    report = serializers.IntegerField(allow_null=True)
    reminded = serializers.BooleanField()


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "18:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in each covered person's own zone ("18:00"): no offset, so not RFC 3339."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class SubmissionRuleSerializer(serializers.ModelSerializer[SubmissionRule]):
    due_time = LocalTimeField()
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(deleted_at__isnull=True), allow_null=True, required=False
    )
    role = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all(), allow_null=True, required=False)
    person = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), min_length=1, required=False
    )

    class Meta:
        model = SubmissionRule
        fields = [
            "id",
            "kind",
            "team",
            "role",
            "person",
            "due_time",
            "working_days",
            "weekday",
            "remind_minutes_before",
            "is_active",
        ]
