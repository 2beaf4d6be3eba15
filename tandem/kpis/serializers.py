"""API shapes of the KPI foundation and the deal analytics (issue 11 §7).

Amounts and ratios are decimal strings (amounts in the company currency); labels are in the
caller's language; query parameters are checked and a bad one answers 400 naming it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.core.api import NamesField
from tandem.core.dates import BUSINESS_DATE, validate_business_date

from . import engine
from .models import CompanySettings, ExchangeRate, KpiDefinition, Measure, Source, Unit

MAX_ID = 2**63 - 1  # ids are 64-bit: anything larger names nothing and answers 400, never 500
MONTH_FORMAT = "%Y-%m"


def id_field(help_text: Any) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` (stored as its first day), between 1900 and 2100 as every business
    date (``core.dates``)."""

    default_error_messages = {"invalid": gettext_lazy("Give a month as YYYY-MM.")}
    default_validators = [validate_business_date]

    def to_internal_value(self, data: Any) -> datetime.date:
        try:
            return datetime.datetime.strptime(str(data).strip(), MONTH_FORMAT).date()
        except ValueError:
            self.fail("invalid")
            raise  # unreachable: fail() raises

    def to_representation(self, value: datetime.date) -> str:
        # Four digits of year whatever the year: strftime writes the year 609 as "609".
        return f"{value.year:04d}-{value.month:02d}"


extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-03"})(MonthField)


class MissingRateSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=gettext_lazy("The currency without a rate."))
    month = serializers.CharField(help_text=gettext_lazy("The month without a rate, YYYY-MM."))


def missing_rates(pairs: Any) -> list[dict[str, str]]:
    return [{"currency": currency, "month": month} for currency, month in pairs]


# --- Company settings ------------------------------------------------------------------------------


class CompanySettingsSerializer(serializers.ModelSerializer[CompanySettings]):
    class Meta:
        model = CompanySettings
        fields = [
            "currency",
            "fiscal_year_start_month",
            "pace_at_risk",
            "pace_off_track",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class CompanySettingsInputSerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=[], required=False)
    fiscal_year_start_month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    pace_at_risk = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    pace_off_track = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    clear_rates = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "Needed to change the currency while exchange rates are on file: they are deleted."
        ),
    )
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.CURRENCIES  # type: ignore[attr-defined]


# --- Exchange rates --------------------------------------------------------------------------------


class ExchangeRateSerializer(serializers.ModelSerializer[ExchangeRate]):
    month = MonthField(read_only=True)

    class Meta:
        model = ExchangeRate
        fields = ["id", "month", "currency", "rate", "version", "updated_at"]
        read_only_fields = fields


class ExchangeRateInputSerializer(serializers.Serializer):
    month = MonthField(help_text=gettext_lazy("The month the rate applies to, YYYY-MM."))
    currency = serializers.ChoiceField(choices=[])
    rate = serializers.DecimalField(
        max_digits=18,
        decimal_places=8,
        min_value=0,
        help_text=gettext_lazy("One unit of the currency in the company currency, e.g. 7.1234."),
    )
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.CURRENCIES  # type: ignore[attr-defined]


class ExchangeRateQuerySerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=[], required=False)
    month_from = MonthField(required=False)
    month_to = MonthField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.CURRENCIES  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("month_from") and attrs.get("month_to") and attrs["month_from"] > attrs["month_to"]:
            raise serializers.ValidationError({"month_to": [_("The end comes before the start.")]})
        return attrs


# --- KPI definitions -------------------------------------------------------------------------------

FILTERS_HELP = gettext_lazy(
    "Field to allowed values, from the source's whitelist: deal status, pipeline, stage, source, "
    "channel; account lifecycle, source, level; follow-up kind; lead status, source."
)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "array",
            "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        },
    }
)
class FiltersField(serializers.DictField):
    """A KPI's filters: ``{"status": ["won"], "pipeline": [1]}`` (a single value is taken as a list)."""


class KpiSerializer(serializers.ModelSerializer[KpiDefinition]):
    display_name = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The name in the language of the request.")
    )
    display_description = serializers.CharField(read_only=True)
    names = NamesField(read_only=True)
    filters = FiltersField(read_only=True, help_text=FILTERS_HELP)
    # A ratio counts no records of its own: its source is empty, and the schema says so.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[("", ""), *Source.choices], read_only=True, help_text=gettext_lazy("Empty for a ratio.")
    )

    class Meta:
        model = KpiDefinition
        fields = [
            "id",
            "code",
            "name",
            "names",
            "display_name",
            "description",
            "display_description",
            "source",
            "measure",
            "sum_field",
            "date_field",
            "filters",
            "numerator",
            "denominator",
            "unit",
            "is_builtin",
            "is_active",
            "order",
            "version",
        ]
        read_only_fields = fields


class KpiInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50, required=False)
    name = serializers.CharField(max_length=100, required=False)
    names = NamesField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False)  # type: ignore[assignment]
    measure = serializers.ChoiceField(choices=Measure.choices, required=False)
    sum_field = serializers.CharField(max_length=50, required=False, allow_blank=True)
    date_field = serializers.CharField(max_length=50, required=False, allow_blank=True)
    filters = FiltersField(required=False, help_text=FILTERS_HELP)
    numerator = serializers.PrimaryKeyRelatedField(queryset=KpiDefinition.objects.all(), required=False)
    denominator = serializers.PrimaryKeyRelatedField(queryset=KpiDefinition.objects.all(), required=False)
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def validate_filters(self, value: dict[str, Any]) -> dict[str, Any]:
        for item in value.values():
            values = item if isinstance(item, list) else [item]
            if any(not isinstance(v, str | int) or isinstance(v, bool) for v in values):
                raise serializers.ValidationError(
                    _("Each filter value is a text or a number, or a list of them.")
                )
        return value


GROUP_BY_HELP = gettext_lazy(
    "owner or team: user or team ids; month (YYYY-MM) or quarter (fiscal, e.g. 2026-Q1): every "
    "one the range touches."
)


class FiguresQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text=gettext_lazy("First day, YYYY-MM-DD."), validators=BUSINESS_DATE)
    end = serializers.DateField(
        help_text=gettext_lazy("Last day (included), YYYY-MM-DD."), validators=BUSINESS_DATE
    )
    group_by = serializers.ChoiceField(choices=list(engine.GROUPS), required=False, help_text=GROUP_BY_HELP)
    team = id_field(gettext_lazy("A team: it and every team below it."))
    owner = id_field(gettext_lazy("A person (a follow-up's author)."))
    pipeline = id_field(gettext_lazy("A pipeline (deal KPIs)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _check_range(attrs, "start", "end")


def _check_range(attrs: dict[str, Any], low: str, high: str) -> dict[str, Any]:
    if attrs.get(low) and attrs.get(high) and attrs[low] > attrs[high]:
        raise serializers.ValidationError({high: [_("The end comes before the start.")]})
    return attrs


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True, "description": "The group."}
)
class KeyField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "1234.50"})
class DecimalText(serializers.Field):
    """A decimal as the engine computed it, as a string (money: 2 places; a ratio: 4)."""

    def to_representation(self, value: Any) -> str | None:
        return None if value is None else str(value)


class FigureSerializer(serializers.Serializer):
    value = DecimalText(
        help_text=gettext_lazy(
            "Money in the company currency; a ratio as a fraction; null: nothing to divide by."
        )
    )
    count = serializers.IntegerField(help_text=gettext_lazy("Records counted (a ratio: its denominator's)."))
    missing_rates = MissingRateSerializer(many=True)


class FigureGroupSerializer(FigureSerializer):
    key = KeyField()
    label = serializers.CharField()  # type: ignore[assignment]


class FiguresSerializer(serializers.Serializer):
    kpi = serializers.IntegerField()
    code = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    currency = serializers.CharField(help_text=gettext_lazy("The company currency amounts are in."))
    start = serializers.DateField()
    end = serializers.DateField()
    group_by = serializers.CharField(allow_null=True)
    total = FigureSerializer()
    results = FigureGroupSerializer(many=True, help_text=gettext_lazy("Empty without group_by."))
    missing_rates_text = serializers.ListField(child=serializers.CharField())


# --- Deal analytics -----------------------------------------------------------------------------


class DealAnalyticsQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=list(engine.BREAKDOWN_GROUPS))
    team = id_field(gettext_lazy("A team: it and every team below it."))
    owner = id_field(gettext_lazy("A person."))
    pipeline = id_field(gettext_lazy("A pipeline."))
    closed_from = serializers.DateField(required=False, validators=BUSINESS_DATE)
    closed_to = serializers.DateField(required=False, validators=BUSINESS_DATE)
    opened_from = serializers.DateField(required=False, validators=BUSINESS_DATE)
    opened_to = serializers.DateField(required=False, validators=BUSINESS_DATE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_range(attrs, "closed_from", "closed_to")
        return _check_range(attrs, "opened_from", "opened_to")

    def filters(self) -> engine.DealFilters:
        data = self.validated_data
        return engine.DealFilters(
            team_id=data.get("team"),
            owner_id=data.get("owner"),
            pipeline_id=data.get("pipeline"),
            closed_from=data.get("closed_from"),
            closed_to=data.get("closed_to"),
            opened_from=data.get("opened_from"),
            opened_to=data.get("opened_to"),
        )


def _decimal(places: int, help_text: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=24, decimal_places=places, allow_null=True, coerce_to_string=True, help_text=help_text
    )


class DealFiguresSerializer(serializers.Serializer):
    key = KeyField(
        help_text=gettext_lazy(
            "owner, team, product, pipeline, stage: an id; industry, source: the value; "
            "close_month: YYYY-MM; close_quarter: e.g. 2017-Q1 (fiscal); null: none (not closed)."
        )
    )
    label = serializers.CharField(help_text=gettext_lazy("The group's name in the caller's language."))  # type: ignore[assignment]
    deals = serializers.IntegerField()
    open = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    won_amount = _decimal(2, gettext_lazy("Won amount in the company currency."))
    win_rate = _decimal(4, gettext_lazy("won ÷ (won + lost); null when nothing closed."))
    avg_won_days = _decimal(1, gettext_lazy("Mean days from opened to closed over won deals."))
    avg_won_amount = _decimal(2, gettext_lazy("Mean amount of won deals with a known amount."))


class DealAnalyticsSerializer(serializers.Serializer):
    results = DealFiguresSerializer(many=True)
    total = DealFiguresSerializer()
    currency = serializers.CharField(help_text=gettext_lazy("The company currency amounts are in."))
    missing_rates = MissingRateSerializer(
        many=True, help_text=gettext_lazy("Amounts left out for want of an exchange rate.")
    )
    missing_rates_text = serializers.ListField(child=serializers.CharField())
