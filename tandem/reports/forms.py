"""Forms of work reports: writing one, the template editor and the submission rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.org.forms import TablerForm
from tandem.org.models import Role, Team, User

from .models import ReportKind, ReportTemplate, SectionKind, SubmissionRule

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ReportForm(TablerForm):
    """The sections of a template as text areas, and the extra recipients."""

    recipients = forms.ModelMultipleChoiceField(
        label=_("Also send to"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Your manager always receives it."),
    )
    recipient_teams = forms.ModelMultipleChoiceField(
        label=_("And to teams"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, *args: Any, template: ReportTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        people: Any = self.fields["recipients"]
        people.queryset = User.objects.filter(is_active=True).order_by("display_name", "id")
        teams: Any = self.fields["recipient_teams"]
        teams.queryset = Team.objects.filter(deleted_at__isnull=True).order_by("name", "id")
        for section in template.section_list():
            self.fields[f"answer_{section['key']}"] = forms.CharField(
                label=section["text"],
                required=False,
                help_text=section.get("help_text") or "",
                widget=forms.Textarea(attrs={"rows": 5 if section.get("kind") == SectionKind.TEXT else 3}),
                max_length=20000,
            )
            self.fields[f"answer_{section['key']}"].section = section  # type: ignore[attr-defined]

    def answers(self) -> dict[str, str]:
        return {
            s["key"]: self.cleaned_data.get(f"answer_{s['key']}", "") for s in self.template.sections or []
        }

    def section_fields(self) -> list[Any]:
        return [self[f"answer_{s['key']}"] for s in self.template.sections or []]


class TemplateForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_zh = forms.CharField(label=_("Name in Chinese"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Report kind"), choices=ReportKind.choices)
    sections = forms.CharField(
        label=_("Sections"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "One section per line: key | kind (text, plan, problems or question) | English title | Chinese title. "
            "Start a line with ? for an optional section."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    is_default = forms.BooleanField(label=_("Default for its kind"), required=False)

    def clean_sections(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for line in self.cleaned_data["sections"].splitlines():
            line = line.strip()
            if not line:
                continue
            required = not line.startswith("?")
            parts = [p.strip() for p in line.lstrip("?").split("|")]
            parts += [""] * (4 - len(parts))
            key, kind, title, title_zh = parts[:4]
            section: dict[str, Any] = {
                "key": key,
                "kind": kind or SectionKind.TEXT,
                "title": title,
                "required": required,
            }
            if title_zh:
                section["titles"] = {"zh-hans": title_zh}
            out.append(section)
        return out

    @staticmethod
    def initial_for(template: ReportTemplate) -> dict[str, Any]:
        lines = []
        for s in template.sections or []:
            zh = (s.get("titles") or {}).get("zh-hans", "")
            lines.append(
                f"{'' if s.get('required') else '?'}{s['key']} | {s.get('kind', 'text')} | {s.get('title', '')} | {zh}"
            )
        return {
            "name": template.name,
            "name_zh": (template.names or {}).get("zh-hans", ""),
            "kind": template.kind,
            "sections": "\n".join(lines),
            "is_active": template.is_active,
            "is_default": template.is_default,
        }

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["names"] = {"zh-hans": data.pop("name_zh", "")}
        return data


class RuleForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )
    weekday = forms.TypedChoiceField(label=_("Weekday due (weekly)"), choices=WEEKDAYS, coerce=int, initial=4)

    class Meta:
        model = SubmissionRule
        fields = [
            "kind",
            "team",
            "role",
            "person",
            "due_time",
            "working_days",
            "weekday",
            "remind_minutes_before",
            "is_active",
        ]
        widgets = {"due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(deleted_at__isnull=True).order_by("name", "id")  # type: ignore[attr-defined]
        self.fields["role"].queryset = Role.objects.order_by("name", "id")  # type: ignore[attr-defined]
        self.fields["person"].queryset = User.objects.filter(is_active=True).order_by("display_name", "id")  # type: ignore[attr-defined]
