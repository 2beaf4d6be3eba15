"""Forms of the meeting pages. Times are entered in the person's own time zone (the request's
active zone); the services check everything again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.dates import BUSINESS_DATE
from tandem.org.forms import PersonChoiceField, TablerForm
from tandem.org.models import Team, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


WEEKDAYS = [
    (0, pgettext_lazy("weekday", "Monday")),
    (1, pgettext_lazy("weekday", "Tuesday")),
    (2, pgettext_lazy("weekday", "Wednesday")),
    (3, pgettext_lazy("weekday", "Thursday")),
    (4, pgettext_lazy("weekday", "Friday")),
    (5, pgettext_lazy("weekday", "Saturday")),
    (6, pgettext_lazy("weekday", "Sunday")),
]
INTERVALS = [(1, _("Every week")), (2, _("Every two weeks")), (4, _("Every four weeks"))]


class MeetingForm(TablerForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    title = forms.CharField(label=pgettext_lazy("meeting", "Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput(), validators=BUSINESS_DATE)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    attendees = PeopleField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to invite every member of the team."),
    )

    def __init__(self, *args: Any, teams: Any, people: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams
        people_field = self.fields["attendees"]
        assert isinstance(people_field, forms.ModelMultipleChoiceField)
        people_field.queryset = people
        if editing:
            del self.fields["team"]

    def ends_at(self) -> datetime.datetime:
        data = self.cleaned_data
        return data["starts_at"] + datetime.timedelta(minutes=data["duration_minutes"])


class SeriesForm(TablerForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    title = forms.CharField(label=pgettext_lazy("meeting", "Title"), max_length=200)
    weekday = forms.TypedChoiceField(
        label=pgettext_lazy("weekday", "Day"), choices=WEEKDAYS, coerce=int, initial=0
    )
    interval = forms.TypedChoiceField(label=_("Repeats"), choices=INTERVALS, coerce=int, initial=1)
    time = forms.TimeField(label=_("Time"), widget=TimeInput(), initial=datetime.time(9, 30))
    starts_on = forms.DateField(
        label=_("First meeting from"),
        widget=DateInput(),
        validators=BUSINESS_DATE,
        help_text=_("The first meeting is on this day or the first such day after it."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    place = forms.CharField(label=_("Place"), max_length=255, required=False)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams


class SeriesEditForm(TablerForm):
    title = forms.CharField(label=pgettext_lazy("meeting", "Title"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A paused series plans no more meetings and cancels those ahead."),
    )


class AgendaItemForm(TablerForm):
    title = forms.CharField(label=_("Item"), max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    record = forms.ChoiceField(label=_("About"), required=False)

    def __init__(self, *args: Any, records: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["record"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *records]


class DecisionForm(TablerForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class ActionItemForm(TablerForm):
    title = forms.CharField(label=_("Action item"), max_length=200)
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=DateInput(), required=False, validators=BUSINESS_DATE)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people


class MinutesForm(TablerForm):
    minutes = forms.CharField(
        label=pgettext_lazy("meeting", "Minutes"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text: blank lines separate paragraphs, lines starting with “- ” are bullets."),
    )
