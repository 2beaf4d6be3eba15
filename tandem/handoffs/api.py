"""``/api/v1/handoff-templates/`` and ``/api/v1/handoffs/`` (+ accept, reject, cancel, pick-up).

Templates: read by everyone who may use handoffs, written by administrators. Handoffs: the
caller's own (``?box=incoming|outgoing|team``); creating one sends it. A handoff the caller is not
party to (nor may see through their scope) answers 404.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin, ScopedViewSet
from tandem.customers.models import Account
from tandem.deals.models import Deal

from . import selectors, services
from .models import Handoff, HandoffTemplate
from .serializers import (
    HandoffListQuerySerializer,
    HandoffRejectSerializer,
    HandoffSendSerializer,
    HandoffSerializer,
    HandoffTemplateInputSerializer,
    HandoffTemplateSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The handoff is visible but the caller may not do this."),
    404: OpenApiResponse(description="No such handoff, or the caller may not see it."),
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")


class TemplatePermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None or not (actor.has("handoff", "view") or actor.is_admin):
            return False
        return request.method in READ_METHODS or actor.is_admin


@extend_schema_view(
    list=extend_schema(summary="Handoff templates (交接模板)"),
    retrieve=extend_schema(
        summary="One handoff template", responses={200: HandoffTemplateSerializer, **ERRORS}
    ),
)
class HandoffTemplateViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Shared configuration, not a scoped record: administrators keep it."""

    permission_classes = [TemplatePermission]
    serializer_class = HandoffTemplateSerializer
    ordering_fields: ClassVar[list[str]] = ["name", "id"]
    ordering: ClassVar[list[str]] = ["record_kind", "name", "id"]

    def get_queryset(self) -> QuerySet[HandoffTemplate]:
        actor = access.get_actor(self.request)
        return selectors.template_list(actor, include_inactive=actor.is_admin)

    def _save(self, template: HandoffTemplate | None, partial: bool = False) -> HandoffTemplate:
        serializer = HandoffTemplateInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return services.template_save(
            actor=access.get_actor(self.request), template=template, data=dict(serializer.validated_data)
        )

    @extend_schema(
        summary="Create a handoff template (administrators)",
        request=HandoffTemplateInputSerializer,
        responses={201: HandoffTemplateSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        template = self._save(None)
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a handoff template (administrators)",
        request=HandoffTemplateInputSerializer,
        responses={200: HandoffTemplateSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        template = self._save(self.get_object(), partial=partial)
        return Response(self.get_serializer(template).data)

    @extend_schema(
        summary="Edit some of a handoff template's fields (administrators)",
        request=HandoffTemplateInputSerializer,
        responses={200: HandoffTemplateSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)


def _record(actor: access.Actor, ref: dict[str, Any]) -> Any:
    """The record a handoff is sent for: one the caller can see, else a field error."""
    model, resource = (Deal, "deal") if ref["type"] == "deal" else (Account, "account")
    found = access.visible(actor, resource, model.objects.all()).filter(pk=ref["id"]).first()
    if found is None:
        raise ValidationError({"record": [gettext("Select a valid choice.")]})
    return found


@extend_schema_view(
    list=extend_schema(
        summary="My handoffs (交接): incoming, outgoing or my teams' queue",
        parameters=[HandoffListQuerySerializer],
    ),
    retrieve=extend_schema(summary="One handoff", responses={200: HandoffSerializer, **ERRORS}),
)
class HandoffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "handoff"
    serializer_class = HandoffSerializer
    filter_backends = ()
    # Deciding is checked by the services (recipient, team member, sender): reading is enough here.
    action_permissions: ClassVar[dict[str, str]] = {
        "accept": "view",
        "reject": "view",
        "cancel": "view",
        "pick_up": "view",
    }

    def base_queryset(self) -> QuerySet[Handoff]:
        return Handoff.objects.select_related(
            "template", "sender", "recipient", "recipient_team", "deal", "account", "decided_by"
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = HandoffListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.handoff_list(
            self.actor,
            box=data.get("box", ""),
            status=data.get("status", ""),
            overdue=data.get("overdue", False),
        )

    @extend_schema(
        summary="Send a handoff",
        request=HandoffSendSerializer,
        responses={201: HandoffSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        serializer = HandoffSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = self.actor
        handoff = services.handoff_send(
            actor=actor,
            template=data["template"],
            record=_record(actor, data["record"]),
            recipient=data.get("recipient"),
            recipient_team=data.get("recipient_team"),
            note=data.get("note", ""),
            checked=data.get("checked", []),
        )
        return Response(self.get_serializer(handoff).data, status=status.HTTP_201_CREATED)

    def _answer(self, handoff: Handoff) -> Response:
        fresh = selectors.handoff_queryset(self.actor).filter(pk=handoff.pk).first() or handoff
        return Response(self.get_serializer(fresh).data)

    @extend_schema(summary="Accept a handoff", request=None, responses={200: HandoffSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.handoff_accept(actor=self.actor, handoff=self.get_object()))

    @extend_schema(
        summary="Reject a handoff, with a reason",
        request=HandoffRejectSerializer,
        responses={200: HandoffSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: int | None = None) -> Response:
        handoff = self.get_object()
        serializer = HandoffRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.handoff_reject(
                actor=self.actor, handoff=handoff, reason=serializer.validated_data["reason"]
            )
        )

    @extend_schema(
        summary="Cancel a pending handoff (its sender)",
        request=None,
        responses={200: HandoffSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.handoff_cancel(actor=self.actor, handoff=self.get_object()))

    @extend_schema(
        summary="Pick up a handoff sent to one of my teams",
        request=None,
        responses={200: HandoffSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="pick-up")
    def pick_up(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.handoff_pick_up(actor=self.actor, handoff=self.get_object()))
