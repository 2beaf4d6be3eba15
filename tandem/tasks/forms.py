"""Forms of the task pages: the full task form (with the repeat picker) and the quick add."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.dates import BUSINESS_DATE
from tandem.org.forms import TablerForm
from tandem.org.models import User

from . import recurrence
from .models import Task, TaskPriority

REMIND_CHOICES = (
    ("", pgettext_lazy("task reminder", "No reminder")),
    ("0", pgettext_lazy("task reminder", "When it is due")),
    ("15", pgettext_lazy("task reminder", "15 minutes before")),
    ("60", pgettext_lazy("task reminder", "1 hour before")),
    ("1440", pgettext_lazy("task reminder", "1 day before")),
)


def _people() -> Any:
    return User.objects.filter(is_active=True).order_by("display_name", "id")


class TaskForm(TablerForm):
    title = forms.CharField(label=pgettext_lazy("task field", "Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    collaborators = forms.ModelMultipleChoiceField(
        label=_("Collaborators"), queryset=User.objects.none(), required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=BUSINESS_DATE,
    )
    due_time = forms.TimeField(
        label=_("Due time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Leave empty for the whole day."),
    )
    estimate_minutes = forms.IntegerField(
        label=_("Estimate (minutes)"), required=False, min_value=1, max_value=100000
    )
    remind = forms.ChoiceField(label=_("Reminder"), choices=REMIND_CHOICES, required=False)
    labels = forms.CharField(
        label=_("Labels"), required=False, max_length=500, help_text=_("Separate labels with commas.")
    )
    repeat = forms.ChoiceField(label=_("Repeats"), choices=recurrence.REPEAT_CHOICES, required=False)
    interval = forms.IntegerField(
        label=pgettext_lazy("repeat every", "Every"), min_value=1, max_value=99, initial=1, required=False
    )
    days = forms.MultipleChoiceField(
        label=pgettext_lazy("repeat on days", "On"),
        choices=list(zip(recurrence.WEEKDAYS, recurrence.WEEKDAY_LABELS, strict=True)),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    month_day = forms.IntegerField(label=_("Day of the month"), min_value=1, max_value=31, required=False)
    record_type = forms.CharField(required=False, widget=forms.HiddenInput)
    record_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = _people()
        cast(forms.ModelChoiceField, self.fields["collaborators"]).queryset = _people()
        self.fields["days"].widget.attrs["class"] = "form-check-input"
        self.fields["days"].widget.list_class = "d-flex flex-wrap gap-3"

    @classmethod
    def initial_for(cls, task: Task, user: Any) -> dict[str, Any]:
        zone = recurrence.zone_of(user)
        picked = recurrence.pick(task.recurrence)
        local = task.due_at.astimezone(zone) if task.due_at else None
        return {
            "title": task.title,
            "description": task.description,
            "assignee": task.assignee_id,
            "collaborators": [u.pk for u in task.collaborators.all()],
            "priority": task.priority,
            "due_date": local.date() if local else None,
            "due_time": local.time().replace(second=0, microsecond=0) if local and not task.all_day else None,
            "estimate_minutes": task.estimate_minutes,
            "remind": "" if task.remind_minutes_before is None else str(task.remind_minutes_before),
            "labels": ", ".join(lb.name for lb in task.labels.all()),
            "repeat": picked.repeat,
            "interval": picked.interval,
            "days": list(picked.days),
            "month_day": picked.month_day,
            "record_type": task.record_type,
            "record_id": task.record_id,
        }

    def service_data(self) -> dict[str, Any]:
        """What the services take, from the cleaned form (times in the person's zone)."""
        data = self.cleaned_data
        zone = recurrence.zone_of(self.user)
        day: datetime.date | None = data.get("due_date")
        at: datetime.time | None = data.get("due_time")
        due: datetime.datetime | None = None
        if day is not None and at is not None:
            due = datetime.datetime.combine(day, at, tzinfo=zone).astimezone(datetime.UTC)
        elif day is not None:
            due = datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone).astimezone(datetime.UTC)
        remind = data.get("remind")
        picked = recurrence.Picked(
            repeat=data.get("repeat") or "",
            interval=data.get("interval") or 1,
            days=tuple(data.get("days") or ()),
            month_day=data.get("month_day"),
        )
        if picked.repeat == "weekly" and not picked.days and day is not None:
            picked.days = (recurrence.WEEKDAYS[day.weekday()],)
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "assignee": data.get("assignee") or self.user,
            "collaborators": list(data.get("collaborators") or []),
            "priority": data["priority"],
            "due_at": due,
            "all_day": day is not None and at is None,
            "estimate_minutes": data.get("estimate_minutes"),
            "remind_minutes_before": int(remind) if remind else None,
            "labels": [p.strip() for p in (data.get("labels") or "").split(",") if p.strip()],
            "recurrence": recurrence.build(picked),
            "record_type": data.get("record_type") or "",
            "record_id": data.get("record_id"),
        }


class QuickAddForm(TablerForm):
    title = forms.CharField(label=_("New task"), max_length=200)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=BUSINESS_DATE,
    )
    record_type = forms.CharField(required=False, widget=forms.HiddenInput)
    record_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def service_data(self, user: Any) -> dict[str, Any]:
        data = self.cleaned_data
        day = data.get("due_date")
        zone = recurrence.zone_of(user)
        due = (
            datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone).astimezone(datetime.UTC)
            if day
            else None
        )
        return {
            "title": data["title"],
            "due_at": due,
            "all_day": due is not None,
            "record_type": data.get("record_type") or "",
            "record_id": data.get("record_id"),
        }
