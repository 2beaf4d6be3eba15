"""Projects (项目): larger pieces of sales work — a key-account campaign, a tender, a product
launch — with board sections, milestones, members, tasks and the accounts and deals they serve.

A task belongs to a project through one ``ProjectTask`` row (the task itself stays a
``tasks.Task``, on its assignee's lists and calendars); the row keeps the task's board section,
its place in the column and the day it starts, for the timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.models import SoftDeleteModel, TimeStampedModel

ALIVE = Q(deleted_at__isnull=True)


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("project status", "Planned")
    ACTIVE = "active", pgettext_lazy("project status", "Active")
    ON_HOLD = "on_hold", pgettext_lazy("project status", "On hold")
    DONE = "done", pgettext_lazy("project status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("project status", "Cancelled")


OPEN_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)


class Project(SoftDeleteModel, TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    # The owner's team when the project was created: what a manager's team scope reads.
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    start_on = models.DateField(_("starts"), null=True, blank=True)
    end_on = models.DateField(_("ends"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="ProjectMember",
        blank=True,
        related_name="projects",
    )
    accounts = models.ManyToManyField(
        "customers.Account", verbose_name=_("accounts"), blank=True, related_name="projects"
    )
    deals = models.ManyToManyField("deals.Deal", verbose_name=_("deals"), blank=True, related_name="projects")

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "id"], name="project_owner", condition=ALIVE),
            models.Index(fields=["team", "status", "id"], name="project_team", condition=ALIVE),
            models.Index(fields=["updated_at", "id"], name="project_recent", condition=ALIVE),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=True)
                | Q(end_on__isnull=True)
                | Q(end_on__gte=models.F("start_on")),
                name="project_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROJECT_STATUSES


class ProjectMember(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="project_member_once")]
        # Who may see a project or its tasks: looked up by person on every scoped read.
        indexes = [models.Index(fields=["user", "project"], name="project_member_user")]

    def __str__(self) -> str:
        return f"{self.project} · {self.user}"


class ProjectSection(models.Model):
    """A column of the project's board (准备, 投标, 交付 …)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="sections"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("project section")
        verbose_name_plural = _("project sections")
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("name"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("met at"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "position", "due_on", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_met(self) -> bool:
        return self.done_at is not None


class ProjectTask(models.Model):
    """A task of a project: its board section, its place in the column and its start day."""

    task = models.OneToOneField(
        "tasks.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="project_link"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="task_links"
    )
    section = models.ForeignKey(
        ProjectSection,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_links",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    start_on = models.DateField(_("starts"), null=True, blank=True)

    class Meta:
        verbose_name = _("project task")
        verbose_name_plural = _("project tasks")
        ordering = ["project", "section", "position", "id"]
        indexes = [models.Index(fields=["project", "section", "position"], name="project_task_board")]

    def __str__(self) -> str:
        return f"{self.project} · {self.task_id}"
