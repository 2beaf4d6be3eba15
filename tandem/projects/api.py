"""``/api/v1/projects/``: projects with their progress, members, linked accounts and deals, and
under each project its ``sections/``, ``milestones/``, ``tasks/`` and ``members/``.

Reads are scoped by the access policy (owner, members, the team scope); a project the caller
cannot see answers 404. Writes go through the services, which check the right to edit it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import ScopedViewSet
from tandem.customers.models import Account
from tandem.deals.models import Deal
from tandem.org.models import User

from . import selectors, services
from .models import Milestone, Project, ProjectMember, ProjectSection, ProjectTask
from .serializers import (
    ProjectInputSerializer,
    ProjectListQuerySerializer,
    ProjectMemberInputSerializer,
    ProjectMilestoneInputSerializer,
    ProjectMilestoneSerializer,
    ProjectSectionInputSerializer,
    ProjectSectionSerializer,
    ProjectSerializer,
    ProjectTaskInputSerializer,
    ProjectTaskMoveSerializer,
    ProjectTaskSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The project is visible but the caller may not change it."),
    404: OpenApiResponse(description="No such project (or part of it), or the caller may not see it."),
}


def _links(actor: access.Actor, project: Project, resource: str, ids: list[int]) -> None:
    """Make the project's visible links of ``resource`` exactly ``ids`` (each one the caller sees)."""
    model: Any = Account if resource == "account" else Deal
    field = "account_ids" if resource == "account" else "deal_ids"
    wanted = set(ids)
    found = {r.pk: r for r in access.visible(actor, resource, model.objects.filter(pk__in=wanted))}
    missing = wanted - set(found)
    if missing:
        raise ValidationError({field: [gettext("Select a valid choice.")]})
    related = project.accounts if resource == "account" else project.deals
    current = {r.pk: r for r in access.visible(actor, resource, related.all())}
    for pk, record in found.items():
        if pk not in current:
            services.link_record(actor=actor, project=project, resource=resource, record=record)
    for pk, record in current.items():
        if pk not in wanted:
            services.unlink_record(actor=actor, project=project, resource=resource, record=record)


@extend_schema_view(
    list=extend_schema(
        summary="Projects (项目) I may see, with progress", parameters=[ProjectListQuerySerializer]
    ),
    retrieve=extend_schema(summary="One project", responses={200: ProjectSerializer, **ERRORS}),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "project"
    serializer_class = ProjectSerializer
    filter_backends = ()
    # The services check the right to edit the project for every change under it.
    action_permissions: ClassVar[dict[str, str]] = {
        "sections": "view",
        "section": "view",
        "milestones": "view",
        "milestone": "view",
        "tasks": "view",
        "task_move": "view",
        "members": "view",
        "member": "view",
    }

    def base_queryset(self) -> QuerySet[Project]:
        actor = self.actor
        return selectors.with_progress(
            Project.objects.select_related("owner", "team").prefetch_related(
                Prefetch("memberships", queryset=ProjectMember.objects.select_related("user").order_by("id")),
                Prefetch(
                    "accounts",
                    queryset=access.visible(actor, "account", Account.objects.order_by("name", "id")),
                    to_attr="visible_accounts",
                ),
                Prefetch(
                    "deals",
                    queryset=access.visible(actor, "deal", Deal.objects.order_by("name", "id")),
                    to_attr="visible_deals",
                ),
            )
        ).order_by("-updated_at", "-id")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = ProjectListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if data.get("box") == "mine":
            mine = ProjectMember.objects.filter(user_id=self.actor.id or 0).values("project_id")
            from django.db.models import Q

            queryset = queryset.filter(Q(owner_id=self.actor.id) | Q(pk__in=mine))
        state = data.get("status")
        if state == "open":
            queryset = queryset.filter(status__in=["planned", "active", "on_hold"])
        elif state:
            queryset = queryset.filter(status=state)
        return queryset

    def _fresh(self, project: Project) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    def _save(self, project: Project | None, partial: bool) -> Project:
        serializer = ProjectInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        account_ids = data.pop("account_ids", None)
        deal_ids = data.pop("deal_ids", None)
        if project is not None:
            data.pop("sections", None)
        with transaction.atomic():
            saved = services.project_save(actor=self.actor, project=project, data=data)
            if account_ids is not None:
                _links(self.actor, saved, "account", account_ids)
            if deal_ids is not None:
                _links(self.actor, saved, "deal", deal_ids)
        return saved

    @extend_schema(
        summary="Create a project",
        request=ProjectInputSerializer,
        responses={201: ProjectSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        project = self._save(None, partial=False)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=project.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Change a project",
        request=ProjectInputSerializer,
        responses={200: ProjectSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None) -> Response:
        return self._fresh(self._save(self.get_object(), partial=False))

    @extend_schema(
        summary="Change some of a project's fields",
        request=ProjectInputSerializer,
        responses={200: ProjectSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self._fresh(self._save(self.get_object(), partial=True))

    @extend_schema(
        summary="Move a project to the recycle bin",
        responses={204: OpenApiResponse(description="Moved to the recycle bin."), **ERRORS},
    )
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.project_archive(actor=self.actor, project=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Sections ---

    @extend_schema(
        methods=["GET"],
        summary="A project's board sections",
        responses={200: ProjectSectionSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a board section",
        request=ProjectSectionInputSerializer,
        responses={201: ProjectSectionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def sections(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        if request.method == "GET":
            rows = ProjectSection.objects.filter(project=project).order_by("position", "id")
            return Response(ProjectSectionSerializer(rows, many=True).data)
        serializer = ProjectSectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = services.section_add(
            actor=self.actor, project=project, name=serializer.validated_data["name"]
        )
        return Response(ProjectSectionSerializer(section).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Rename a board section",
        request=ProjectSectionInputSerializer,
        responses={200: ProjectSectionSerializer, **ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Delete a board section (its tasks go under no section)",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    @action(detail=True, methods=["patch", "delete"], url_path="sections/<int:section_id>")
    def section(self, request: Request, pk: int | None = None, section_id: int | None = None) -> Response:
        project = self.get_object()
        section = get_object_or_404(ProjectSection, pk=section_id, project=project)
        if request.method == "DELETE":
            services.section_delete(actor=self.actor, section=section)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = ProjectSectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = services.section_rename(
            actor=self.actor, section=section, name=serializer.validated_data["name"]
        )
        return Response(ProjectSectionSerializer(section).data)

    # --- Milestones ---

    @extend_schema(
        methods=["GET"],
        summary="A project's milestones",
        responses={200: ProjectMilestoneSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a milestone",
        request=ProjectMilestoneInputSerializer,
        responses={201: ProjectMilestoneSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def milestones(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        if request.method == "GET":
            rows = Milestone.objects.filter(project=project).order_by("position", "due_on", "id")
            return Response(ProjectMilestoneSerializer(rows, many=True).data)
        serializer = ProjectMilestoneInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = services.milestone_save(
            actor=self.actor, project=project, milestone=None, data=serializer.validated_data
        )
        return Response(ProjectMilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a milestone, or mark it met (met: true) or not",
        request=ProjectMilestoneInputSerializer,
        responses={200: ProjectMilestoneSerializer, **ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Delete a milestone",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    @action(detail=True, methods=["patch", "delete"], url_path="milestones/<int:milestone_id>")
    def milestone(self, request: Request, pk: int | None = None, milestone_id: int | None = None) -> Response:
        project = self.get_object()
        milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
        if request.method == "DELETE":
            services.milestone_delete(actor=self.actor, milestone=milestone)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = ProjectMilestoneInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        milestone = services.milestone_save(
            actor=self.actor, project=project, milestone=milestone, data=serializer.validated_data
        )
        return Response(ProjectMilestoneSerializer(milestone).data)

    # --- Tasks ---

    @extend_schema(
        methods=["GET"],
        summary="A project's tasks (every one to its members)",
        responses={200: ProjectTaskSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a task to the project",
        request=ProjectTaskInputSerializer,
        responses={201: ProjectTaskSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def tasks(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        if request.method == "GET":
            rows = selectors.task_links(self.actor, project).order_by("id")
            page = self.paginate_queryset(rows)
            shown = ProjectTaskSerializer(page if page is not None else rows, many=True).data
            return self.get_paginated_response(shown) if page is not None else Response(shown)
        serializer = ProjectTaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "assignee" in data:
            data["assignee"] = User.objects.filter(pk=data["assignee"]).first() or User(pk=0)
        if data.get("section") is not None:
            data["section"] = ProjectSection.objects.filter(pk=data["section"]).first() or ProjectSection(
                pk=0
            )
        link = services.task_create(actor=self.actor, project=project, data=data)
        fresh = ProjectTask.objects.select_related("task", "task__assignee", "section").get(pk=link.pk)
        return Response(ProjectTaskSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a task to a section and a place in its column (the board's drag)",
        request=ProjectTaskMoveSerializer,
        responses={200: ProjectTaskSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="tasks/<int:link_id>/move")
    def task_move(self, request: Request, pk: int | None = None, link_id: int | None = None) -> Response:
        project = self.get_object()
        link = get_object_or_404(ProjectTask.objects.select_related("task"), pk=link_id, project=project)
        serializer = ProjectTaskMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        section = None
        if data["section"] is not None:
            section = ProjectSection.objects.filter(pk=data["section"], project=project).first()
            if section is None:
                raise ValidationError({"section": [gettext("Select a valid choice.")]})
        services.task_move(actor=self.actor, project=project, link=link, section=section, index=data["index"])
        fresh = ProjectTask.objects.select_related("task", "task__assignee", "section").get(pk=link.pk)
        return Response(ProjectTaskSerializer(fresh).data)

    # --- Members ---

    @extend_schema(
        summary="Add a member (they are notified)",
        request=ProjectMemberInputSerializer,
        responses={200: ProjectSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def members(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        serializer = ProjectMemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = User.objects.filter(pk=serializer.validated_data["user"], is_active=True).first()
        if user is None:
            services_error = gettext("Select a valid choice.")
            raise ValidationError({"user": [services_error]})
        services.member_add(actor=self.actor, project=project, user=user)
        return self._fresh(project)

    @extend_schema(summary="Remove a member", request=None, responses={200: ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["delete"], url_path="members/<int:user_id>")
    def member(self, request: Request, pk: int | None = None, user_id: int | None = None) -> Response:
        project = self.get_object()
        membership = get_object_or_404(
            ProjectMember.objects.select_related("user"), project=project, user_id=user_id
        )
        services.member_remove(actor=self.actor, project=project, user=membership.user)
        return self._fresh(project)
