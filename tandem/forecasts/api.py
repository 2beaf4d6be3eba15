"""REST API of forecasts (issue 11 §7): ``/api/v1/forecasts/`` (submissions),
``/api/v1/forecast-adjustments/`` and ``/api/v1/forecast-snapshots/``.

Scoped like deals: a person's forecast is visible to whoever sees their deals by scope
(``selectors.visible_forecasts``); out of scope answers 404 exactly as missing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import IF_MATCH, PRECONDITION, LanguageMixin, version_read
from tandem.org.models import Team, User

from . import selectors, services
from .models import ForecastAdjustment, ForecastSnapshot, ForecastSubmission
from .serializers import (
    AdjustmentInputSerializer,
    AdjustmentQuerySerializer,
    AdjustmentSerializer,
    SnapshotQuerySerializer,
    SnapshotSerializer,
    SubmissionDetailSerializer,
    SubmissionInputSerializer,
    SubmissionQuerySerializer,
    SubmissionSerializer,
    SubmissionUpdateSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The caller may not do this."),
    404: OpenApiResponse(description="No such record."),
    409: OpenApiResponse(description="Stale version: the record changed; body has current values."),
}


class DealViewers(BasePermission):
    """Forecasts are read with the deal grants: anyone who may see deals at all gets in."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        return actor.user is not None and actor.has("deal", "view")


def _parse(serializer_class: type[serializers.Serializer[Any]], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _period(key: str) -> Any:
    try:
        return selectors.parse_period(key)
    except ValueError as exc:
        raise exceptions.ValidationError({"period": [_("Choose a quarter or a month.")]}) from exc


class _Base(LanguageMixin, viewsets.GenericViewSet):
    permission_classes: ClassVar[list[type[BasePermission]]] = [DealViewers]  # type: ignore[misc]
    lookup_value_converter = "int"
    ordering_fields: ClassVar[list[str]] = ["id"]


class SubmissionViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """People's forecast submissions: one per person and period, every save kept as a version."""

    serializer_class = SubmissionSerializer
    ordering: ClassVar[list[str]] = ["-period", "owner_id", "id"]

    def get_queryset(self) -> QuerySet[ForecastSubmission]:
        qs = selectors.submissions_queryset(self.actor).select_related("owner")
        if self.action == "list":
            query = _parse(SubmissionQuerySerializer, self.request.query_params)
            if "period" in query:
                qs = qs.filter(period=query["period"])
            if "owner" in query:
                qs = qs.filter(owner_id=query["owner"])
            if "team" in query:
                qs = qs.filter(team_id=query["team"])
        if self.action == "retrieve":
            qs = qs.prefetch_related("versions__saved_by")
        return qs.order_by("-period", "owner_id", "id")

    def get_serializer_class(self) -> type[serializers.Serializer[Any]]:
        return SubmissionDetailSerializer if self.action == "retrieve" else SubmissionSerializer

    @extend_schema(summary="List forecast submissions you may see", parameters=[SubmissionQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Submit your forecast for a period",
        request=SubmissionInputSerializer,
        responses={201: SubmissionDetailSerializer, 400: ERRORS[400], 403: ERRORS[403], 409: ERRORS[409]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(SubmissionInputSerializer, request.data)
        period = _period(data.pop("period"))
        if ForecastSubmission.objects.filter(owner_id=self.actor.id, period=period.key).exists():
            raise exceptions.ValidationError(
                {"period": [_("You have submitted for this period: change that submission instead.")]}
            )
        submission = services.submission_save(actor=self.actor, period=period, data=data)
        return Response(SubmissionDetailSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change your submission (kept as a new version)",
        request=SubmissionUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: SubmissionDetailSerializer, **ERRORS, **PRECONDITION},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        submission = self.get_object()
        if submission.owner_id != self.actor.id:
            raise exceptions.PermissionDenied
        data = _parse(SubmissionUpdateSerializer, request.data)
        sent = data.pop("version", None)
        version = version_read(request, sent)
        saved = services.submission_save(
            actor=self.actor, period=_period(submission.period), data=data, version=version
        )
        return Response(SubmissionDetailSerializer(saved).data)

    @extend_schema(
        summary="Change your submission (kept as a new version)",
        request=SubmissionUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: SubmissionDetailSerializer, **ERRORS, **PRECONDITION},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)


class AdjustmentViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Managers' adjustments of a person's or a team's forecast, each with its reason."""

    serializer_class = AdjustmentSerializer
    ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[ForecastAdjustment]:
        qs = selectors.adjustments_queryset(self.actor).select_related("adjusted_by")
        if self.action == "list":
            query = _parse(AdjustmentQuerySerializer, self.request.query_params)
            if "period" in query:
                qs = qs.filter(period=query["period"])
            if "owner" in query:
                qs = qs.filter(owner_id=query["owner"])
            if "team" in query:
                qs = qs.filter(team_id=query["team"])
            if "subject_kind" in query:
                qs = qs.filter(subject_kind=query["subject_kind"])
        return qs.order_by("-created_at", "-id")

    @extend_schema(summary="List forecast adjustments you may see", parameters=[AdjustmentQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Adjust a member's or a team's forecast, with a reason",
        request=AdjustmentInputSerializer,
        responses={201: AdjustmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(AdjustmentInputSerializer, request.data)
        period = _period(data.pop("period"))
        owner: User | None = data.pop("owner", None)
        team: Team | None = data.pop("team", None)
        # A subject the caller cannot see is refused exactly like a missing one.
        person = selectors.person_or_404(self.actor, owner.pk) if owner is not None else None
        found_team = selectors.team_or_404(self.actor, team.pk) if team is not None else None
        adjustment = services.adjustment_create(
            actor=self.actor, period=period, data=data, person=person, team=found_team
        )
        return Response(AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class SnapshotViewSet(_Base, mixins.ListModelMixin):
    """Dated snapshots of every subject's forecast and pipeline (weekly)."""

    serializer_class = SnapshotSerializer
    ordering: ClassVar[list[str]] = ["taken_on", "subject"]

    def get_queryset(self) -> QuerySet[ForecastSnapshot]:
        qs = selectors.snapshots_queryset(self.actor)
        query = _parse(SnapshotQuerySerializer, self.request.query_params)
        if "period" in query:
            qs = qs.filter(period=query["period"])
        if "subject" in query:
            qs = qs.filter(subject=query["subject"])
        if "subject_kind" in query:
            qs = qs.filter(subject_kind=query["subject_kind"])
        if "taken_from" in query:
            qs = qs.filter(taken_on__gte=query["taken_from"])
        if "taken_to" in query:
            qs = qs.filter(taken_on__lte=query["taken_to"])
        return qs.order_by("taken_on", "subject", "id")

    @extend_schema(summary="List forecast snapshots you may see", parameters=[SnapshotQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
