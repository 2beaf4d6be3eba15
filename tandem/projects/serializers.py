"""API shapes of projects, their sections, milestones and tasks."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.org.models import User
from tandem.tasks.models import TaskPriority, TaskStatus

from . import selectors
from .models import Milestone, Project, ProjectSection, ProjectStatus, ProjectTask

MAX_ID = 2**63 - 1


class ProjectRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectProgressSerializer(serializers.Serializer[Any]):
    tasks_total = serializers.IntegerField(help_text="The project's tasks, not counting cancelled ones.")
    tasks_done = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Share of the (non-cancelled) tasks done, 0–100.")
    milestones_total = serializers.IntegerField()
    milestones_met = serializers.IntegerField()
    milestones_percent = serializers.IntegerField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


class ProjectSerializer(serializers.ModelSerializer[Project]):
    owner = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    accounts = serializers.SerializerMethodField()
    deals = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "status",
            "start_on",
            "end_on",
            "owner",
            "team",
            "members",
            "accounts",
            "deals",
            "progress",
            "completed_at",
            "created_at",
            "updated_at",
            "url",
        ]

    @extend_schema_field(ProjectRefSerializer)
    def get_owner(self, obj: Project) -> dict[str, Any] | None:
        return _ref(obj.owner)

    @extend_schema_field(ProjectRefSerializer(allow_null=True))
    def get_team(self, obj: Project) -> dict[str, Any] | None:
        return _ref(obj.team)

    @extend_schema_field(ProjectRefSerializer(many=True))
    def get_members(self, obj: Project) -> list[dict[str, Any]]:
        return [{"id": m.user_id, "name": str(m.user)} for m in obj.memberships.all()]

    @extend_schema_field(ProjectRefSerializer(many=True))
    def get_accounts(self, obj: Project) -> list[dict[str, Any]]:
        """The linked accounts the caller may see."""
        return [{"id": a.pk, "name": a.name} for a in getattr(obj, "visible_accounts", [])]

    @extend_schema_field(ProjectRefSerializer(many=True))
    def get_deals(self, obj: Project) -> list[dict[str, Any]]:
        """The linked deals the caller may see."""
        return [{"id": d.pk, "name": d.name} for d in getattr(obj, "visible_deals", [])]

    @extend_schema_field(ProjectProgressSerializer)
    def get_progress(self, obj: Project) -> dict[str, int]:
        return selectors.progress_of(obj).as_dict()

    def get_url(self, obj: Project) -> str:
        return obj.get_absolute_url()


class ProjectInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    start_on = serializers.DateField(required=False, allow_null=True)
    end_on = serializers.DateField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="A person's id."
    )
    sections = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=20,
        help_text="Board sections to create with a new project, in order.",
    )
    account_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text="The accounts linked to the project (replaces the links the caller may see).",
    )
    deal_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text="The deals linked to the project (replaces the links the caller may see).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start_on"), attrs.get("end_on")
        if start and end and end < start:
            raise serializers.ValidationError({"end_on": [str(_end_before_start())]})
        return attrs


def _end_before_start() -> str:
    from django.utils.translation import gettext

    return gettext("The end cannot be before the start.")


class ProjectSectionSerializer(serializers.ModelSerializer[ProjectSection]):
    class Meta:
        model = ProjectSection
        fields = ["id", "name", "position"]
        read_only_fields = ["position"]


class ProjectSectionInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)


class ProjectMilestoneSerializer(serializers.ModelSerializer[Milestone]):
    met = serializers.BooleanField(source="is_met", read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "name", "due_on", "done_at", "met", "position"]
        read_only_fields = ["done_at", "position"]


class ProjectMilestoneInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True)
    met = serializers.BooleanField(required=False)


class ProjectTaskSerializer(serializers.ModelSerializer[ProjectTask]):
    task_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="task.title", read_only=True)
    status = serializers.ChoiceField(source="task.status", choices=TaskStatus.choices, read_only=True)
    priority = serializers.ChoiceField(source="task.priority", choices=TaskPriority.choices, read_only=True)
    assignee = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(source="task.due_at", read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(source="task.completed_at", read_only=True, allow_null=True)
    section = serializers.SerializerMethodField()

    class Meta:
        model = ProjectTask
        fields = [
            "id",
            "task_id",
            "title",
            "status",
            "priority",
            "assignee",
            "section",
            "position",
            "start_on",
            "due_at",
            "completed_at",
        ]

    @extend_schema_field(ProjectRefSerializer)
    def get_assignee(self, obj: ProjectTask) -> dict[str, Any] | None:
        return _ref(obj.task.assignee)

    @extend_schema_field(ProjectRefSerializer(allow_null=True))
    def get_section(self, obj: ProjectTask) -> dict[str, Any] | None:
        return {"id": obj.section.pk, "name": obj.section.name} if obj.section is not None else None


class ProjectTaskInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    assignee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The owner's or a member's id; default: me."
    )
    section = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    start_on = serializers.DateField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True, help_text="Due at the end of this day.")
    estimate_minutes = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, allow_null=True
    )


class ProjectTaskMoveSerializer(serializers.Serializer[Any]):
    section = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, allow_null=True, help_text="A section's id, or null for no section."
    )
    index = serializers.IntegerField(
        min_value=0, max_value=100000, help_text="The place in the column, 0 on top."
    )


class ProjectMemberInputSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A person's id.")


class ProjectListQuerySerializer(serializers.Serializer[Any]):
    box = serializers.ChoiceField(
        choices=[("mine", "mine"), ("all", "all")],
        required=False,
        help_text="mine: projects I own or am a member of; all (default): every project I may see.",
    )
    status = serializers.ChoiceField(choices=[*ProjectStatus.choices, ("open", "open")], required=False)
