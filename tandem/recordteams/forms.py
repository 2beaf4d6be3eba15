from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.deals.forms import DateInput, NamedForm
from tandem.org.forms import NamedModelChoiceField, TablerForm

from .models import Access, MemberRole


class MemberForm(TablerForm):
    """Add a member. ``user`` is a person's id: the template offers a searchable select of a few
    people at a time (never every person), and the service decides who may be added."""

    user = forms.IntegerField(label=_("Person"), widget=forms.Select)
    role = NamedModelChoiceField(
        label=_("Role"), queryset=MemberRole.objects.all(), to_field_name="code", empty_label=None
    )
    access = forms.ChoiceField(label=_("Access"), choices=Access.choices, initial=Access.READ)
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].error_messages["required"] = _("Choose an active person.")
        self.fields["user"].error_messages["invalid"] = _("Choose an active person.")


class MemberChangeForm(TablerForm):
    role = NamedModelChoiceField(
        label=_("Role"), queryset=MemberRole.objects.all(), to_field_name="code", empty_label=None
    )
    access = forms.ChoiceField(label=_("Access"), choices=Access.choices)
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())


class DefaultMemberForm(TablerForm):
    user = forms.IntegerField(label=_("Person"), widget=forms.Select)
    role = NamedModelChoiceField(
        label=_("Role"), queryset=MemberRole.objects.all(), to_field_name="code", empty_label=None
    )
    access = forms.ChoiceField(label=_("Access"), choices=Access.choices, initial=Access.READ)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].error_messages["required"] = _("Choose an active person.")
        self.fields["user"].error_messages["invalid"] = _("Choose an active person.")


class MemberRoleForm(NamedForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Used by the API and imports: letters, digits, - and _."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
