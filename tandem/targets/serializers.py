"""API shapes of targets and attainment. Amounts and ratios are decimal strings; a target is in
the company currency for money KPIs; periods are keys (``2026-03``, ``2026-Q1``, ``2026``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from tandem.kpis.serializers import DecimalText, MissingRateSerializer, id_field

from .models import MAX_VALUE, SubjectKind, Target

PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
PERIOD_HELP = gettext_lazy("A month (2026-03), a fiscal quarter (2026-Q1) or a fiscal year (2026).")


def PeriodKeyField(**kwargs: Any) -> serializers.RegexField:
    kwargs.setdefault("help_text", PERIOD_HELP)
    return serializers.RegexField(
        PERIOD_PATTERN,
        max_length=7,
        error_messages={"invalid": gettext_lazy("Give a period as 2026-03, 2026-Q1 or 2026.")},
        **kwargs,
    )


class TargetSerializer(serializers.ModelSerializer[Target]):
    kpi: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.CharField(source="period_key", read_only=True, help_text=PERIOD_HELP)
    value = DecimalText(help_text=gettext_lazy("The target: money in the company currency, or a count."))

    class Meta:
        model = Target
        fields = [
            "id",
            "subject_kind",
            "user",
            "team",
            "kpi",
            "period",
            "period_kind",
            "start",
            "end",
            "value",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class TargetCreateSerializer(serializers.Serializer):
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    user = id_field(gettext_lazy("The person (subject_kind person)."))
    team = id_field(gettext_lazy("The team (subject_kind team)."))
    kpi = serializers.SlugField(max_length=50, help_text=gettext_lazy("The KPI's code, e.g. won_amount."))
    period = PeriodKeyField()
    value = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, max_value=MAX_VALUE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["subject_kind"]
        if kind == SubjectKind.PERSON and not attrs.get("user"):
            raise serializers.ValidationError({"user": [gettext_lazy("Name the person.")]})
        if kind == SubjectKind.TEAM and not attrs.get("team"):
            raise serializers.ValidationError({"team": [gettext_lazy("Name the team.")]})
        return attrs


class TargetUpdateSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, max_value=MAX_VALUE)
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("The version you read.")
    )


class TargetQuerySerializer(serializers.Serializer):
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices, required=False)
    user = id_field(gettext_lazy("Targets of this person."))
    team = id_field(gettext_lazy("Targets of this team (the team's own)."))
    kpi = serializers.SlugField(max_length=50, required=False, help_text=gettext_lazy("A KPI's code."))
    period = PeriodKeyField(required=False)
    period_kind = serializers.ChoiceField(choices=["month", "quarter", "year"], required=False)


class AttainmentQuerySerializer(serializers.Serializer):
    kpi = serializers.SlugField(max_length=50, required=False, default="won_amount")
    period = PeriodKeyField(required=False, help_text=gettext_lazy("Default: this fiscal quarter."))
    team = id_field(gettext_lazy("This team, the people counting in it and its sub-teams."))
    user = id_field(gettext_lazy("This person."))
    company = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("The company."))


class AttainmentRowSerializer(serializers.Serializer):
    subject_kind = serializers.CharField(source="kind")
    subject_id = serializers.IntegerField(source="id")
    label = serializers.CharField()  # type: ignore[assignment]
    target = DecimalText()
    actual = DecimalText()
    attainment = DecimalText(help_text=gettext_lazy("Actual ÷ target, a fraction; null without a target."))
    expected = DecimalText(
        help_text=gettext_lazy("What a straight line through the period expects by today.")
    )
    pace = serializers.ChoiceField(
        choices=["on_track", "at_risk", "off_track", "not_started"], allow_null=True
    )
    pace_label = serializers.CharField()
    top_down = serializers.BooleanField(help_text=gettext_lazy("Set for the team itself, not summed."))
    members_sum = DecimalText(help_text=gettext_lazy("A team's members' and sub-teams' targets added up."))
    gap = DecimalText(help_text=gettext_lazy("Top-down target − members' sum."))
    missing_rates = MissingRateSerializer(many=True)


class AttainmentSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField()
    period_label = serializers.CharField()
    currency = serializers.CharField()
    results = AttainmentRowSerializer(many=True)
    missing_rates_text = serializers.ListField(child=serializers.CharField())
