"""``/api/v1/events/`` (CRUD, ``occurrences/`` expanded over a range, ``respond/``, ``cancel/``,
one occurrence via ``?occurrence=<original start>``) and ``/api/v1/workload/``.

Events are the caller's visible ones (organizer, invited, or their scope over the event's team);
editing is the organizer's or a manager's over the event's team (an invited person answers).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import ScopedViewSet, TandemAPIView
from tandem.org.models import Team

from . import selectors, services, workload
from .models import Attendee, Event
from .serializers import (
    CalendarEventInputSerializer,
    CalendarEventQuerySerializer,
    CalendarEventSerializer,
    CalendarOccurrenceQuerySerializer,
    CalendarOccurrenceRefSerializer,
    CalendarOccurrenceSerializer,
    CalendarRespondSerializer,
    CalendarWorkloadQuerySerializer,
    CalendarWorkloadSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The event is visible but the caller may not do this."),
    404: OpenApiResponse(description="No such event, or the caller may not see it."),
}
OCCURRENCE = OpenApiParameter(
    "occurrence",
    datetime.datetime,
    required=False,
    description="The original start of one occurrence of a series: only that occurrence changes.",
)


@extend_schema_view(
    list=extend_schema(summary="Calendar events (日程)", parameters=[CalendarEventQuerySerializer]),
    retrieve=extend_schema(summary="One event", responses={200: CalendarEventSerializer, **ERRORS}),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "event"
    serializer_class = CalendarEventSerializer
    filter_backends = ()
    # Editing is decided by the services (organizer or the team's manager); answering by invitation.
    action_permissions: ClassVar[dict[str, str]] = {
        "respond": "view",
        "cancel": "view",
        "occurrences": "view",
        "update": "view",
        "partial_update": "view",
        "destroy": "view",
    }

    def base_queryset(self) -> QuerySet[Event]:
        return Event.objects.select_related("organizer", "team").prefetch_related(
            Prefetch("attendees", queryset=Attendee.objects.select_related("user", "contact").order_by("id"))
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = CalendarEventQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if "start" in data:
            queryset = queryset.filter(ends_at__gt=data["start"])
        if "end" in data:
            queryset = queryset.filter(starts_at__lt=data["end"])
        for key in ("kind", "status", "record_type", "record_id"):
            if key in data:
                queryset = queryset.filter(**{key: data[key]})
        return queryset.order_by("starts_at", "id")

    def _input(self, partial: bool) -> tuple[dict[str, Any], list[Any] | None, list[Any] | None]:
        serializer = CalendarEventInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        attendees = data.pop("attendees", None)
        contact_ids = data.pop("contacts", None)
        contacts = None
        if contact_ids is not None:
            from tandem.customers.models import Contact

            contacts = list(access.visible(self.actor, "contact", Contact.objects.filter(pk__in=contact_ids)))
            if len(contacts) != len(set(contact_ids)):
                raise ValidationError({"contacts": [gettext("Select a valid choice.")]})
        return data, attendees, contacts

    def _answer(self, event: Event, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.base_queryset().get(pk=event.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _occurrence(self) -> datetime.datetime | None:
        query = CalendarOccurrenceRefSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        value: datetime.datetime | None = query.validated_data.get("occurrence")
        return value

    @extend_schema(
        summary="Create an event (the caller organises it; invited people are told)",
        request=CalendarEventInputSerializer,
        responses={201: CalendarEventSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data, attendees, contacts = self._input(partial=False)
        event = services.event_create(actor=self.actor, data=data, attendees=attendees, contacts=contacts)
        return self._answer(event, status.HTTP_201_CREATED)

    def _update(self, partial: bool) -> Response:
        event = self.get_object()
        data, attendees, contacts = self._input(partial=partial)
        occurrence = self._occurrence()
        try:
            if occurrence is not None:
                saved = services.occurrence_update(
                    actor=self.actor, series=event, original_start=occurrence, data=data
                )
            else:
                saved = services.event_update(
                    actor=self.actor, event=event, data=data, attendees=attendees, contacts=contacts
                )
        except PermissionDenied:
            raise
        return self._answer(saved)

    @extend_schema(
        summary="Edit an event, a whole series, or one occurrence (?occurrence=)",
        parameters=[OCCURRENCE],
        request=CalendarEventInputSerializer,
        responses={200: CalendarEventSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None) -> Response:
        return self._update(partial=False)

    @extend_schema(
        summary="Edit some of an event's fields (or one occurrence's, ?occurrence=)",
        parameters=[OCCURRENCE],
        request=CalendarEventInputSerializer,
        responses={200: CalendarEventSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self._update(partial=True)

    @extend_schema(
        summary="Delete an event (a series with its exceptions); prefer cancel, which clients see",
        responses={204: None, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.event_delete(actor=self.actor, event=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Cancel an event, a whole series, or one occurrence (?occurrence=)",
        parameters=[OCCURRENCE],
        request=None,
        responses={200: CalendarEventSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int | None = None) -> Response:
        event = self.get_object()
        return self._answer(
            services.event_cancel(actor=self.actor, event=event, occurrence=self._occurrence())
        )

    @extend_schema(
        summary="Answer an invitation: accepted, declined or tentative",
        request=CalendarRespondSerializer,
        responses={200: CalendarEventSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: int | None = None) -> Response:
        event = self.get_object()
        serializer = CalendarRespondSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_respond(actor=self.actor, event=event, response=serializer.validated_data["response"])
        return self._answer(event)

    @extend_schema(
        summary="Every visible occurrence in a range (series expanded) and open tasks due in it",
        parameters=[CalendarOccurrenceQuerySerializer],
        responses={200: CalendarOccurrenceSerializer(many=True), 400: ERRORS[400]},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def occurrences(self, request: Request) -> Response:
        query = CalendarOccurrenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        actor = self.actor
        team = None
        if "team" in data:
            team = next((t for t in workload.teams_for(actor) if t.pk == data["team"]), None)
            if team is None:
                raise ValidationError({"team": [gettext("Select a valid choice.")]})
        kinds = [data["kind"]] if data.get("kind") else None
        found = selectors.occurrences(
            actor,
            data["start"],
            data["end"],
            people=[data["person"]] if "person" in data else None,
            team=team,
            kinds=kinds,
            include_tasks=data.get("tasks", True),
        )
        rows = [
            {
                "key": i.key,
                "title": i.title,
                "kind": i.kind,
                "status": i.status,
                "start": i.start,
                "end": i.end,
                "all_day": i.all_day,
                "place": i.place,
                "url": i.url,
                "event": i.event.pk if i.event is not None else None,
                "occurrence": i.occurrence if i.event is not None and i.event.recurrence else None,
                "task": i.task.pk if i.task is not None else None,
            }
            for i in found
        ]
        return Response(CalendarOccurrenceSerializer(rows, many=True).data)


class WorkloadView(TandemAPIView):
    """Per person of a team per week: visits, meetings, open tasks due, hours against capacity."""

    @extend_schema(
        summary="Workload (负荷) of a team's people in a week",
        parameters=[CalendarWorkloadQuerySerializer],
        responses={200: CalendarWorkloadSerializer, 400: ERRORS[400]},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor
        if actor.user is None or not actor.has("event", "view"):
            raise PermissionDenied
        query = CalendarWorkloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        week = workload.parse_week(data.get("week"), getattr(actor.user, "time_zone", "") or "UTC")
        team: Team | None = None
        if "team" in data:
            team = next((t for t in workload.teams_for(actor) if t.pk == data["team"]), None)
            if team is None:
                raise ValidationError({"team": [gettext("Select a valid choice.")]})
        people = workload.people_for(actor, team)
        loads = workload.load_for(people, week)
        iso = week.isocalendar()
        body = {
            "week": f"{iso.year}-W{iso.week:02d}",
            "week_start": week,
            "team": {"id": team.pk, "name": str(team)} if team else None,
            "people": [
                {
                    "user": {"id": p.pk, "name": str(p)},
                    "visits": loads[p.pk].visits,
                    "visit_hours": loads[p.pk].visit_hours,
                    "meetings": loads[p.pk].meetings,
                    "meeting_hours": loads[p.pk].meeting_hours,
                    "other_events": loads[p.pk].other_events,
                    "other_hours": loads[p.pk].other_hours,
                    "open_tasks_due": loads[p.pk].tasks,
                    "task_hours": loads[p.pk].task_hours,
                    "total_hours": loads[p.pk].total_hours,
                    "capacity_hours": loads[p.pk].capacity_hours,
                    "capacity_visits": loads[p.pk].capacity_visits,
                    "overloaded": loads[p.pk].overloaded,
                }
                for p in people
            ],
        }
        return Response(CalendarWorkloadSerializer(body).data)
