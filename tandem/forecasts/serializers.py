"""Serializers of the forecasts API. Amounts are decimal strings in the company currency."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tandem.org.models import Team, User

from .models import (
    ForecastAdjustment,
    ForecastSnapshot,
    ForecastSubmission,
    ForecastSubmissionVersion,
    SubjectKind,
)

PERIOD_HELP = _("A fiscal quarter (2026-Q1) or a month (2026-03).")
PERIOD_PATTERN = r"^\d{4}-(Q[1-4]|(0[1-9]|1[0-2]))$"


def _amount(help_text: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, max_value=99999999999999, help_text=help_text
    )


class SubmissionVersionSerializer(serializers.ModelSerializer[ForecastSubmissionVersion]):
    saved_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ForecastSubmissionVersion
        fields = [
            "version",
            "commit_amount",
            "best_case_amount",
            "note",
            "saved_by",
            "saved_by_name",
            "saved_at",
        ]
        read_only_fields = fields

    def get_saved_by_name(self, obj: ForecastSubmissionVersion) -> str | None:
        return str(obj.saved_by) if obj.saved_by_id else None


class SubmissionSerializer(serializers.ModelSerializer[ForecastSubmission]):
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)

    class Meta:
        model = ForecastSubmission
        fields = [
            "id",
            "owner",
            "owner_name",
            "team",
            "period",
            "commit_amount",
            "best_case_amount",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SubmissionDetailSerializer(SubmissionSerializer):
    versions = SubmissionVersionSerializer(many=True, read_only=True)

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class SubmissionInputSerializer(serializers.Serializer[Any]):
    period = serializers.RegexField(PERIOD_PATTERN, help_text=PERIOD_HELP)
    commit_amount = _amount(_("What you are sure to close in the period."))
    best_case_amount = _amount(_("What you could close if things go well; not below commit."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SubmissionUpdateSerializer(serializers.Serializer[Any]):
    commit_amount = _amount(_("What you are sure to close in the period."))
    best_case_amount = _amount(_("What you could close if things go well; not below commit."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2147483647)


class SubmissionQuerySerializer(serializers.Serializer[Any]):
    period = serializers.RegexField(PERIOD_PATTERN, required=False, help_text=PERIOD_HELP)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=2147483647)
    team = serializers.IntegerField(required=False, min_value=1, max_value=2147483647)


class AdjustmentSerializer(serializers.ModelSerializer[ForecastAdjustment]):
    adjusted_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ForecastAdjustment
        fields = [
            "id",
            "subject_kind",
            "owner",
            "team",
            "period",
            "commit_amount",
            "best_case_amount",
            "reason",
            "adjusted_by",
            "adjusted_by_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_adjusted_by_name(self, obj: ForecastAdjustment) -> str | None:
        return str(obj.adjusted_by) if obj.adjusted_by_id else None


class AdjustmentInputSerializer(serializers.Serializer[Any]):
    period = serializers.RegexField(PERIOD_PATTERN, help_text=PERIOD_HELP)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text=_("The person whose forecast you adjust.")
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, help_text=_("Or the team whose forecast you adjust.")
    )
    commit_amount = _amount(_("Your adjusted commit."))
    best_case_amount = _amount(_("Your adjusted best case; not below commit."))
    reason = serializers.CharField(max_length=2000, help_text=_("Why you adjust it (required)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("owner" in attrs) == ("team" in attrs):
            raise serializers.ValidationError({"owner": [_("Give either a person (owner) or a team.")]})
        return attrs


class AdjustmentQuerySerializer(SubmissionQuerySerializer):
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices[:2], required=False)


class SnapshotSerializer(serializers.ModelSerializer[ForecastSnapshot]):
    class Meta:
        model = ForecastSnapshot
        fields = [
            "id",
            "taken_on",
            "period",
            "subject",
            "subject_kind",
            "owner",
            "team",
            "submitted_commit",
            "submitted_best_case",
            "adjusted_commit",
            "adjusted_best_case",
            "commit_pipeline",
            "best_case_pipeline",
            "pipeline_pipeline",
            "weighted_pipeline",
            "won_to_date",
        ]
        read_only_fields = fields


class SnapshotQuerySerializer(serializers.Serializer[Any]):
    period = serializers.RegexField(PERIOD_PATTERN, required=False, help_text=PERIOD_HELP)
    subject = serializers.RegexField(
        r"^(company|person:\d{1,10}|team:\d{1,10})$",
        required=False,
        help_text=_("company, person:<id> or team:<id>."),
    )
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices, required=False)
    taken_from = serializers.DateField(required=False)
    taken_to = serializers.DateField(required=False)
