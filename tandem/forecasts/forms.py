from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.org.forms import TablerForm

AMOUNT = {
    "max_digits": 16,
    "decimal_places": 2,
    "min_value": Decimal("0"),
    "max_value": Decimal("99999999999999"),
}


class SubmissionForm(TablerForm):
    commit_amount = forms.DecimalField(
        label=_("Commit"), help_text=_("What you are sure to close in the period."), **AMOUNT
    )
    best_case_amount = forms.DecimalField(
        label=_("Best case"),
        help_text=_("What you could close if things go well; not below commit."),
        **AMOUNT,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class AdjustmentForm(TablerForm):
    commit_amount = forms.DecimalField(label=_("Adjusted commit"), **AMOUNT)
    best_case_amount = forms.DecimalField(label=_("Adjusted best case"), **AMOUNT)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )
