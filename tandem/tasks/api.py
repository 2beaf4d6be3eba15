"""``/api/v1/tasks/`` (+ complete, reopen, move, checklist) and ``/api/v1/task-labels/``.

Lists are scoped by the access policy (a task the caller may not see answers 404); writes go
through the services, which decide who may edit (assignee, creator, edit scope) and who may only
work on a task (collaborators: status and checklist ticks).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin, ScopedViewSet

from . import selectors, services
from .models import ChecklistItem, Task, TaskLabel
from .serializers import (
    TaskChecklistInputSerializer,
    TaskChecklistItemSerializer,
    TaskChecklistOrderSerializer,
    TaskInputSerializer,
    TaskLabelSerializer,
    TaskListQuerySerializer,
    TaskMoveSerializer,
    TaskSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The task is visible but the caller may not do this."),
    404: OpenApiResponse(description="No such task, or the caller may not see it."),
}


class TaskLabelPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return access.get_actor(request).has("task", "view")


@extend_schema_view(list=extend_schema(summary="Task labels (标签)"))
class TaskLabelViewSet(LanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Labels are shared by everyone who uses tasks; a task write creates new ones by name."""

    permission_classes = [TaskLabelPermission]
    serializer_class = TaskLabelSerializer
    queryset = TaskLabel.objects.order_by("name", "id")


@extend_schema_view(
    list=extend_schema(summary="Tasks (任务) the caller may see", parameters=[TaskListQuerySerializer]),
    retrieve=extend_schema(summary="One task", responses={200: TaskSerializer, **ERRORS}),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "task"
    serializer_class = TaskSerializer
    filter_backends = ()
    # Who may change a task is the services' call (assignee, creator, collaborator, edit scope).
    action_permissions: ClassVar[dict[str, str]] = {
        "partial_update": "view",
        "update": "view",
        "destroy": "view",
        "complete": "view",
        "reopen": "view",
        "move": "view",
        "checklist": "view",
        "checklist_item": "view",
        "checklist_order": "view",
    }

    def base_queryset(self) -> QuerySet[Task]:
        return selectors.base().order_by("due_at", "id")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = TaskListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        if "status" in params:
            params["status"] = sorted(params["status"])
        return selectors.apply_filters(self.actor, queryset, params)

    def _answer(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=task.pk).first() or task
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="Create a task",
        request=TaskInputSerializer,
        responses={201: TaskSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        checklist = data.pop("checklist", [])
        wanted_status = data.pop("status", None)
        task = services.task_create(actor=self.actor, data=data, checklist=checklist)
        if wanted_status and wanted_status != task.status:
            task = services.task_set_status(actor=self.actor, task=task, status=wanted_status)
        return self._answer(task, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit some of a task's fields",
        request=TaskInputSerializer,
        responses={200: TaskSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        task = self.get_object()
        serializer = TaskInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("checklist", None)
        wanted_status = data.pop("status", None)
        if data:
            task = services.task_update(actor=self.actor, task=task, data=data)
        if wanted_status:
            task = services.task_set_status(actor=self.actor, task=task, status=wanted_status)
        return self._answer(task)

    @extend_schema(
        summary="Replace a task's fields",
        request=TaskInputSerializer,
        responses={200: TaskSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None) -> Response:
        return self.partial_update(request, pk)

    @extend_schema(summary="Delete a task (to the recycle bin)", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.task_delete(actor=self.actor, task=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Mark a task done", request=None, responses={200: TaskSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.task_complete(actor=self.actor, task=self.get_object()))

    @extend_schema(summary="Reopen a task", request=None, responses={200: TaskSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.task_reopen(actor=self.actor, task=self.get_object()))

    @extend_schema(
        summary="Move a task on the board: a status, between two cards",
        request=TaskMoveSerializer,
        responses={200: TaskSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: int | None = None) -> Response:
        task = self.get_object()
        serializer = TaskMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visible = self.get_queryset()
        after = visible.filter(pk=data["after"]).first() if data.get("after") else None
        before = visible.filter(pk=data["before"]).first() if data.get("before") else None
        return self._answer(
            services.task_move(actor=self.actor, task=task, status=data["status"], after=after, before=before)
        )

    @extend_schema(
        methods=["GET"],
        summary="A task's checklist",
        responses={200: TaskChecklistItemSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a checklist item",
        request=TaskChecklistInputSerializer,
        responses={201: TaskChecklistItemSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def checklist(self, request: Request, pk: int | None = None) -> Response:
        task = self.get_object()
        if request.method == "GET":
            items = task.checklist.order_by("position", "id")
            return Response(TaskChecklistItemSerializer(items, many=True).data)
        serializer = TaskChecklistInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.checklist_add(
            actor=self.actor, task=task, text=serializer.validated_data.get("text", "")
        )
        return Response(TaskChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Tick, untick or reword a checklist item",
        request=TaskChecklistInputSerializer,
        responses={200: TaskChecklistItemSerializer, **ERRORS},
    )
    @extend_schema(methods=["DELETE"], summary="Delete a checklist item", responses={204: None, **ERRORS})
    @action(detail=True, methods=["patch", "delete"], url_path="checklist/<int:item_id>")
    def checklist_item(self, request: Request, pk: int | None = None, item_id: int = 0) -> Response:
        task = self.get_object()
        item = get_object_or_404(ChecklistItem, task=task, pk=item_id)
        item.task = task
        if request.method == "DELETE":
            services.checklist_delete(actor=self.actor, item=item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = TaskChecklistInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = services.checklist_update(
            actor=self.actor, item=item, done=data.get("done"), text=data.get("text")
        )
        return Response(TaskChecklistItemSerializer(item).data)

    @extend_schema(
        summary="Reorder a task's checklist",
        request=TaskChecklistOrderSerializer,
        responses={200: TaskChecklistItemSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="checklist-order")
    def checklist_order(self, request: Request, pk: int | None = None) -> Response:
        task = self.get_object()
        serializer = TaskChecklistOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.checklist_reorder(actor=self.actor, task=task, ids=serializer.validated_data["ids"])
        return Response(
            TaskChecklistItemSerializer(task.checklist.order_by("position", "id"), many=True).data
        )
