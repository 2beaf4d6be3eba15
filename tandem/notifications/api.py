"""``/api/v1/notifications/`` (one's own inbox and preferences), ``/api/v1/webhooks/``
(administrators: subscriptions, their deliveries, replay), ``/api/v1/team-robots/`` (administrators
and team leaders) and ``/api/v1/event-types/``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access, events
from tandem.core.api import LanguageMixin, TandemAPIView
from tandem.core.ids import parse_id
from tandem.core.rest import Pagination
from tandem.org.models import Team

from . import selectors, services
from .serializers import (
    DeliverySerializer,
    EventTypeSerializer,
    InboxQuerySerializer,
    NotificationSerializer,
    PreferencesSerializer,
    ReadAllSerializer,
    TeamRobotSerializer,
    UnreadCountSerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
)


def _service(call: Any) -> Any:
    try:
        return call()
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        ) from exc


@extend_schema_view(
    list=extend_schema(summary="My notifications, newest first", parameters=[InboxQuerySerializer]),
)
class NotificationViewSet(LanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Any]):
    """The caller's own notifications only: another person's answers 404 as if missing."""

    serializer_class = NotificationSerializer
    pagination_class = Pagination

    def get_queryset(self) -> models.QuerySet[Any]:
        query = InboxQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.inbox(actor=self.actor, unread_only=query.validated_data.get("unread") == "1")

    @extend_schema(
        summary="Mark one notification read", request=None, responses={200: NotificationSerializer}
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        item = services.notification_mark_read(actor=self.actor, notification_id=parse_id(pk))
        return Response(NotificationSerializer(item).data)

    @extend_schema(summary="Mark all my notifications read", request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(actor=self.actor)})

    @extend_schema(summary="How many of my notifications are unread", responses={200: UnreadCountSerializer})
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(actor=self.actor)})


def _preferences(actor: access.Actor) -> dict[str, Any]:
    from .preferences import all_channels

    assert actor.user is not None
    return {
        "preferences": [
            {"kind": t.kind, "label": str(t.label), "in_app": c.in_app, "email": c.email, "digest": c.digest}
            for t, c in all_channels(actor.user)
        ]
    }


class PreferencesView(TandemAPIView):
    @extend_schema(summary="My notification channels per kind", responses={200: PreferencesSerializer})
    def get(self, request: Request) -> Response:
        return Response(_preferences(self.actor))

    @extend_schema(
        summary="Set my notification channels for the kinds given",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer},
    )
    def put(self, request: Request) -> Response:
        body = PreferencesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = body.validated_data["preferences"]
        _service(lambda: services.preferences_set(actor=self.actor, items=items))
        return Response(_preferences(self.actor))


class EventTypeView(TandemAPIView):
    @extend_schema(
        summary="Event types webhooks and team robots can subscribe to",
        responses={200: EventTypeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(
            [{"code": t.code, "label": str(t.label), "resource": t.resource} for t in events.types()]
        )


class _AdminOnly:
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not access.may_manage_webhooks(access.get_actor(request)):
            raise exceptions.PermissionDenied


@extend_schema_view(
    list=extend_schema(summary="Webhook subscriptions (administrators)"),
    retrieve=extend_schema(summary="One webhook subscription"),
    create=extend_schema(
        summary="Subscribe a URL to events; the answer shows the signing secret once",
        responses={201: WebhookCreatedSerializer},
    ),
    partial_update=extend_schema(summary="Change a webhook subscription"),
    destroy=extend_schema(summary="Delete a webhook subscription and its delivery log"),
)
class WebhookViewSet(
    _AdminOnly,
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = WebhookSerializer
    pagination_class = Pagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> models.QuerySet[Any]:
        return selectors.webhooks(actor=self.actor)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = WebhookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = _service(
            lambda: services.webhook_save(actor=self.actor, subscription=None, data=body.validated_data)
        )
        return Response(WebhookCreatedSerializer(found).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        body = WebhookSerializer(found, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        found = _service(
            lambda: services.webhook_save(actor=self.actor, subscription=found, data=body.validated_data)
        )
        return Response(WebhookSerializer(found).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        services.webhook_delete(actor=self.actor, subscription=found)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A webhook's deliveries, newest first", responses={200: DeliverySerializer(many=True)}
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        found = self.get_object()
        qs = selectors.deliveries(actor=self.actor, subscription=found).prefetch_related("attempt_log")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery's body again, as a new delivery",
        request=None,
        responses={201: DeliverySerializer},
    )
    @action(detail=True, methods=["post"], url_path="deliveries/<int:delivery_id>/replay")
    def replay(self, request: Request, pk: str | None = None, delivery_id: str | None = None) -> Response:
        found = self.get_object()
        delivery = (
            selectors.deliveries(actor=self.actor, subscription=found)
            .filter(pk=parse_id(delivery_id) or 0)
            .first()
        )
        if delivery is None:
            raise Http404
        replay = services.delivery_replay(actor=self.actor, delivery=delivery)
        return Response(DeliverySerializer(replay).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Team robots (group chats) I administer"),
    retrieve=extend_schema(summary="One team robot"),
    create=extend_schema(summary="Add a group robot to a team (administrators, the team's leader)"),
    partial_update=extend_schema(summary="Change a team robot"),
    destroy=extend_schema(summary="Remove a team robot"),
)
class TeamRobotViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = TeamRobotSerializer
    pagination_class = Pagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> models.QuerySet[Any]:
        return selectors.robots(actor=self.actor)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TeamRobotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        team = access.visible(self.actor, "team", Team.objects.all()).filter(pk=data.pop("team_id")).first()
        if team is None:
            raise exceptions.ValidationError({"team": [_("Choose one of your teams.")]})
        found = _service(lambda: services.robot_save(actor=self.actor, robot=None, team=team, data=data))
        return Response(TeamRobotSerializer(found).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        body = TeamRobotSerializer(found, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("team_id", None)  # a robot stays with its team
        found = _service(
            lambda: services.robot_save(actor=self.actor, robot=found, team=found.team, data=data)
        )
        return Response(TeamRobotSerializer(found).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.robot_delete(actor=self.actor, robot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
