"""Forms of the lead (线索) web UI.

Forms parse and shape input; ``services.lead_*`` own the rules (phone normalisation, duplicate
checks, version checks, who may own a lead) and their errors go back onto the forms.
Choices are built from what the person may see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.countries import country_choices
from tandem.core.dates import BUSINESS_DATE
from tandem.core.webforms import TelInput
from tandem.customers.models import Account, Channel, Source
from tandem.deals.models import Stage, StageKind
from tandem.deals.services import default_pipeline
from tandem.org.forms import PersonChoiceField, TablerForm
from tandem.org.models import User

from .models import LeadStatus

EDITABLE_STATUSES = [(v, label) for v, label in LeadStatus.choices if v != LeadStatus.CONVERTED]

# The lead's fields in the order the form shows them (also the service's ``data`` keys).
LEAD_FORM_FIELDS = (
    "name",
    "company",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "website",
    "industry",
    "country",
    "province",
    "city",
    "source",
    "channel",
    "status",
    "unqualified_reason",
    "next_follow_up_on",
    "notes",
)


def assignable_people(actor: Actor, current: Any = None) -> Any:
    """The people the actor may give a lead to (``access.owner_candidates``), and its current owner."""
    people = access.owner_candidates(actor, "lead")
    if current is None:
        return people
    return User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk=current)).order_by("display_name", "id")


class LeadForm(TablerForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=120)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False, widget=TelInput)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, widget=TelInput)
    email = forms.EmailField(label=_("Email"), required=False)
    wechat = forms.CharField(label=_("WeChat id"), max_length=64, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    province = forms.CharField(label=_("Province / state"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *Source.choices], required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EDITABLE_STATUSES, initial=LeadStatus.NEW)
    unqualified_reason = forms.CharField(label=_("Reason unqualified"), max_length=200, required=False)
    next_follow_up_on = forms.DateField(
        validators=BUSINESS_DATE,
        label=_("Next follow-up"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    confirm_duplicates = forms.BooleanField(label=_("Save anyway"), required=False)

    def __init__(self, *args: Any, actor: Actor, lead: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor.has("lead", "assign"):
            current = lead.owner_id if lead is not None else None
            self.fields["owner"].queryset = assignable_people(actor, current)  # type: ignore[attr-defined]
            self.fields["owner"].empty_label = _("Me")  # type: ignore[attr-defined]
            self.fields["owner"].help_text = _("Leave empty to keep it with you.")
        else:
            del self.fields["owner"]

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in LEAD_FORM_FIELDS}


class UnqualifyForm(TablerForm):
    unqualified_reason = forms.CharField(label=_("Why is the lead unqualified?"), max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.pipeline.display_name} · {obj.display_name}"


class ConvertForm(TablerForm):
    """Convert into a new account (from the lead's company) or an existing one; optionally a deal."""

    NEW, EXISTING = "new", "existing"

    account_mode = forms.ChoiceField(
        label=_("Account"),
        choices=[
            (NEW, _("Create a new account from the lead's company")),
            (EXISTING, _("Link an existing account")),
        ],
        initial=NEW,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    account = forms.IntegerField(label=_("Existing account"), required=False, widget=forms.HiddenInput)
    create_deal = forms.BooleanField(label=_("Also create a deal"), required=False)
    deal_name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    deal_amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    deal_stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False)
    deal_expected_close_date = forms.DateField(
        validators=BUSINESS_DATE,
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    confirm_duplicates = forms.BooleanField(label=_("Create the account anyway"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.account_obj: Account | None = None
        self.fields["deal_stage"].queryset = (  # type: ignore[attr-defined]
            Stage.objects.filter(pipeline__is_active=True, kind=StageKind.OPEN)
            .select_related("pipeline")
            .order_by("pipeline__order", "pipeline_id", "order")
        )
        pipeline = default_pipeline()
        if pipeline is not None and not self.is_bound:
            first = pipeline.stages.filter(kind=StageKind.OPEN).order_by("order").first()
            self.initial.setdefault("deal_stage", first.pk if first else None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("account_mode") == self.EXISTING:
            pk = data.get("account")
            account = (
                access.visible(self.actor, "account", Account.objects.all()).filter(pk=pk).first()
                if pk
                else None
            )
            if account is None:
                self.add_error("account", _("Choose one of your accounts."))
            self.account_obj = account
        return data


class LeadBulkForm(forms.Form):
    """The bulk bar of the lead list: assign, change status or delete the selected leads."""

    ASSIGN, STATUS, DELETE = "assign", "status", "delete"

    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    action = forms.ChoiceField(choices=[(ASSIGN, ASSIGN), (STATUS, STATUS), (DELETE, DELETE)])
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", ""), *EDITABLE_STATUSES], required=False)
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_people(actor)  # type: ignore[attr-defined]
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw[:500]]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.ASSIGN and not data.get("owner"):
            self.add_error("owner", _("Choose a person."))
        if data.get("action") == self.STATUS and not data.get("status"):
            self.add_error("status", _("Choose a status."))
        return data
