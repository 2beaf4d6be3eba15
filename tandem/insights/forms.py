from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import capfirst

from .models import InsightSettings

FIELDS = (
    "stale_follow_up_days",
    "overdue_close_days",
    "stage_factor",
    "stage_min_samples",
    "pool_warning_days",
    "coverage_minimum",
)


def _field(name: str) -> Any:
    return InsightSettings._meta.get_field(name)


def _label(name: str) -> Any:
    return capfirst(_field(name).verbose_name)


def _help(name: str) -> Any:
    return _field(name).help_text


class ThresholdsForm(forms.Form):
    """The thresholds page; the service validates again (and the API would use the same)."""

    stale_follow_up_days = forms.IntegerField(
        label=_label("stale_follow_up_days"),
        help_text=_help("stale_follow_up_days"),
        min_value=1,
        max_value=365,
    )
    overdue_close_days = forms.IntegerField(
        label=_label("overdue_close_days"), help_text=_help("overdue_close_days"), min_value=1, max_value=365
    )
    stage_factor = forms.DecimalField(
        label=_label("stage_factor"),
        help_text=_help("stage_factor"),
        min_value=Decimal("1.0"),
        max_value=Decimal("20.0"),
        decimal_places=1,
        max_digits=4,
    )
    stage_min_samples = forms.IntegerField(
        label=_label("stage_min_samples"), help_text=_help("stage_min_samples"), min_value=1, max_value=10000
    )
    pool_warning_days = forms.IntegerField(
        label=_label("pool_warning_days"), help_text=_help("pool_warning_days"), min_value=1, max_value=90
    )
    coverage_minimum = forms.DecimalField(
        label=_label("coverage_minimum"),
        help_text=_help("coverage_minimum"),
        min_value=Decimal("0.10"),
        max_value=Decimal("20.00"),
        decimal_places=2,
        max_digits=4,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in FIELDS}
