"""/api/v1/analytics/ extras: ``funnel/``, ``trend/``, ``activities/``, ``leaderboard/``.

Every figure comes from ``kpis.engine`` (so from ``access.visible``), exactly as the pages show
it; the views parse the query (400 naming the field), call the engine and render."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.activities.models import ActivityKind
from tandem.core import access
from tandem.core.access import Actor
from tandem.core.api import TandemAPIView
from tandem.kpis import engine, periods
from tandem.kpis.company import company_settings
from tandem.kpis.engine import Scope
from tandem.kpis.serializers import missing_rates

from .selectors import follow_ups_of_kind, people_names
from .serializers import (
    ActivitiesSerializer,
    FunnelSerializer,
    LeaderboardQuerySerializer,
    LeaderboardSerializer,
    RangeQuerySerializer,
    TrendQuerySerializer,
    TrendSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid query: field messages."),
    403: OpenApiResponse(description="The caller may not see deals."),
}


def _query(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _scope(query: dict[str, Any]) -> Scope:
    return Scope(owner_id=query.get("owner"), team_id=query.get("team"), pipeline_id=query.get("pipeline"))


class AnalyticsView(TandemAPIView):
    def viewer(self, request: Request) -> Actor:
        actor = access.get_actor(request)
        if not actor.has("deal", "view"):
            raise exceptions.PermissionDenied
        return actor


class FunnelView(AnalyticsView):
    """Of the deals opened in the range (the cohort), how many entered each stage."""

    @extend_schema(
        summary="The funnel: deals reaching each stage, with conversion",
        parameters=[RangeQuerySerializer],
        responses={200: FunnelSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        actor = self.viewer(request)
        query = _query(RangeQuerySerializer, request)
        scope = _scope(query)
        steps = engine.funnel(actor=actor, start=query["start"], end=query["end"], scope=scope)
        body = {
            "pipeline": engine.funnel_pipeline_id(scope),
            "start": query["start"],
            "end": query["end"],
            "results": [
                {
                    "stage": step.stage.pk,
                    "label": step.stage.display_name,
                    "kind": step.stage.kind,
                    "deals": step.deals,
                    "conversion": step.conversion,
                }
                for step in steps
            ],
        }
        return Response(FunnelSerializer(body).data)


class TrendView(AnalyticsView):
    """One KPI per month or fiscal quarter the range touches."""

    @extend_schema(
        summary="A KPI by month or fiscal quarter",
        parameters=[TrendQuerySerializer],
        responses={200: TrendSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        actor = self.viewer(request)
        query = _query(TrendQuerySerializer, request)
        kpi = query["kpi"]
        settings = company_settings()
        found = engine.figures(
            actor=actor,
            kpi=kpi,
            start=query["start"],
            end=query["end"],
            group_by=query["by"],
            scope=_scope(query),
        )
        missing: set[tuple[str, str]] = set()
        results = []
        for key, fig in found.items():
            period = periods.period_from_key(key, fiscal_start=settings.fiscal_year_start_month)
            missing |= set(fig.missing_rates)
            results.append(
                {
                    "key": key,
                    "label": period.label(),
                    "start": period.start,
                    "end": period.end,
                    "value": fig.value,
                    "count": fig.count,
                }
            )
        body = {
            "kpi": kpi.code,
            "unit": kpi.unit,
            "by": query["by"],
            "currency": settings.currency,
            "results": results,
            "missing_rates": missing_rates(sorted(missing)),
            "missing_rates_text": engine.missing_rates_text(missing),
        }
        return Response(TrendSerializer(body).data)


class ActivitiesView(AnalyticsView):
    """Follow-ups logged in the range, by kind and by author."""

    @extend_schema(
        summary="Follow-ups by kind and by person",
        parameters=[RangeQuerySerializer],
        responses={200: ActivitiesSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        actor = self.viewer(request)
        query = _query(RangeQuerySerializer, request)
        scope = _scope(query)
        kinds = list(ActivityKind.choices)
        per_kind = {
            kind: engine.figures(
                actor=actor,
                kpi=follow_ups_of_kind(kind),
                start=query["start"],
                end=query["end"],
                group_by="owner",
                scope=scope,
            )
            for kind, _label in kinds
        }
        authors: set[Any] = set()
        for found in per_kind.values():
            authors |= set(found)
        names = people_names(authors)
        results = []
        for author in authors:
            by_kind = {kind: found[author].count for kind, found in per_kind.items() if author in found}
            results.append(
                {
                    "key": author,
                    "label": names.get(author, str(author)) if author is not None else _("No owner"),
                    "total": sum(by_kind.values()),
                    "by_kind": by_kind,
                }
            )
        results.sort(key=lambda r: (-r["total"], r["label"]))
        counts = {kind: sum(f.count for f in found.values()) for kind, found in per_kind.items()}
        body = {
            "start": query["start"],
            "end": query["end"],
            "total": sum(counts.values()),
            "by_kind": [{"key": kind, "label": str(label), "count": counts[kind]} for kind, label in kinds],
            "results": results,
        }
        return Response(ActivitiesSerializer(body).data)


class LeaderboardView(AnalyticsView):
    """The people with the highest figure of a KPI in the range (among the records the caller
    may see)."""

    @extend_schema(
        summary="Top people by a KPI",
        parameters=[LeaderboardQuerySerializer],
        responses={200: LeaderboardSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        actor = self.viewer(request)
        query = _query(LeaderboardQuerySerializer, request)
        kpi = query["kpi"]
        found = engine.figures(
            actor=actor,
            kpi=kpi,
            start=query["start"],
            end=query["end"],
            group_by="owner",
            scope=_scope(query),
        )
        ranked = sorted(
            ((who, fig) for who, fig in found.items() if who is not None and fig.value is not None),
            key=lambda item: (-(item[1].value or 0), -item[1].count, item[0]),
        )[: query["limit"]]
        names = people_names(who for who, _fig in ranked)
        missing: set[tuple[str, str]] = set()
        for _who, fig in ranked:
            missing |= set(fig.missing_rates)
        body = {
            "kpi": kpi.code,
            "unit": kpi.unit,
            "currency": company_settings().currency,
            "results": [
                {
                    "rank": n,
                    "key": who,
                    "label": names.get(who, str(who)),
                    "value": fig.value,
                    "count": fig.count,
                }
                for n, (who, fig) in enumerate(ranked, start=1)
            ],
            "missing_rates": missing_rates(sorted(missing)),
            "missing_rates_text": engine.missing_rates_text(missing),
        }
        return Response(LeaderboardSerializer(body).data)
