"""Forms of the KPI administration pages: company settings, an exchange rate cell, a KPI.

Forms parse and shape input only; the rules live in ``kpis.services``, whose ``ValidationError``
the views put back on the form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.dates import MONTHS
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tandem.core.dates import BUSINESS_DATE
from tandem.org.forms import LanguageNamesForm, TablerForm

from .models import CompanySettings, KpiDefinition, Measure, Source, Unit
from .sources import SOURCES

PERCENT = Decimal(100)


def month_choices() -> list[tuple[int, Any]]:
    return [(m, MONTHS[m]) for m in range(1, 13)]


class CompanySettingsForm(TablerForm):
    """The company settings; pace thresholds are entered as percentages (90 for 0.90)."""

    currency = forms.ChoiceField(
        label=_("Company currency"),
        help_text=_("Every figure is shown in this currency; other currencies convert at the monthly rates."),
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"),
        coerce=int,
        help_text=_(
            "Quarters and years follow it. A fiscal year is named by the calendar year it starts in."
        ),
    )
    pace_at_risk = forms.DecimalField(
        label=_("On track from (%)"),
        min_value=1,
        max_value=100,
        decimal_places=0,
        help_text=_("Actual at or above this share of what was expected by now is on track."),
    )
    pace_off_track = forms.DecimalField(
        label=_("At risk from (%)"),
        min_value=1,
        max_value=100,
        decimal_places=0,
        help_text=_("At or above this share (and below on track) is at risk; below it, off track."),
    )
    clear_rates = forms.BooleanField(
        label=_("Delete the exchange rates on file: they are stated in the old currency"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in settings.CURRENCIES]  # type: ignore[attr-defined]
        self.fields["fiscal_year_start_month"].choices = month_choices()  # type: ignore[attr-defined]
        for name in ("pace_at_risk", "pace_off_track"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "step": "1"})

    @classmethod
    def initial_from(cls, obj: CompanySettings) -> dict[str, Any]:
        return {
            "currency": obj.currency,
            "fiscal_year_start_month": obj.fiscal_year_start_month,
            "pace_at_risk": (obj.pace_at_risk * PERCENT).quantize(Decimal(1)),
            "pace_off_track": (obj.pace_off_track * PERCENT).quantize(Decimal(1)),
            "version": obj.version,
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "currency": data["currency"],
            "fiscal_year_start_month": data["fiscal_year_start_month"],
            "pace_at_risk": data["pace_at_risk"] / PERCENT,
            "pace_off_track": data["pace_off_track"] / PERCENT,
        }


class AddMonthForm(TablerForm):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        validators=BUSINESS_DATE,
    )


class KpiForm(LanguageNamesForm):
    """A KPI definition. The choices that depend on the source (dates, filters) follow the source
    the form was last given; changing it redraws the form (htmx, or a plain submit)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        required=False,
        help_text=_(
            "How the API and imports refer to it, e.g. referral_wins. Left empty: made from the name."
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measure = forms.ChoiceField(
        label=_("Measure"),
        choices=Measure.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    source = forms.ChoiceField(label=_("Records"), choices=Source.choices)
    date_field = forms.ChoiceField(label=_("Counted by date"), required=False)
    numerator = forms.ModelChoiceField(
        label=_("Numerator"), queryset=KpiDefinition.objects.none(), required=False
    )
    denominator = forms.ModelChoiceField(
        label=_("Denominator"), queryset=KpiDefinition.objects.none(), required=False
    )
    unit = forms.ChoiceField(label=_("Shown as"), choices=Unit.choices, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767)
    is_active = forms.BooleanField(label=_("Active"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, kpi: KpiDefinition | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        source = self._chosen("source") or Source.DEAL
        if source not in SOURCES:
            source = Source.DEAL
        self.chosen_source = source
        spec = SOURCES[source]
        self.fields["date_field"].choices = [(k, capfirst(str(v))) for k, v in spec.date_fields.items()]  # type: ignore[attr-defined]
        parts = KpiDefinition.objects.exclude(measure=Measure.RATIO).order_by("order", "id")
        if kpi is not None:
            parts = parts.exclude(pk=kpi.pk)
        for name in ("numerator", "denominator"):
            field: Any = self.fields[name]
            field.queryset = parts
            field.label_from_instance = lambda obj: obj.display_name
        self.filter_names: list[str] = []
        for name, filter_spec in spec.filters.items():
            field_name = f"filter_{name}"
            self.fields[field_name] = forms.MultipleChoiceField(
                label=capfirst(str(filter_spec.label)),
                choices=[(str(k), label) for k, label in filter_spec.choices()],
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                help_text=_("None ticked: all."),
            )
            self.filter_names.append(field_name)
        if kpi is not None and kpi.is_builtin:
            for name in (
                "code",
                "description",
                "measure",
                "source",
                "date_field",
                "numerator",
                "denominator",
                "unit",
                *self.filter_names,
            ):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def _chosen(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(name)
        return self.initial.get(name)

    @property
    def measure_chosen(self) -> str:
        return str(self._chosen("measure") or Measure.COUNT)

    def filter_fields(self) -> list[Any]:
        return [self[name] for name in self.filter_names]

    @classmethod
    def initial_for(cls, kpi: KpiDefinition) -> dict[str, Any]:
        initial = {
            "name": kpi.name,
            "names": kpi.names,
            "code": kpi.code,
            "description": kpi.description,
            "measure": kpi.measure,
            "source": kpi.source or Source.DEAL,
            "date_field": kpi.date_field,
            "numerator": kpi.numerator_id,
            "denominator": kpi.denominator_id,
            "unit": kpi.unit,
            "order": kpi.order,
            "is_active": kpi.is_active,
            "version": kpi.version,
        }
        for name, values in (kpi.filters or {}).items():
            initial[f"filter_{name}"] = [str(v) for v in (values if isinstance(values, list) else [values])]
        return initial

    def service_data(self) -> dict[str, Any]:
        """What ``services.kpi_save`` takes: a built-in KPI only its name, order and activity."""
        data = self.cleaned_data
        saved: dict[str, Any] = {
            "name": data["name"],
            "names": data["names"],
            "order": data["order"],
            "is_active": data["is_active"],
        }
        if self.kpi is not None and self.kpi.is_builtin:
            return saved
        saved.update(
            {
                "description": data.get("description") or "",
                "measure": data["measure"],
            }
        )
        if data.get("code"):
            saved["code"] = data["code"]
        if data["measure"] == Measure.RATIO:
            saved["numerator"] = data.get("numerator")
            saved["denominator"] = data.get("denominator")
            saved["unit"] = data.get("unit") or Unit.PERCENT
        else:
            saved["source"] = data["source"]
            saved["date_field"] = data.get("date_field") or ""
            saved["filters"] = {
                name.removeprefix("filter_"): data[name] for name in self.filter_names if data.get(name)
            }
        return saved
