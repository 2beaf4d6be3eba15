"""Forms of the handoff pages: send, reject, and the administrators' template form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.org.models import Team, User

from .models import HandoffTemplate, OnAccept, RecordKind, Trigger, role_choices
from .services import REQUIRABLE, field_label


class SendForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— choose a person —"),
    )
    recipient_team = forms.ModelChoiceField(
        label=_("or a team"), queryset=Team.objects.none(), required=False, empty_label=_("— choose a team —")
    )
    checked = forms.TypedMultipleChoiceField(label=_("Checklist"), coerce=int, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000
    )

    def __init__(self, *args: Any, template: HandoffTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = cast(forms.ModelChoiceField, self.fields["recipient"])
        people.queryset = User.objects.filter(is_active=True).order_by("display_name", "id")
        teams = cast(forms.ModelChoiceField, self.fields["recipient_team"])
        teams.queryset = Team.objects.filter(deleted_at__isnull=True).order_by("name", "id")
        choices = []
        for i, item in enumerate(template.checklist_items()):
            label = item["text"] if item.get("required") else f"{item['text']} ({_('optional')})"
            choices.append((i, label))
        self.fields["checked"].choices = choices  # type: ignore[attr-defined]
        self.fields["checked"].widget = forms.CheckboxSelectMultiple(choices=choices)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def _role_choices() -> list[tuple[str, Any]]:
    return role_choices()


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_zh = forms.CharField(label=_("Name in Chinese"), max_length=100, required=False)
    record_kind = forms.ChoiceField(label=_("Record kind"), choices=RecordKind.choices)
    trigger = forms.ChoiceField(label=_("Offered"), choices=Trigger.choices)
    from_role = forms.ChoiceField(label=_("From role"), choices=_role_choices)
    to_role = forms.ChoiceField(label=_("To role"), choices=_role_choices)
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One item per line: the English label, then | and the Chinese label. Start a line with ? for an optional item."
        ),
    )
    required_fields = forms.MultipleChoiceField(
        label=_("Fields that must be filled"), required=False, widget=forms.CheckboxSelectMultiple
    )
    sla_hours = forms.IntegerField(label=_("Hours to accept"), min_value=1, max_value=2160, initial=24)
    on_accept = forms.ChoiceField(label=_("On acceptance"), choices=OnAccept.choices)
    sender_stays = forms.BooleanField(
        label=_("Sender stays on the record team"), required=False, initial=True
    )
    sender_role = forms.ChoiceField(
        label=_("Sender's role afterwards"), required=False, choices=lambda: [("", "—"), *_role_choices()]
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        seen: dict[str, str] = {}
        for kind, fields in REQUIRABLE.items():
            for name in fields:
                seen.setdefault(name, field_label(kind, name))
        self.fields["required_fields"].choices = sorted(seen.items())  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(template: HandoffTemplate) -> dict[str, Any]:
        lines = []
        for item in template.checklist or []:
            zh = (item.get("labels") or {}).get("zh-hans", "")
            line = ("" if item.get("required", True) else "?") + item.get("label", "")
            lines.append(f"{line} | {zh}" if zh else line)
        return {
            "name": template.name,
            "name_zh": (template.names or {}).get("zh-hans", ""),
            "record_kind": template.record_kind,
            "trigger": template.trigger,
            "from_role": template.from_role,
            "to_role": template.to_role,
            "checklist": "\n".join(lines),
            "required_fields": template.required_fields,
            "sla_hours": template.sla_hours,
            "on_accept": template.on_accept,
            "sender_stays": template.sender_stays,
            "sender_role": template.sender_role,
            "is_active": template.is_active,
        }

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        zh = data.pop("name_zh", "")
        data["names"] = {"zh-hans": zh} if zh else {}
        items = []
        for raw in (data.get("checklist") or "").splitlines():
            line = raw.strip()
            if not line:
                continue
            required = not line.startswith("?")
            line = line.lstrip("?").strip()
            label, _sep, zh_label = (part.strip() for part in line.partition("|"))
            items.append(
                {"label": label, "labels": {"zh-hans": zh_label} if zh_label else {}, "required": required}
            )
        data["checklist"] = items
        return data
