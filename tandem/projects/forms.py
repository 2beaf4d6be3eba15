"""Forms of the project pages: the project, a task in it, a section, a milestone, a member."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core import access
from tandem.org.forms import TablerForm
from tandem.org.models import User
from tandem.tasks.models import TaskPriority

from .models import Project, ProjectSection, ProjectStatus


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ProjectForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=ProjectStatus.choices, initial=ProjectStatus.PLANNED
    )
    start_on = _date(_("Starts"))
    end_on = _date(_("Ends"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    sections = forms.CharField(
        label=_("Board sections"),
        required=False,
        max_length=2000,
        help_text=_("One per line, e.g. Preparation, Proposal, Negotiation, Delivery."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, actor: access.Actor, project: Project | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owners = cast(forms.ModelChoiceField, self.fields["owner"])
        owners.queryset = access.owner_candidates(actor, "project")
        owners.empty_label = None
        if project is not None:
            del self.fields["sections"]
            owners.queryset = (owners.queryset | User.objects.filter(pk=project.owner_id)).distinct()

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "sections" in data:
            data["sections"] = [line.strip() for line in data["sections"].splitlines() if line.strip()][:20]
        if data.get("owner") is None:
            data.pop("owner", None)
        return data

    @staticmethod
    def initial_for(project: Project) -> dict[str, Any]:
        return {
            "name": project.name,
            "owner": project.owner_id,
            "status": project.status,
            "start_on": project.start_on,
            "end_on": project.end_on,
            "description": project.description,
        }


class TaskForm(TablerForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none())
    section = forms.ModelChoiceField(
        label=_("Section"),
        queryset=ProjectSection.objects.none(),
        required=False,
        empty_label=_("No section"),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL
    )
    start_on = _date(_("Starts"))
    due_on = _date(_("Due"))

    def __init__(self, *args: Any, project: Project, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
        assignee.queryset = User.objects.filter(pk__in=[p.pk for p in people]).order_by("display_name", "id")
        assignee.empty_label = None
        section = cast(forms.ModelChoiceField, self.fields["section"])
        section.queryset = ProjectSection.objects.filter(project=project).order_by("position", "id")


class SectionForm(TablerForm):
    name = forms.CharField(label=_("Section name"), max_length=100)


class MilestoneForm(TablerForm):
    name = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = _date(_("Due"))


class MemberForm(TablerForm):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = cast(forms.ModelChoiceField, self.fields["user"])
        user.queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=project.owner_id)
            .exclude(pk__in=project.memberships.values("user_id"))
            .order_by("display_name", "id")
        )
