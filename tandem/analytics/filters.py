"""The filter bar every analytics section shares: a period, a pipeline, a team (with its subtree)
and a person, each offered only as far as the viewer may see. The filters live in the URL, so a
view of the figures can be shared as a link."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.deals.models import Pipeline
from tandem.kpis import company, periods
from tandem.kpis.engine import DealFilters, Scope
from tandem.org.models import Team, User

PERIODS = (
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This fiscal year")),
    ("last_year", _("Last fiscal year")),
    ("custom", _("Custom range")),
)
DEFAULT_PERIOD = "this_quarter"
MAX_DAYS = 366 * 5  # a custom range of at most five years keeps trends and tables bounded
FIRST_YEAR, LAST_YEAR = 1900, 2999  # periods before and after stay inside what dates can hold


def year_error(day: datetime.date | None) -> str | None:
    """Why a date cannot bound a period (trends reach two years back; edges a day past)."""
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        return str(
            _("Give a date between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return None


@dataclass(frozen=True)
class Filters:
    """The period and scope every section reads, and the query string that says so."""

    start: datetime.date
    end: datetime.date
    period: str
    period_label: str
    scope: Scope
    query: dict[str, str]

    @property
    def closed(self) -> DealFilters:
        """The deals closed in the period, in scope (win/loss, breakdowns)."""
        return DealFilters(
            team_id=self.scope.team_id,
            owner_id=self.scope.owner_id,
            pipeline_id=self.scope.pipeline_id,
            closed_from=self.start,
            closed_to=self.end,
        )

    @property
    def slug(self) -> str:
        """The period in a file name: 2026-10-01_2026-12-31."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def period_range(name: str, today: datetime.date, fiscal_start: int) -> tuple[datetime.date, datetime.date]:
    kind = {"month": periods.MONTH, "quarter": periods.QUARTER, "year": periods.YEAR}[name.split("_")[1]]
    current = periods.period_containing(today, kind, fiscal_start=fiscal_start)
    chosen = current.previous() if name.startswith("last_") else current
    return chosen.start, chosen.end


def deal_teams_q(actor: Actor) -> Q:
    """The teams whose deals the actor's deal scope reaches (a filter naming another team would
    only ever show nothing)."""
    scope = actor.scope_for("deal")
    if scope == access.ALL:
        return Q()
    if scope == access.SUBTREE:
        return Q(pk__in=sorted(actor.subtree_team_ids))
    return Q(pk__in=sorted(actor.team_ids))


def deal_people_q(actor: Actor) -> Q:
    """The people whose deals the actor's deal scope reaches: themselves, their team's or
    subtree's members, or everyone."""
    scope = actor.scope_for("deal")
    if scope is None:
        return Q(pk__in=[])
    if scope == access.ALL:
        return Q()
    if scope == access.OWN:
        return Q(pk=actor.id)
    teams = actor.subtree_team_ids if scope == access.SUBTREE else actor.team_ids
    return Q(pk=actor.id) | Q(memberships__team_id__in=sorted(teams))


class FilterForm(forms.Form):
    """GET parameters: ``period``, ``start``/``end`` (custom), ``pipeline``, ``team``, ``person``."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    pipeline = forms.TypedChoiceField(label=_("Pipeline"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, actor: Actor) -> None:
        super().__init__(data)
        self.actor = actor
        for name, bound in self.fields.items():
            css = "form-control form-control-sm" if name in ("start", "end") else "form-select form-select-sm"
            bound.widget.attrs["class"] = css
        everyone = [("", _("Everyone"))]
        self._choices("pipeline").choices = [("", _("Default pipeline"))] + [
            (p.pk, p.display_name) for p in Pipeline.objects.order_by("order", "id")
        ]
        teams = access.visible(actor, "team", Team.objects.order_by("path")).filter(deal_teams_q(actor))
        self._choices("team").choices = [("", _("All teams"))] + [
            (t.pk, ("· " * t.depth) + t.display_name)
            for t in teams.only("pk", "name", "names", "depth", "path")
        ]
        people = access.visible(actor, "user", User.objects.order_by("display_name", "username")).filter(
            deal_people_q(actor)
        )
        self._choices("person").choices = everyone + [
            (u.pk, str(u)) for u in people.only("pk", "display_name", "username").distinct()
        ]

    def _choices(self, name: str) -> forms.ChoiceField:
        found = self.fields[name]
        assert isinstance(found, forms.ChoiceField)
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        period = data.get("period") or DEFAULT_PERIOD
        data["period"] = period
        for name in ("start", "end"):
            error = year_error(data.get(name))
            if error:
                self.add_error(name, error)
                data.pop(name, None)
        if period == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Give the first day of the range."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Give the last day of the range."))
            if start and end and start > end:
                self.add_error("end", _("The range ends before it starts."))
            elif start and end and (end - start).days > MAX_DAYS:
                self.add_error("end", _("Choose a range of at most five years."))
        return data

    def filters(self) -> Filters:
        """The valid form as filters (call after ``is_valid``)."""
        data = self.cleaned_data
        settings = company.company_settings()
        period = data["period"]
        if period == "custom":
            start, end = data["start"], data["end"]
            label = f"{start.isoformat()} – {end.isoformat()}"
        else:
            start, end = period_range(period, timezone.localdate(), settings.fiscal_year_start_month)
            label = str(dict(PERIODS)[period])
        query = {"period": period}
        if period == "custom":
            query |= {"start": start.isoformat(), "end": end.isoformat()}
        for name in ("pipeline", "team", "person"):
            if data.get(name) is not None:
                query[name] = str(data[name])
        scope = Scope(owner_id=data.get("person"), team_id=data.get("team"), pipeline_id=data.get("pipeline"))
        return Filters(start=start, end=end, period=period, period_label=label, scope=scope, query=query)
