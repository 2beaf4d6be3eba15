"""``/api/v1/targets/`` (list, create, read, change with version, delete; scoped by the
``target`` resource) and ``/api/v1/targets/attainment/``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core.api import IF_MATCH, PRECONDITION, ScopedViewSet, version_read
from tandem.kpis import engine, periods
from tandem.kpis.models import KpiDefinition
from tandem.kpis.serializers import missing_rates
from tandem.org.models import Team, User

from . import policies, selectors, services
from .book import load_org
from .models import SubjectKind, Target
from .serializers import (
    AttainmentQuerySerializer,
    AttainmentSerializer,
    TargetCreateSerializer,
    TargetQuerySerializer,
    TargetSerializer,
    TargetUpdateSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The caller may not do this."),
    404: OpenApiResponse(description="No such record."),
    409: OpenApiResponse(description="Stale version: the record changed; body has current values."),
}


def _parse(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _invalid(field: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [_("Select a valid choice.")]})


def _period(key: str) -> periods.Period:
    try:
        return periods.period_from_key(key)
    except ValueError as exc:
        raise serializers.ValidationError(
            {"period": [_("Give a period as 2026-03, 2026-Q1 or 2026.")]}
        ) from exc


def _row_period(target: Target) -> periods.Period:
    """The period a row was set for, on its own dates (a fiscal start changed since moves the
    company's quarters, not this row)."""
    fiscal_start = selectors.company_settings().fiscal_year_start_month
    return periods.Period(
        start=target.start, end=target.end, kind=target.period_kind, fiscal_start=fiscal_start
    )


def _kpi(code: str) -> KpiDefinition:
    found = KpiDefinition.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise _invalid("kpi")
    return found


@extend_schema_view(
    list=extend_schema(summary="Targets (销售目标) the caller may see", parameters=[TargetQuerySerializer]),
    retrieve=extend_schema(summary="One target", responses={200: TargetSerializer, 404: ERRORS[404]}),
)
class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Explicit targets: per person, team or the company, per KPI and period. A team without
    its own target has the sum of its members' (see ``attainment/``)."""

    resource = "target"
    serializer_class = TargetSerializer
    lookup_value_converter = "int"
    filter_backends = []  # its own query parameters, checked in base_queryset
    action_permissions: ClassVar[dict[str, str]] = {"attainment": "view"}

    def base_queryset(self) -> QuerySet[Target]:
        qs = Target.objects.select_related("kpi").order_by("start", "period_kind", "id")
        if self.action == "list":
            query = _parse(TargetQuerySerializer, self.request.query_params)
            for name in ("subject_kind", "period_kind"):
                if query.get(name):
                    qs = qs.filter(**{name: query[name]})
            if query.get("user"):
                qs = qs.filter(user_id=query["user"])
            if query.get("team"):
                qs = qs.filter(team_id=query["team"])
            if query.get("kpi"):
                qs = qs.filter(kpi__code=query["kpi"])
            if query.get("period"):
                found = _period(query["period"])
                qs = qs.filter(period_kind=found.kind, start=found.start)
        return qs

    @extend_schema(
        summary="Set a target",
        request=TargetCreateSerializer,
        responses={201: TargetSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(TargetCreateSerializer, request.data)
        actor = self.actor
        kind = data["subject_kind"]
        subject: User | Team | None = None
        if kind == SubjectKind.PERSON:
            subject = User.objects.filter(pk=data["user"]).first()
            if subject is None or not policies.can_view_person(actor, subject):
                raise _invalid("user")
        elif kind == SubjectKind.TEAM:
            found = Team.objects.filter(pk=data["team"], deleted_at__isnull=True).first()
            if found is None or not policies.can_view_team(actor, found):
                raise _invalid("team")
            subject = found
        target = services.target_set(
            actor=actor,
            kind=kind,
            subject=subject,
            kpi=_kpi(data["kpi"]),
            period=_period(data["period"]),
            value=data["value"],
            create_only=True,
        )
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a target's value",
        request=TargetUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: TargetSerializer, **ERRORS, **PRECONDITION},
    )
    def update(self, request: Request, pk: int | None = None) -> Response:
        target = self.get_object()
        data = _parse(TargetUpdateSerializer, request.data)
        version = version_read(request, data.get("version"))
        subject = target.user if target.subject_kind == SubjectKind.PERSON else target.team
        saved = services.target_set(
            actor=self.actor,
            kind=target.subject_kind,
            subject=subject,
            kpi=target.kpi,
            period=_row_period(target),
            value=data["value"],
            version=version,
        )
        return Response(TargetSerializer(saved).data)

    @extend_schema(
        summary="Change a target's value",
        request=TargetUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: TargetSerializer, **ERRORS, **PRECONDITION},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk)

    @extend_schema(summary="Remove a target", parameters=[IF_MATCH], responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        target = self.get_object()
        header = request.headers.get("If-Match")
        version = None if header is None else version_read(request, None)
        services.target_delete(actor=self.actor, target=target, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Attainment (完成率) and pace per subject",
        parameters=[AttainmentQuerySerializer],
        responses={200: AttainmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def attainment(self, request: Request) -> Response:
        query = _parse(AttainmentQuerySerializer, request.query_params)
        actor = self.actor
        kpi = _kpi(query["kpi"])
        period = _period(query["period"]) if query.get("period") else selectors._period(None)
        subjects: list[tuple[str, int]] = []
        if query.get("user"):
            subjects.append((SubjectKind.PERSON.value, query["user"]))
        if query.get("company"):
            subjects.append((SubjectKind.COMPANY.value, 0))
        team = query.get("team")
        if not subjects and team is None:
            subjects = [(SubjectKind.PERSON.value, actor.id or 0)]
        wanted = subjects
        if team is not None:
            wanted = wanted + selectors.team_subjects(load_org(), team)
        rows = selectors.attainment_rows(actor=actor, period=period, kpi_code=kpi.code, subjects=wanted)
        missing: set[tuple[str, str]] = set()
        for row in rows:
            missing |= set(row.missing_rates)
        body = {
            "kpi": kpi.code,
            "unit": kpi.unit,
            "period": period.key,
            "period_label": period.label(),
            "currency": selectors.company_settings().currency,
            "results": [
                {
                    **row.__dict__,
                    "pace_label": row.pace_label,
                    "missing_rates": missing_rates(row.missing_rates),
                }
                for row in rows
            ],
            "missing_rates_text": engine.missing_rates_text(missing),
        }
        return Response(AttainmentSerializer(body).data)
