"""Forms of the field-visit pages. The rules live in the services; these parse and shape input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from tandem.core.access import Actor
from tandem.customers.forms import AccountChoiceField
from tandem.org.forms import TablerForm
from tandem.schedule.models import Event

PHOTO_ATTRS = {"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif", "capture": "environment"}


class PositionFields(TablerForm):
    """Filled in by static/js/visits.js from the browser's geolocation, when the person allows it."""

    latitude = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "latitude"}))
    longitude = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "longitude"}))
    accuracy_m = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "accuracy"}))

    def position(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) or None for k in ("latitude", "longitude", "accuracy_m")}


class CheckInForm(PositionFields):
    event = forms.TypedChoiceField(label=_("Planned visit"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(label=_("Photo"), required=False, widget=forms.FileInput(attrs=PHOTO_ATTRS))

    def __init__(self, *args: Any, actor: Actor, planned: list[Event], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"] = AccountChoiceField(actor=actor, label=_("Account"), required=False)
        self.fields["account"].widget.attrs["class"] = "form-select"
        self.order_fields(["event", "account", "note", "photo"])
        self.planned = {e.pk: e for e in planned}
        self.fields["event"].choices = [  # type: ignore[attr-defined]
            ("", _("— none: pick an account —")),
            *(
                (e.pk, f"{formats.time_format(timezone.localtime(e.starts_at), 'H:i')} · {e.title}")
                for e in planned
            ),
        ]

    def clean_event(self) -> Event | None:
        pk = self.cleaned_data.get("event")
        return self.planned.get(pk) if pk is not None else None


class CheckOutForm(PositionFields):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VisitEditForm(TablerForm):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(label=_("Photo"), required=False, widget=forms.FileInput(attrs=PHOTO_ATTRS))
