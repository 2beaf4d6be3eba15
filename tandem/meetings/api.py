"""``/api/v1/meetings/`` (+ agenda-items, minutes, decisions, action-items, held, cancel) and
``/api/v1/meeting-series/``.

Reading follows the access policy (organizer, attendees, the meeting's team, managers by scope);
a meeting the caller may not see answers 404. What a reader may change is the services' to decide
(403 when they see the meeting but may not do this); bad input answers 400 with field messages.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin, ScopedViewSet
from tandem.core.ids import parse_id
from tandem.org.models import User

from . import policies, services
from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries
from .serializers import (
    ActionItemInputSerializer,
    ActionItemSerializer,
    ActionItemStatusSerializer,
    AgendaItemInputSerializer,
    AgendaItemSerializer,
    AgendaItemUpdateSerializer,
    AgendaOrderSerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    HeldSerializer,
    MeetingDetailSerializer,
    MeetingInputSerializer,
    MeetingListQuerySerializer,
    MeetingSerializer,
    MeetingSeriesInputSerializer,
    MeetingSeriesSerializer,
    MeetingSeriesUpdateSerializer,
    MeetingUpdateSerializer,
    MinutesSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The meeting is visible but the caller may not do this."),
    404: OpenApiResponse(description="No such meeting, or the caller may not see it."),
}


def _people() -> Prefetch[Any]:
    return Prefetch("attendees", queryset=User.objects.order_by("display_name", "id"))


@extend_schema_view(
    list=extend_schema(summary="Team meetings (例会) I may see", parameters=[MeetingListQuerySerializer]),
    retrieve=extend_schema(
        summary="One meeting with its agenda, decisions, action items and the last meeting's open ones",
        responses={200: MeetingDetailSerializer, **ERRORS},
    ),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "meeting"
    serializer_class = MeetingSerializer
    filter_backends = ()
    http_method_names = ["get", "post", "patch", "head", "options", "delete"]
    # Who may change what is the services' to decide: reading the meeting is enough to ask.
    action_permissions: ClassVar[dict[str, str]] = {
        "partial_update": "view",
        "agenda_items": "view",
        "agenda_item": "view",
        "agenda_order": "view",
        "minutes": "view",
        "decisions": "view",
        "decision": "view",
        "action_items": "view",
        "action_item": "view",
        "held": "view",
        "cancel": "view",
    }

    def base_queryset(self) -> QuerySet[Meeting]:
        return Meeting.objects.select_related("team", "organizer", "event").prefetch_related(
            _people(), "accounts", "deals"
        )

    def get_serializer_class(self) -> Any:
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = MeetingListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        now = timezone.now()
        if data.get("team"):
            queryset = queryset.filter(team_id=data["team"])
        if data.get("series"):
            queryset = queryset.filter(series_id=data["series"])
        if data["when"] == "upcoming":
            return queryset.filter(ends_at__gte=now).order_by("starts_at", "id")
        if data["when"] == "past":
            return queryset.filter(ends_at__lt=now).order_by("-starts_at", "-id")
        return queryset.order_by("-starts_at", "-id")

    def _detail(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("agenda_items", "decisions").get(pk=meeting.pk)
        return Response(MeetingDetailSerializer(fresh).data, status=code)

    @extend_schema(
        summary="Schedule a one-off meeting (attendees default to the team's members)",
        request=MeetingInputSerializer,
        responses={201: MeetingDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        body = MeetingInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        meeting = services.meeting_create(
            actor=self.actor,
            team=data["team"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data.get("time_zone", ""),
            place=data.get("place", ""),
            attendees=data.get("attendees"),
            accounts=data.get("accounts", []),
            deals=data.get("deals", []),
        )
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit or reschedule a meeting (its calendar event follows)",
        request=MeetingUpdateSerializer,
        responses={200: MeetingDetailSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        body = MeetingUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.meeting_update(
            actor=self.actor,
            meeting=meeting,
            title=data.get("title"),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            place=data.get("place"),
            attendees=data.get("attendees"),
            accounts=data.get("accounts"),
            deals=data.get("deals"),
        )
        return self._detail(meeting)

    @extend_schema(
        summary="Cancel a planned meeting", request=None, responses={200: MeetingDetailSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        services.meeting_cancel(actor=self.actor, meeting=meeting)
        return self._detail(meeting)

    @extend_schema(
        summary="Mark the meeting held; attendees get the minutes",
        request=HeldSerializer,
        responses={200: MeetingDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        body = HeldSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.meeting_mark_held(
            actor=self.actor, meeting=meeting, minutes=body.validated_data.get("minutes")
        )
        return self._detail(meeting)

    @extend_schema(
        summary="Write the meeting's minutes",
        request=MinutesSerializer,
        responses={200: MeetingDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["patch"])
    def minutes(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        body = MinutesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.minutes_write(actor=self.actor, meeting=meeting, minutes=body.validated_data["minutes"])
        return self._detail(meeting)

    # --- Agenda ---

    @extend_schema(
        methods=["GET"], summary="The meeting's agenda", responses={200: AgendaItemSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an agenda item (anyone who sees a planned meeting)",
        request=AgendaItemInputSerializer,
        responses={201: AgendaItemSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="agenda-items", pagination_class=None)
    def agenda_items(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        if request.method == "GET":
            items = meeting.agenda_items.select_related("author", "presenter").order_by("position", "id")
            return Response(AgendaItemSerializer(items, many=True).data)
        body = AgendaItemInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        item = services.agenda_add(
            actor=self.actor,
            meeting=meeting,
            title=data["title"],
            notes=data.get("notes", ""),
            presenter=data.get("presenter"),
            record_type=data.get("record_type", ""),
            record_id=data.get("record_id"),
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    def _agenda_item(self, meeting: Meeting, item_id: str | None) -> AgendaItem:
        item = (
            meeting.agenda_items.select_related("author", "presenter")
            .filter(pk=parse_id(item_id) or 0)
            .first()
        )
        if item is None:
            raise Http404
        item.meeting = meeting
        return item

    @extend_schema(
        methods=["PATCH"],
        summary="Change an agenda item (its author, or who runs the meeting)",
        request=AgendaItemUpdateSerializer,
        responses={200: AgendaItemSerializer, **ERRORS},
    )
    @extend_schema(
        methods=["DELETE"], summary="Remove an agenda item", request=None, responses={204: None, **ERRORS}
    )
    @action(detail=True, methods=["patch", "delete"], url_path="agenda-items/<int:item_id>")
    def agenda_item(self, request: Request, pk: str | None = None, item_id: str | None = None) -> Response:
        meeting = self.get_object()
        item = self._agenda_item(meeting, item_id)
        if request.method == "DELETE":
            services.agenda_remove(actor=self.actor, item=item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = AgendaItemUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.agenda_update(
            actor=self.actor,
            item=item,
            title=data.get("title"),
            notes=data.get("notes"),
            done=data.get("done"),
        )
        return Response(AgendaItemSerializer(item).data)

    @extend_schema(
        summary="Put the agenda in a new order (every item's id, once)",
        request=AgendaOrderSerializer,
        responses={200: AgendaItemSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="agenda-items/order")
    def agenda_order(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        body = AgendaOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = services.agenda_reorder(actor=self.actor, meeting=meeting, ids=body.validated_data["order"])
        return Response(AgendaItemSerializer(items, many=True).data)

    # --- Decisions ---

    @extend_schema(
        methods=["GET"], summary="The meeting's decisions", responses={200: DecisionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a decision",
        request=DecisionInputSerializer,
        responses={201: DecisionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        if request.method == "GET":
            return Response(
                DecisionSerializer(meeting.decisions.select_related("created_by"), many=True).data
            )
        body = DecisionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decision = services.decision_add(actor=self.actor, meeting=meeting, text=body.validated_data["text"])
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a decision", request=None, responses={204: None, **ERRORS})
    @action(detail=True, methods=["delete"], url_path="decisions/<int:decision_id>")
    def decision(self, request: Request, pk: str | None = None, decision_id: str | None = None) -> Response:
        meeting = self.get_object()
        found: Decision | None = meeting.decisions.filter(pk=parse_id(decision_id) or 0).first()
        if found is None:
            raise Http404
        found.meeting = meeting
        services.decision_remove(actor=self.actor, decision=found)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Action items ---

    @extend_schema(
        methods=["GET"],
        summary="The meeting's action items (tasks)",
        responses={200: ActionItemSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an action item: a task for an attendee, linked to the meeting",
        request=ActionItemInputSerializer,
        responses={201: ActionItemSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="action-items", pagination_class=None)
    def action_items(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        if request.method == "GET":
            items = meeting.action_items.select_related("task", "task__assignee").order_by("id")
            return Response(ActionItemSerializer(items, many=True).data)
        body = ActionItemInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        item = services.action_item_add(
            actor=self.actor,
            meeting=meeting,
            title=data["title"],
            owner=data["owner"],
            due_at=data.get("due_at"),
            due_on=data.get("due_on"),
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set an action item's status (its owner, or who runs the meeting)",
        request=ActionItemStatusSerializer,
        responses={200: ActionItemSerializer, **ERRORS},
    )
    @action(detail=True, methods=["patch"], url_path="action-items/<int:item_id>")
    def action_item(self, request: Request, pk: str | None = None, item_id: str | None = None) -> Response:
        meeting = self.get_object()
        item: ActionItem | None = (
            meeting.action_items.select_related("task", "task__assignee")
            .filter(pk=parse_id(item_id) or 0)
            .first()
        )
        if item is None:
            raise Http404
        item.meeting = meeting
        body = ActionItemStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.action_item_set_status(actor=self.actor, item=item, status=body.validated_data["status"])
        return Response(ActionItemSerializer(item).data)


class SeriesPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None or not actor.has("meeting", "view"):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS", "PATCH") or actor.has("meeting", "create")


@extend_schema_view(
    list=extend_schema(summary="Recurring team meetings (例会) of the teams I see"),
    retrieve=extend_schema(summary="One meeting series", responses={200: MeetingSeriesSerializer, **ERRORS}),
)
class MeetingSeriesViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]
):
    """A series is visible to whoever may see meetings of its team (its members, its organizer,
    managers by scope); creating one plans its next meetings."""

    permission_classes = [SeriesPermission]
    serializer_class = MeetingSeriesSerializer
    filter_backends = ()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[MeetingSeries]:
        return policies.visible_series(self.actor).select_related("team", "organizer").order_by("title", "id")

    @extend_schema(
        summary="Start a recurring team meeting: its next meetings are planned on the calendar",
        request=MeetingSeriesInputSerializer,
        responses={201: MeetingSeriesSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        body = MeetingSeriesInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        series = services.series_create(
            actor=self.actor,
            team=data["team"],
            title=data["title"],
            recurrence=data["recurrence"],
            first_starts_at=data["first_starts_at"],
            duration_minutes=data["duration_minutes"],
            time_zone=data.get("time_zone", ""),
            place=data.get("place", ""),
        )
        return Response(MeetingSeriesSerializer(series).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rename, move or pause a series (upcoming meetings follow)",
        request=MeetingSeriesUpdateSerializer,
        responses={200: MeetingSeriesSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        series = self.get_object()
        body = MeetingSeriesUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.series_update(
            actor=self.actor,
            series=series,
            title=data.get("title"),
            place=data.get("place"),
            active=data.get("active"),
        )
        return Response(MeetingSeriesSerializer(series).data)
