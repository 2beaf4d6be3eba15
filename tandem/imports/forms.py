"""Forms of the import screens: upload, and saving a named mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core import access
from tandem.core.access import Actor

from .models import ImportMode, ImportResource
from .people import PEOPLE_RESOURCES


class UploadForm(forms.Form):
    resource = forms.ChoiceField(label=_("What the file holds"), choices=ImportResource.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GBK/GB18030, any delimiter) or Excel .xlsx; the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    mode = forms.ChoiceField(
        label=_("When a row has a problem"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL,
        widget=forms.RadioSelect,
    )
    import_duplicates = forms.BooleanField(
        label=_("Import possible duplicates"),
        required=False,
        help_text=_(
            "Rows that only look like existing records are imported with a warning. Exact duplicates that a rule blocks never are."
        ),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["resource"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (v, label)
            for v, label in ImportResource.choices
            if access.can(actor, "import", v) and (actor.is_admin or v not in PEOPLE_RESOURCES)
        ]


class SaveMappingForm(forms.Form):
    name = forms.CharField(label=_("Name of the mapping"), max_length=100)
    shared = forms.BooleanField(label=_("Share with everyone who imports"), required=False)
