"""Forms of the assignment rules UI: they shape input; the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core import access
from tandem.customers.models import AccountLevel, Source
from tandem.org.forms import PersonChoiceField, TablerForm
from tandem.org.models import User

from .models import AssignmentRule, Resource, Strategy

LIST_HELP = _("Separate values with commas. Leave empty to accept any.")


def _joined(values: list[str]) -> str:
    return ", ".join(values)


class RuleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    resource = forms.ChoiceField(label=_("Records"), choices=Resource.choices)
    strategy = forms.ChoiceField(label=_("Strategy"), choices=Strategy.choices, widget=forms.RadioSelect)
    order = forms.IntegerField(
        label=_("Order"), min_value=0, initial=0, help_text=_("Rules are tried from the lowest order up.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    provinces = forms.CharField(label=_("Provinces"), required=False, help_text=LIST_HELP)
    cities = forms.CharField(label=_("Cities"), required=False, help_text=LIST_HELP)
    industries = forms.CharField(label=_("Industries"), required=False, help_text=LIST_HELP)
    sources = forms.MultipleChoiceField(
        label=_("Sources"),
        required=False,
        choices=Source.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any source."),
    )
    levels = forms.MultipleChoiceField(
        label=_("Account levels"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Accounts only. None ticked: any level."),
    )

    def __init__(self, *args: Any, rule: AssignmentRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": rule.name,
                "resource": rule.resource,
                "strategy": rule.strategy,
                "order": rule.order,
                "is_active": rule.is_active,
                "provinces": _joined(rule.provinces),
                "cities": _joined(rule.cities),
                "industries": _joined(rule.industries),
                "sources": rule.sources,
                "levels": rule.levels,
            }
        super().__init__(*args, **kwargs)
        levels = self.fields["levels"]
        assert isinstance(levels, forms.MultipleChoiceField)
        levels.choices = [(lv.code, lv.name) for lv in AccountLevel.objects.all()]
        if rule is None and not self.is_bound:
            self.initial.setdefault("strategy", Strategy.ROUND_ROBIN)
        for name in ("strategy", "sources", "levels"):
            self.fields[name].widget.attrs.pop("class", None)
            self.fields[name].widget.attrs["class"] = "form-check-input"


class MemberForm(TablerForm):
    user = PersonChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, initial=0, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, resource: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only people who may own the rule's records (for a new rule: leads or accounts); the
        # service refuses anyone else for the resource finally chosen.
        may_own = Q()
        for name in [resource] if resource else list(Resource.values):
            may_own |= access.owners_q(name)
        field.queryset = User.objects.filter(is_active=True).filter(may_own).order_by("display_name")


MemberFormSet = forms.formset_factory(MemberForm, extra=3)
