"""The event form (create and edit, the whole series or one occurrence) and the capacity form."""

from __future__ import annotations

import datetime
import zoneinfo
from functools import cache
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core import access
from tandem.core.access import Actor
from tandem.org.forms import TablerForm
from tandem.org.models import Team, User

from . import recurrence
from .models import Event, EventKind

CONTACT_CHOICES = 300


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


REPEAT_CHOICES = [
    ("", pgettext_lazy("repeat", "Does not repeat")),
    ("DAILY", pgettext_lazy("repeat", "Every day")),
    ("WEEKLY", pgettext_lazy("repeat", "Every week")),
    ("MONTHLY", pgettext_lazy("repeat", "Every month")),
    ("YEARLY", pgettext_lazy("repeat", "Every year")),
    ("custom", pgettext_lazy("repeat", "Custom rule (RRULE)")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def record_type_choices() -> list[tuple[str, Any]]:
    from tandem.discussions.registry import KINDS

    labels = dict(access.resource_choices())
    return [("", _("— none —")), *[(k, labels.get(k, k)) for k in sorted(KINDS)]]


class EventForm(TablerForm):
    kind = forms.ChoiceField(label=_("kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    all_day = forms.BooleanField(label=_("all day"), required=False)
    starts_at = forms.DateTimeField(label=_("starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("ends"), widget=LocalDateTimeInput())
    time_zone = forms.ChoiceField(label=_("time zone"), choices=())
    place = forms.CharField(label=_("place"), max_length=255, required=False)
    attendees = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=User.objects.none(), required=False
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=User.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    record_type = forms.ChoiceField(label=_("linked record type"), choices=(), required=False)
    record_id = forms.IntegerField(label=_("linked record"), required=False, min_value=1)
    repeat = forms.ChoiceField(label=_("repeats"), choices=REPEAT_CHOICES, required=False)
    repeat_interval = forms.IntegerField(
        label=_("every"), min_value=1, max_value=99, required=False, initial=1
    )
    repeat_until = forms.DateField(
        label=_("repeats until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    recurrence = forms.CharField(label=_("RRULE"), max_length=200, required=False)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, actor: Actor, occurrence: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from tandem.customers.models import Contact

        for field in self.fields.values():  # the model's field names, read as form labels
            field.label = capfirst(field.label)

        self.fields["time_zone"].choices = zone_choices()  # type: ignore[attr-defined]
        people = cast(forms.ModelMultipleChoiceField, self.fields["attendees"])
        people.queryset = User.objects.filter(is_active=True).order_by("display_name", "id")
        contacts = cast(forms.ModelMultipleChoiceField, self.fields["contacts"])
        visible_contacts = access.visible(actor, "contact", Contact.objects.all())
        contacts.queryset = visible_contacts
        chosen = [
            int(v)
            for v in (
                self.data.getlist("contacts")  # type: ignore[attr-defined]
                if self.is_bound
                else self.initial.get("contacts", [])
            )
            if str(v).isdigit()
        ]
        shown = list(visible_contacts.filter(pk__in=chosen)) + list(
            visible_contacts.exclude(pk__in=chosen).order_by("name", "id")[:CONTACT_CHOICES]
        )
        contacts.widget.choices = [(c.pk, str(c)) for c in shown]
        teams = cast(forms.ModelChoiceField, self.fields["team"])
        team_ids = actor.subtree_team_ids | actor.team_ids
        teams.queryset = (
            Team.objects.filter(deleted_at__isnull=True)
            if actor.is_admin
            else Team.objects.filter(pk__in=sorted(team_ids), deleted_at__isnull=True)
        ).order_by("path")
        self.fields["record_type"].choices = record_type_choices()  # type: ignore[attr-defined]
        if occurrence:
            for name in ("repeat", "repeat_interval", "repeat_until", "recurrence", "team"):
                del self.fields[name]
        for name in ("attendees", "contacts"):
            self.fields[name].widget.attrs["size"] = 6

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tz_name = data.get("time_zone") or "UTC"
        try:
            tz = zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return data
        # Times are read as wall-clock times in the event's own zone.
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if isinstance(value, datetime.datetime):
                naive = timezone.make_naive(value) if timezone.is_aware(value) else value
                data[name] = naive.replace(tzinfo=tz)
        if "repeat" in self.fields:
            repeat = data.get("repeat") or ""
            if repeat == "custom":
                data["rule"] = data.get("recurrence") or ""
                if not data["rule"]:
                    self.add_error("recurrence", _("This field is required."))
            elif repeat:
                data["rule"] = recurrence.simple_rule(
                    repeat,
                    time_zone=tz_name,
                    interval=data.get("repeat_interval") or 1,
                    until=data.get("repeat_until"),
                )
            else:
                data["rule"] = ""
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            k: data.get(k) for k in ("kind", "title", "starts_at", "ends_at", "all_day", "time_zone", "place")
        }
        values["description"] = data.get("description") or ""
        values["place"] = values["place"] or ""
        values["record_type"] = data.get("record_type") or ""
        values["record_id"] = data.get("record_id")
        if "repeat" in self.fields:
            values["recurrence"] = data.get("rule", "")
            values["team"] = data.get("team")
        return values

    @staticmethod
    def initial_for(event: Event, start: datetime.datetime | None = None) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(event.time_zone)
        begin = start or event.starts_at
        end = begin + (event.ends_at - event.starts_at)
        rule = event.recurrence
        parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
        simple = rule and set(parts) <= {"FREQ", "INTERVAL", "UNTIL"}
        until = None
        if simple and "UNTIL" in parts:
            try:
                until = (
                    datetime.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ")
                    .replace(tzinfo=datetime.UTC)
                    .astimezone(tz)
                    .date()
                )
            except ValueError:
                simple = False
        return {
            "kind": event.kind,
            "title": event.title,
            "all_day": event.all_day,
            "starts_at": begin.astimezone(tz).replace(tzinfo=None),
            "ends_at": end.astimezone(tz).replace(tzinfo=None),
            "time_zone": event.time_zone,
            "place": event.place,
            "attendees": [a.user_id for a in event.attendees.all() if a.user_id],
            "contacts": [a.contact_id for a in event.attendees.all() if a.contact_id],
            "team": event.team_id,
            "record_type": event.record_type,
            "record_id": event.record_id,
            "repeat": (parts.get("FREQ", "") if simple else "custom") if rule else "",
            "repeat_interval": int(parts.get("INTERVAL", "1")) if simple else 1,
            "repeat_until": until,
            "recurrence": rule,
            "description": event.description,
        }


class CapacityForm(TablerForm):
    hours_per_week = forms.IntegerField(label=_("hours per week"), min_value=0, max_value=100)
    visits_per_week = forms.IntegerField(label=_("visits per week"), min_value=0, max_value=100)


def validate_window(start: Any, end: Any) -> tuple[datetime.datetime, datetime.datetime]:
    from django.utils.dateparse import parse_date, parse_datetime

    def read(value: Any) -> datetime.datetime | None:
        text = str(value or "").strip().replace(" ", "+")
        if not text:
            return None
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text[:10])
            if day is None:
                return None
            parsed = datetime.datetime.combine(day, datetime.time(0))
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed

    first, last = read(start), read(end)
    if first is None or last is None or last <= first:
        raise ValidationError({"start": [_("Give a start and an end after it.")]})
    return first, last
