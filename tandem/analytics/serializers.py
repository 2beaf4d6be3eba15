"""API shapes of the analytics extras: query parameters checked field by field (400 naming the
field), figures as decimal strings in the company currency, labels in the caller's language."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from tandem.kpis.models import KpiDefinition
from tandem.kpis.serializers import DecimalText, MissingRateSerializer, id_field

from .filters import year_error

MAX_DAYS = 366 * 5


def _in_years(value: datetime.date) -> datetime.date:
    error = year_error(value)
    if error:
        raise serializers.ValidationError(error)
    return value


class RangeQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text=gettext_lazy("First day, YYYY-MM-DD."))
    end = serializers.DateField(
        help_text=gettext_lazy("Last day, YYYY-MM-DD (at most five years after start).")
    )
    team = id_field(gettext_lazy("A team: it and every team below it."))
    owner = id_field(gettext_lazy("A person."))
    pipeline = id_field(gettext_lazy("A pipeline."))

    def validate_start(self, value: datetime.date) -> datetime.date:
        return _in_years(value)

    def validate_end(self, value: datetime.date) -> datetime.date:
        return _in_years(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("The range ends before it starts.")]})
        if (attrs["end"] - attrs["start"]).days > MAX_DAYS:
            raise serializers.ValidationError({"end": [_("Choose a range of at most five years.")]})
        return attrs


def _active_kpi(code: str) -> KpiDefinition:
    found = (
        KpiDefinition.objects.select_related("numerator", "denominator")
        .filter(code=code, is_active=True)
        .first()
    )
    if found is None:
        raise serializers.ValidationError(_("No active KPI has this code."))
    return found


class TrendQuerySerializer(RangeQuerySerializer):
    kpi = serializers.SlugField(max_length=50, help_text=gettext_lazy("A KPI's code, e.g. won_amount."))
    by = serializers.ChoiceField(
        choices=["month", "quarter"], default="month", help_text=gettext_lazy("month, or fiscal quarter.")
    )

    def validate_kpi(self, value: str) -> KpiDefinition:
        return _active_kpi(value)


class LeaderboardQuerySerializer(RangeQuerySerializer):
    kpi = serializers.SlugField(
        max_length=50, default="won_amount", help_text=gettext_lazy("A KPI's code (default won_amount).")
    )
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)

    def validate_kpi(self, value: str) -> KpiDefinition:
        return _active_kpi(value)


class FunnelStepSerializer(serializers.Serializer):
    stage = serializers.IntegerField()
    label = serializers.CharField(help_text=gettext_lazy("The stage's name in the caller's language."))  # type: ignore[assignment]
    kind = serializers.CharField(help_text=gettext_lazy("open, won or lost."))
    deals = serializers.IntegerField(help_text=gettext_lazy("Deals of the cohort that entered the stage."))
    conversion = DecimalText(
        help_text=gettext_lazy("Share of the previous step's deals; null for the first and for lost.")
    )


class FunnelSerializer(serializers.Serializer):
    pipeline = serializers.IntegerField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    results = FunnelStepSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("2026-03 (month) or 2026-Q1 (fiscal quarter)."))
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField()
    end = serializers.DateField()
    value = DecimalText(
        help_text=gettext_lazy("The figure (a ratio as a fraction); null when nothing to divide by.")
    )
    count = serializers.IntegerField()


class TrendSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    unit = serializers.CharField()
    by = serializers.CharField()
    currency = serializers.CharField()
    results = TrendPointSerializer(many=True)
    missing_rates = MissingRateSerializer(many=True)
    missing_rates_text = serializers.ListField(child=serializers.CharField())


class KindCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("The follow-up kind: call, visit, email, …"))
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class PersonActivitySerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("The author's id."))
    label = serializers.CharField()  # type: ignore[assignment]
    total = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())


class ActivitiesSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = serializers.IntegerField()
    by_kind = KindCountSerializer(many=True)
    results = PersonActivitySerializer(many=True)


class LeaderSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    key = serializers.IntegerField(help_text=gettext_lazy("The person's id."))
    label = serializers.CharField()  # type: ignore[assignment]
    value = DecimalText(help_text=gettext_lazy("The figure."))
    count = serializers.IntegerField()


class LeaderboardSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    unit = serializers.CharField()
    currency = serializers.CharField()
    results = LeaderSerializer(many=True)
    missing_rates = MissingRateSerializer(many=True)
    missing_rates_text = serializers.ListField(child=serializers.CharField())
