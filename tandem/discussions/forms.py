from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.org.models import Team


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10_000
    )
    everyone = forms.BooleanField(label=_("Whole company"), required=False)
    teams = forms.ModelMultipleChoiceField(label=_("Teams"), queryset=Team.objects.none(), required=False)
    pinned_until = forms.DateTimeField(
        label=_("Pinned until"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["teams"].queryset = teams  # type: ignore[attr-defined]
