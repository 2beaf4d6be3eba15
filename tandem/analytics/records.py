"""The records behind a figure (drill-down): the same querysets the engine counts
(``engine.kpi_queryset``, ``engine.breakdown_queryset``, ``engine.funnel_queryset``, the open
deals of ``engine.scoped``), narrowed to one row of a table, newest first, a page at a time
(keyset on id, so page 1,000 costs what page 1 does)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.activities.models import ActivityKind
from tandem.deals.models import DealLine, LostReason, StageKind
from tandem.kpis import engine, periods
from tandem.kpis.engine import DealFilters, Scope
from tandem.kpis.models import KpiDefinition, Measure
from tandem.kpis.sources import SOURCES

from .filters import year_error
from .selectors import follow_ups_of_kind

PAGE_SIZE = 50
SOURCES_CHOICES = (
    ("kpi", _("A KPI's records")),
    ("deals", _("Deals")),
    ("funnel", _("A funnel step")),
    ("open", _("Open deals")),
)
GROUPS = [*engine.BREAKDOWN_GROUPS, *engine.EXTRA_GROUPS]
STATUSES = (("won", _("Won")), ("lost", _("Lost")), ("open", _("Open")), ("closed", _("Won or lost")))


class RecordsForm(forms.Form):
    src = forms.ChoiceField(choices=SOURCES_CHOICES)
    kpi = forms.SlugField(required=False, max_length=50)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *ActivityKind.choices])
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    closed_from = forms.DateField(required=False)
    closed_to = forms.DateField(required=False)
    opened_from = forms.DateField(required=False)
    opened_to = forms.DateField(required=False)
    team = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    person = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    pipeline = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    stage = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    by = forms.ChoiceField(required=False, choices=[("", "")] + [(g, g) for g in GROUPS])
    key = forms.CharField(required=False, max_length=200)
    none = forms.BooleanField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *STATUSES])
    after = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end", "closed_from", "closed_to", "opened_from", "opened_to"):
            error = year_error(data.get(name))
            if error:
                self.add_error(name, error)
                data.pop(name, None)
        src = data.get("src")
        if src in ("kpi", "funnel"):
            for name in ("start", "end"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give a date as YYYY-MM-DD."))
            if data.get("start") and data.get("end") and data["start"] > data["end"]:
                self.add_error("end", _("The range ends before it starts."))
        if src == "kpi":
            code = data.get("kpi")
            found = (
                KpiDefinition.objects.select_related("denominator").filter(code=code).first()
                if code
                else None
            )
            if found is None:
                self.add_error("kpi", _("No such KPI."))
            else:
                # A ratio drills down to what it divides by (win rate: the deals closed).
                data["kpi_definition"] = found.denominator if found.measure == Measure.RATIO else found
            if data.get("kind") and (found is None or found.source != "activity"):
                self.add_error("kind", _("Only follow-ups have a kind."))
        if src == "funnel" and data.get("stage") is None and "stage" not in self.errors:
            self.add_error("stage", _("Choose a stage."))
        if data.get("by") and not data.get("none") and not data.get("key"):
            self.add_error("key", _("Say which group."))
        for low, high in (("closed_from", "closed_to"), ("opened_from", "opened_to")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                self.add_error(high, _("The range ends before it starts."))
        return data


@dataclass(frozen=True)
class Found:
    resource: str  # deal or activity
    rows: list[Any]
    next_after: int | None


def _group_q(by: str, key: str | None) -> Q:
    """The deals of one row of a breakdown grouped ``by`` (``key`` None: the "none" row)."""
    if key is None:
        return {
            "owner": Q(owner__isnull=True),
            "team": Q(team__isnull=True),
            "product": ~Q(Exists(DealLine.objects.filter(deal=OuterRef("pk")))),
            "industry": Q(account__isnull=True) | Q(account__industry=""),
            "region": Q(account__isnull=True) | Q(account__country="", account__province=""),
            "pipeline": Q(pipeline__isnull=True),
            "stage": Q(stage__isnull=True),
            "source": Q(source=""),
            "close_month": Q(closed_on__isnull=True),
            "close_quarter": Q(closed_on__isnull=True),
            "lost_reason": Q(lost_reason_ref__isnull=True),
            "competitor": Q(competitor=""),
        }[by]
    if by in ("owner", "team", "pipeline", "stage", "product", "lost_reason"):
        try:
            ident = int(key)
        except ValueError:
            return Q(pk__in=[])
        if by == "product":
            return Q(Exists(DealLine.objects.filter(deal=OuterRef("pk"), product_id=ident)))
        if by == "lost_reason":
            return Q(lost_reason_ref_id=ident)
        return Q(**{f"{by}_id": ident})
    if by in ("close_month", "close_quarter"):
        try:
            period = periods.period_from_key(key)
        except ValueError:
            return Q(pk__in=[])
        return Q(closed_on__gte=period.start, closed_on__lte=period.end)
    if by == "region":
        country, _sep, province = key.partition("/")
        return Q(account__country=country, account__province=province)
    if by == "industry":
        return Q(account__industry=key)
    return Q(**{by: key})


def _status_q(status: str) -> Q:
    if status == "closed":
        return Q(status__in=["won", "lost"])
    return Q(status=status)


def records_queryset(actor: Any, data: dict[str, Any]) -> tuple[str, QuerySet[Any]]:
    """(resource, the records behind the figure ``data`` names), inside what the actor may see."""
    scope = Scope(owner_id=data.get("person"), team_id=data.get("team"), pipeline_id=data.get("pipeline"))
    src = data["src"]
    if src == "kpi":
        kpi: KpiDefinition = data["kpi_definition"]
        if data.get("kind"):
            kpi = follow_ups_of_kind(data["kind"])
        qs = engine.kpi_queryset(actor, kpi, data["start"], data["end"], scope)
        return SOURCES[kpi.source].resource, qs
    if src == "funnel":
        return "deal", engine.funnel_queryset(actor, data["start"], data["end"], data["stage"], scope)
    if src == "open":
        qs = engine.scoped(actor, SOURCES["deal"], scope).filter(stage__kind=StageKind.OPEN)
        if data.get("stage"):
            qs = qs.filter(stage_id=data["stage"])
        return "deal", qs
    filters = DealFilters(
        team_id=scope.team_id,
        owner_id=scope.owner_id,
        pipeline_id=scope.pipeline_id,
        closed_from=data.get("closed_from"),
        closed_to=data.get("closed_to"),
        opened_from=data.get("opened_from"),
        opened_to=data.get("opened_to"),
    )
    qs = engine.breakdown_queryset(actor, filters)
    if data.get("by"):
        qs = qs.filter(_group_q(data["by"], None if data.get("none") else data.get("key")))
    if data.get("status"):
        qs = qs.filter(_status_q(data["status"]))
    return "deal", qs


def records_page(actor: Any, data: dict[str, Any], size: int = PAGE_SIZE) -> Found:
    resource, qs = records_queryset(actor, data)
    if data.get("after"):
        qs = qs.filter(pk__lt=data["after"])
    if resource == "deal":
        qs = qs.select_related("account", "owner", "stage", "team")
    else:
        qs = qs.select_related("author", "deal", "account", "lead", "contact")
    rows = list(qs.order_by("-pk")[: size + 1])
    next_after = rows[size - 1].pk if len(rows) > size else None
    return Found(resource=resource, rows=rows[:size], next_after=next_after)


def describe(actor: Any, data: dict[str, Any]) -> list[str]:
    """What the link names, as chips: the figure, the group, the person, the team."""
    from tandem.core import access
    from tandem.deals.models import Stage
    from tandem.org.models import Team, User

    chips: list[str] = []
    src = data["src"]
    if src == "kpi":
        chips.append(data["kpi_definition"].display_name)
        if data.get("kind"):
            chips.append(str(ActivityKind(data["kind"]).label))
    elif src == "funnel":
        chips.append(str(_("Deals that reached a stage")))
    elif src == "open":
        chips.append(str(_("Open deals")))
    if data.get("stage"):
        stage = Stage.objects.filter(pk=data["stage"]).first()
        if stage is not None:
            chips.append(stage.display_name)
    if data.get("status"):
        chips.append(str(dict(STATUSES)[data["status"]]))
    if data.get("by") == "lost_reason" and data.get("key"):
        reason = (
            LostReason.objects.filter(pk=int(data["key"])).first() if str(data["key"]).isdigit() else None
        )
        chips.append(reason.display_name if reason is not None else str(data["key"]))
    elif data.get("by") in ("competitor", "industry", "source") and data.get("key"):
        chips.append(str(data["key"]))
    if data.get("person"):
        person = access.visible(actor, "user", User.objects.filter(pk=data["person"])).first()
        if person is not None:
            chips.append(str(person))
    if data.get("team"):
        team = access.visible(actor, "team", Team.objects.filter(pk=data["team"])).first()
        if team is not None:
            chips.append(team.display_name)
    return chips


def describe_dates(data: dict[str, Any]) -> str:
    def show(a: datetime.date | None, b: datetime.date | None) -> str:
        return f"{a.isoformat() if a else '…'} – {b.isoformat() if b else '…'}"

    if data.get("start") or data.get("end"):
        return show(data.get("start"), data.get("end"))
    if data.get("closed_from") or data.get("closed_to"):
        return show(data.get("closed_from"), data.get("closed_to"))
    return ""
