"""``/api/v1/checkins/``: field visits (外勤签到).

List and read what the access policy shows (the caller's own; a manager's teams'); creating one
checks the caller in (JSON, or multipart with a ``photo``); ``check-out/`` closes it and writes
its follow-up; ``photo/`` adds or replaces the photo (POST, multipart) and serves it (GET). Only
the person who checked in changes a check-in: others who can see it get 403, others 404.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import ScopedViewSet
from tandem.customers.models import Account, Contact
from tandem.deals.models import Deal
from tandem.org.models import Team
from tandem.schedule.models import Event

from . import selectors, services
from .models import CheckIn
from .serializers import (
    CheckInCheckOutSerializer,
    CheckInCreateSerializer,
    CheckInListQuerySerializer,
    CheckInPatchSerializer,
    CheckInPhotoSerializer,
    CheckInSerializer,
)
from .views import photo_response

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(
        description="The visit is visible but only the person who checked in may change it."
    ),
    404: OpenApiResponse(description="No such visit, or the caller may not see it."),
}


def _pick(actor: access.Actor, resource: str, model: Any, pk: int | None, field: str) -> Any:
    """A record the caller can see, or a field error (a hidden one reads like a missing one)."""
    if pk is None:
        return None
    if resource == "event":
        found = services.my_visits(actor).filter(pk=pk).first()
    else:
        found = access.visible(actor, resource, model.objects.all()).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [gettext("Select a valid choice.")]})
    return found


@extend_schema_view(
    list=extend_schema(
        summary="Field visits (外勤签到): mine, and my teams' for managers",
        parameters=[CheckInListQuerySerializer],
    ),
    retrieve=extend_schema(summary="One field visit", responses={200: CheckInSerializer, **ERRORS}),
)
class CheckInViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "checkin"
    serializer_class = CheckInSerializer
    filter_backends = ()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names: ClassVar[list[str]] = ["get", "post", "patch", "head", "options"]  # type: ignore[misc]
    action_permissions: ClassVar[dict[str, str]] = {"check_out": "edit", "photo": "view"}

    def base_queryset(self) -> QuerySet[CheckIn]:
        return CheckIn.objects.select_related("user", "team", "account", "contact", "deal", "event")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = CheckInListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        team = None
        if data.get("team") is not None:
            team = Team.objects.filter(pk=data["team"]).first()
            if team is None:
                return queryset.none()
        day = data.get("date")
        if day is not None:
            start, end = selectors.day_bounds(day, timezone.get_current_timezone())
            queryset = queryset.filter(checked_in_at__gte=start, checked_in_at__lt=end)
        if team is not None:
            queryset = queryset.filter(team_id__in=selectors.team_ids_below(self.actor, team))
        if data.get("user") is not None:
            queryset = queryset.filter(user_id=data["user"])
        if data.get("open") is not None:
            queryset = queryset.filter(checked_out_at__isnull=data["open"])
        return queryset.order_by("-checked_in_at", "-id")

    def _answer(self, checkin: CheckIn, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=checkin.pk).first() or checkin
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="Check in at a customer",
        request={"application/json": CheckInCreateSerializer, "multipart/form-data": CheckInCreateSerializer},
        responses={201: CheckInSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        serializer = CheckInCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = self.actor
        errors: dict[str, list[str]] = {}
        picked: dict[str, Any] = {}
        for field, resource, model in (
            ("account", "account", Account),
            ("contact", "contact", Contact),
            ("deal", "deal", Deal),
            ("event", "event", Event),
        ):
            try:
                picked[field] = _pick(actor, resource, model, data.get(field), field)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        checkin = services.checkin_start(
            actor=actor,
            position={k: data.get(k) for k in ("latitude", "longitude", "accuracy_m")},
            note=data.get("note", ""),
            photo=data.get("photo"),
            **picked,
        )
        return self._answer(checkin, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a field visit's note (the person who checked in)",
        request=CheckInPatchSerializer,
        responses={200: CheckInSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        checkin = self.get_object()
        serializer = CheckInPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.checkin_update(actor=self.actor, checkin=checkin, data=serializer.validated_data)
        )

    @extend_schema(
        summary="Check out: closes the visit and writes its follow-up",
        request=CheckInCheckOutSerializer,
        responses={200: CheckInSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: int | None = None) -> Response:
        checkin = self.get_object()
        serializer = CheckInCheckOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._answer(
            services.checkin_finish(
                actor=self.actor,
                checkin=checkin,
                position={k: data.get(k) for k in ("latitude", "longitude", "accuracy_m")},
                note=data.get("note"),
            )
        )

    @extend_schema(
        methods=["GET"],
        summary="The visit's photo (JPEG, PNG, WebP or HEIC)",
        request=None,
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add or replace the visit's photo (multipart, field `photo`)",
        request={"multipart/form-data": CheckInPhotoSerializer},
        responses={200: CheckInSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def photo(self, request: Request, pk: int | None = None) -> Any:
        checkin = self.get_object()
        if request.method == "GET":
            if not checkin.photo:
                raise Http404
            return photo_response(checkin)
        serializer = CheckInPhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.checkin_set_photo(
                actor=self.actor, checkin=checkin, photo=serializer.validated_data["photo"]
            )
        )
