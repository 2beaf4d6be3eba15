from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core import events

from .models import Platform


def _event_choices() -> list[tuple[str, str]]:
    return [(t.code, f"{t.label} ({t.code})") for t in events.types()]


class TargetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(label=_("URL"), max_length=500)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every event."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = _event_choices()  # type: ignore[attr-defined]


class RobotForm(TargetForm):
    field_order = ["team", "name", "platform", "url", "secret", "event_types", "include_subteams", "active"]
    team = forms.TypedChoiceField(label=_("Team"), coerce=int)
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        help_text=_("DingTalk and Feishu: the robot's signing secret (加签). WeCom and Slack: leave empty."),
    )
    include_subteams = forms.BooleanField(label=_("Also events of sub-teams"), required=False, initial=True)

    def __init__(self, *args: Any, teams: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, getattr(t, "display_name", "") or str(t)) for t in teams]  # type: ignore[attr-defined]
