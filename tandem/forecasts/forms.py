from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.org.forms import TablerForm


def _amount(label: Any, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("99999999999999"),
    )


class SubmissionForm(TablerForm):
    commit_amount = _amount(_("Commit"), _("What you are sure to close in the period."))
    best_case_amount = _amount(_("Best case"), _("What you could close if things go well; not below commit."))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class AdjustmentForm(TablerForm):
    commit_amount = _amount(_("Adjusted commit"))
    best_case_amount = _amount(_("Adjusted best case"))
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )
