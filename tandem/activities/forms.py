"""Forms of the follow-up (跟进记录) web UI.

Forms only parse input; ``services.activity_create`` / ``activity_update`` own the rules (a
follow-up needs content, cannot be in the future, must link a record the person may see) and
their ``ValidationError``\\ s are put back on the form by the views.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.dates import BUSINESS_DATE
from tandem.core.ids import parse_id
from tandem.org.forms import TablerForm

from .models import ActivityKind

LINK_FIELDS = ("account", "contact", "lead", "deal")
LINK_TYPES = [
    ("account", _("Account")),
    ("contact", _("Contact")),
    ("lead", _("Lead")),
    ("deal", _("Deal")),
]


class KindRadio(forms.RadioSelect):
    """The kinds as a compact button group (one tap on a phone)."""

    list_class = "btn-group kind-choices"


class FollowUpFieldsForm(TablerForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    content = forms.CharField(
        label=_("What happened"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_follow_up_on = forms.DateField(
        validators=BUSINESS_DATE,
        label=_("Next follow-up"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class QuickFollowUpForm(FollowUpFieldsForm):
    """Log a follow-up on one record: the record comes as hidden ids or as ``record`` = "lead:12"."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL, required=False
    )

    occurred_at = forms.DateTimeField(
        validators=BUSINESS_DATE,
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_("Leave empty for now."),
    )
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput)
    deal = forms.IntegerField(required=False, widget=forms.HiddenInput)
    record = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        record = (data.get("record") or "").strip()
        if record:
            kind, _sep, text = record.partition(":")
            pk = parse_id(text)
            if kind not in LINK_FIELDS or pk is None:
                raise forms.ValidationError(_("Choose the record this follow-up is about."))
            data[kind] = pk
        if not any(data.get(name) for name in LINK_FIELDS):
            raise forms.ValidationError(_("Choose the record this follow-up is about."))
        return data

    def link_ids(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in LINK_FIELDS if self.cleaned_data.get(name)}


class FollowUpEditForm(FollowUpFieldsForm):
    """Edit the text of a follow-up; its links and time are history and stay as they were."""
