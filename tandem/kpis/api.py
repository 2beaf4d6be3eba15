"""REST API of the KPI foundation and the deal analytics (issue 11 §7).

- ``/api/v1/kpis/``: KPI definitions; everyone who may see deals reads them, administrators
  add, change and delete custom ones. ``/api/v1/kpis/{id}/figures/`` computes one.
- ``/api/v1/exchange-rates/``, ``/api/v1/company-settings/``: read by everyone who may see deals,
  written by administrators, with ``version`` (or ``If-Match``) against lost updates.
- ``/api/v1/analytics/deals/``: the deal figures grouped many ways.

Every figure comes from ``kpis.engine`` (so from ``access.visible``); views only parse and render.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import IF_MATCH, PRECONDITION, LanguageMixin, TandemAPIView, version_read
from tandem.org.models import Team, User

from . import engine, periods, services
from .company import company_settings
from .models import ExchangeRate, KpiDefinition
from .serializers import (
    CompanySettingsInputSerializer,
    CompanySettingsSerializer,
    DealAnalyticsQuerySerializer,
    DealAnalyticsSerializer,
    ExchangeRateInputSerializer,
    ExchangeRateQuerySerializer,
    ExchangeRateSerializer,
    FiguresQuerySerializer,
    FiguresSerializer,
    KpiInputSerializer,
    KpiSerializer,
    missing_rates,
)

READ_METHODS = ("GET", "HEAD", "OPTIONS")
ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The caller may not do this."),
    404: OpenApiResponse(description="No such record."),
    409: OpenApiResponse(description="Stale version: the record changed; body has current values."),
}


class ReadForDealViewersWriteForAdmins(BasePermission):
    """Company-wide configuration behind every figure: whoever may see deals reads it (to know
    what a number means), administrators change it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None or not actor.has("deal", "view"):
            return False
        return request.method in READ_METHODS or actor.is_admin


def _version(request: Request, data: dict[str, Any]) -> int:
    """The version the caller read (``version`` in the body or ``If-Match``); without one, 428,
    as every versioned write of the API (core.api.version_read)."""
    sent = data.get("version")
    return version_read(request, int(sent) if sent is not None else None)


def _version_if_sent(request: Request) -> int | None:
    """A delete may say which version it removes (``If-Match``); it need not."""
    header = request.headers.get("If-Match")
    return None if header is None else version_read(request, None)


def _parse(serializer_class: type[serializers.Serializer[Any]], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- KPI definitions and their figures ---------------------------------------------------------------


def _group_labels(group_by: str, keys: list[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if group_by == "owner":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    if group_by == "team":
        return {t.pk: t.display_name for t in Team.all_objects.filter(pk__in=ids)}
    return {k: periods.period_from_key(k).label() for k in ids}


@extend_schema_view(
    list=extend_schema(summary="KPI definitions (指标)"),
    retrieve=extend_schema(summary="One KPI definition", responses={200: KpiSerializer, 404: ERRORS[404]}),
)
class KpiViewSet(LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What each figure counts. Built-in KPIs may be renamed, reordered and deactivated; custom
    ones count or sum records of one source with whitelisted filters, or divide two KPIs."""

    permission_classes = [ReadForDealViewersWriteForAdmins]
    serializer_class = KpiSerializer
    lookup_value_converter = "int"
    ordering_fields: ClassVar[list[str]] = ["order", "code", "id"]
    ordering: ClassVar[list[str]] = ["order", "id"]

    def get_queryset(self) -> QuerySet[KpiDefinition]:
        return KpiDefinition.objects.all()

    def _output(self, kpi: KpiDefinition, code: int = status.HTTP_200_OK) -> Response:
        return Response(KpiSerializer(KpiDefinition.objects.get(pk=kpi.pk)).data, status=code)

    @extend_schema(
        summary="Define a custom KPI",
        request=KpiInputSerializer,
        responses={201: KpiSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(KpiInputSerializer, request.data)
        data.pop("version", None)
        kpi = services.kpi_save(actor=access.get_actor(request), kpi=None, data=data)
        return self._output(kpi, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a KPI",
        request=KpiInputSerializer,
        parameters=[IF_MATCH],
        responses={200: KpiSerializer, **ERRORS, **PRECONDITION},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        kpi = self.get_object()
        data = _parse(KpiInputSerializer, request.data, partial=partial)
        version = _version(request, data)
        data.pop("version", None)
        kpi = services.kpi_save(actor=access.get_actor(request), kpi=kpi, data=data, version=version)
        return self._output(kpi)

    @extend_schema(
        summary="Change some of a KPI's fields",
        request=KpiInputSerializer,
        parameters=[IF_MATCH],
        responses={200: KpiSerializer, **ERRORS, **PRECONDITION},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Delete a custom KPI nothing refers to", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.kpi_delete(actor=access.get_actor(request), kpi=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A KPI's figure over a date range, optionally grouped",
        parameters=[FiguresQuerySerializer],
        responses={200: FiguresSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def figures(self, request: Request, pk: int | None = None) -> Response:
        kpi = self.get_object()
        query = _parse(FiguresQuerySerializer, request.query_params)
        actor = access.get_actor(request)
        scope = engine.Scope(
            owner_id=query.get("owner"), team_id=query.get("team"), pipeline_id=query.get("pipeline")
        )
        start: datetime.date = query["start"]
        end: datetime.date = query["end"]
        group_by = query.get("group_by")
        total = engine.figure(actor=actor, kpi=kpi, start=start, end=end, scope=scope)
        results = []
        missing = set(total.missing_rates)
        if group_by:
            grouped = engine.figures(
                actor=actor, kpi=kpi, start=start, end=end, group_by=group_by, scope=scope
            )
            labels = _group_labels(group_by, list(grouped))
            for key, found in grouped.items():
                missing |= set(found.missing_rates)
                results.append(
                    {
                        "key": key,
                        "label": labels.get(key, _("No owner") if group_by == "owner" else _("No team")),
                        "value": found.value,
                        "count": found.count,
                        "missing_rates": missing_rates(found.missing_rates),
                    }
                )
        body = {
            "kpi": kpi.pk,
            "code": kpi.code,
            "unit": kpi.unit,
            "currency": company_settings().currency,
            "start": start,
            "end": end,
            "group_by": group_by,
            "total": {
                "value": total.value,
                "count": total.count,
                "missing_rates": missing_rates(total.missing_rates),
            },
            "results": results,
            "missing_rates_text": engine.missing_rates_text(missing),
        }
        return Response(FiguresSerializer(body).data)


# --- Exchange rates -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Exchange rates per month", parameters=[ExchangeRateQuerySerializer]),
    retrieve=extend_schema(
        summary="One month's rate", responses={200: ExchangeRateSerializer, 404: ERRORS[404]}
    ),
)
class ExchangeRateViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """One unit of ``currency`` = ``rate`` units of the company currency, for amounts counted in
    ``month``. A month without a rate is never guessed: figures leave its amounts out and say so."""

    permission_classes = [ReadForDealViewersWriteForAdmins]
    serializer_class = ExchangeRateSerializer
    lookup_value_converter = "int"
    filter_backends = []  # its own query parameters, checked below

    def get_queryset(self) -> QuerySet[ExchangeRate]:
        qs = ExchangeRate.objects.order_by("-month", "currency")
        if self.action == "list":
            query = _parse(ExchangeRateQuerySerializer, self.request.query_params)
            if query.get("currency"):
                qs = qs.filter(currency=query["currency"])
            if query.get("month_from"):
                qs = qs.filter(month__gte=query["month_from"])
            if query.get("month_to"):
                qs = qs.filter(month__lte=query["month_to"])
        return qs

    @extend_schema(
        summary="Set a month's rate for a currency",
        request=ExchangeRateInputSerializer,
        responses={201: ExchangeRateSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(ExchangeRateInputSerializer, request.data)
        rate = services.exchange_rate_set(
            actor=access.get_actor(request),
            month=data["month"],
            currency=data["currency"],
            rate=data["rate"],
            replace=False,
        )
        return Response(ExchangeRateSerializer(rate).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a month's rate",
        request=ExchangeRateInputSerializer,
        parameters=[IF_MATCH],
        responses={200: ExchangeRateSerializer, **ERRORS, **PRECONDITION},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        current = self.get_object()
        data = _parse(ExchangeRateInputSerializer, request.data, partial=partial)
        errors = {}
        if data.get("month", current.month) != current.month:
            errors["month"] = [_("A rate stays in its month; set one for the other month instead.")]
        if data.get("currency", current.currency) != current.currency:
            errors["currency"] = [
                _("A rate stays with its currency; set one for the other currency instead.")
            ]
        if errors:
            raise exceptions.ValidationError(errors)
        rate = services.exchange_rate_set(
            actor=access.get_actor(request),
            month=current.month,
            currency=current.currency,
            rate=data.get("rate", current.rate),
            version=_version(request, data),
        )
        return Response(ExchangeRateSerializer(rate).data)

    @extend_schema(
        summary="Change a month's rate",
        request=ExchangeRateInputSerializer,
        parameters=[IF_MATCH],
        responses={200: ExchangeRateSerializer, **ERRORS, **PRECONDITION},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Remove a month's rate", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.exchange_rate_delete(
            actor=access.get_actor(request), rate=self.get_object(), version=_version_if_sent(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Company settings -----------------------------------------------------------------------------------


class CompanySettingsView(TandemAPIView):
    """The company currency, fiscal year start and pace thresholds every figure depends on."""

    permission_classes = [ReadForDealViewersWriteForAdmins]

    @extend_schema(summary="Company settings", responses={200: CompanySettingsSerializer, 403: ERRORS[403]})
    def get(self, request: Request) -> Response:
        return Response(CompanySettingsSerializer(company_settings()).data)

    @extend_schema(
        summary="Change the company settings",
        request=CompanySettingsInputSerializer,
        parameters=[IF_MATCH],
        responses={
            200: CompanySettingsSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            409: ERRORS[409],
            **PRECONDITION,
        },
    )
    def put(self, request: Request) -> Response:
        return self._change(request, partial=False)

    @extend_schema(
        summary="Change some of the company settings",
        request=CompanySettingsInputSerializer,
        parameters=[IF_MATCH],
        responses={
            200: CompanySettingsSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            409: ERRORS[409],
            **PRECONDITION,
        },
    )
    def patch(self, request: Request) -> Response:
        return self._change(request, partial=True)

    def _change(self, request: Request, *, partial: bool) -> Response:
        data = _parse(CompanySettingsInputSerializer, request.data, partial=partial)
        version = _version(request, data)
        clear = bool(data.pop("clear_rates", False))
        data.pop("version", None)
        saved = services.company_settings_update(
            actor=access.get_actor(request), data=data, version=version, clear_rates=clear
        )
        return Response(CompanySettingsSerializer(saved).data)


# --- Deal analytics ---------------------------------------------------------------------------------------


class DealAnalyticsView(TandemAPIView):
    """Deal figures grouped by owner, team, product, industry, pipeline, stage, source, close
    month or fiscal close quarter, over the deals the caller may see."""

    @extend_schema(
        summary="Deal figures grouped (won amount, win rate, cycle, …)",
        parameters=[DealAnalyticsQuerySerializer],
        responses={200: DealAnalyticsSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        actor = access.get_actor(request)
        if not actor.has("deal", "view"):
            raise exceptions.PermissionDenied
        query = DealAnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows, total = engine.deal_breakdown(
            actor=actor, group_by=query.validated_data["group_by"], filters=query.filters()
        )
        missing = set(total.missing_rates)
        for row in rows:
            missing |= set(row.missing_rates)
        body = {
            "results": rows,
            "total": total,
            "currency": company_settings().currency,
            "missing_rates": missing_rates(sorted(missing)),
            "missing_rates_text": engine.missing_rates_text(missing),
        }
        return Response(DealAnalyticsSerializer(body).data)
