"""Tasks (任务): work one person owes, with collaborators, a due time, a checklist and labels.

A task may be linked to one business record (``record_type`` is the access-policy resource of a
kind registered for comments — account, contact, lead, deal, project, meeting — and ``record_id``
its id); it then shows on that record's page. A recurring task carries an RFC 5545 RRULE
(``recurrence``): when one occurrence is done or its due time passes, the next is created once
(``series`` points at the first task of the series, ``occurrence_due_at`` is unique per series).
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


class TaskStatus(models.TextChoices):
    TODO = "todo", pgettext_lazy("task status", "To do")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")


OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)


class TaskPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("task priority", "Low")
    NORMAL = "normal", pgettext_lazy("task priority", "Normal")
    HIGH = "high", pgettext_lazy("task priority", "High")
    URGENT = "urgent", pgettext_lazy("task priority", "Urgent")


class TaskLabel(models.Model):
    """A label people put on tasks (shared by everyone, like tags on records)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("task label")
        verbose_name_plural = _("task labels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Task(SoftDeleteModel, TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    # The assignee's team when the task was given: what team scopes (a manager's view) read.
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborators"),
        blank=True,
        related_name="collaborating_tasks",
    )
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # Due on a day rather than at a time: ``due_at`` is then the end of that day in the assignee's zone.
    all_day = models.BooleanField(_("all day"), default=False)
    estimate_minutes = models.PositiveIntegerField(_("estimate (minutes)"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    labels = models.ManyToManyField(TaskLabel, verbose_name=_("labels"), blank=True, related_name="tasks")
    record_type = models.CharField(_("linked record type"), max_length=20, blank=True)
    record_id = models.BigIntegerField(_("linked record"), null=True, blank=True)
    recurrence = models.CharField(_("repeats"), max_length=200, blank=True)
    series = models.ForeignKey(
        "self",
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrences",
    )
    occurrence_due_at = models.DateTimeField(_("occurrence"), null=True, blank=True)
    remind_minutes_before = models.PositiveIntegerField(_("remind before (minutes)"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # Order within a board column (status) or a project section; smaller first.
    position = models.BigIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence_due_at"],
                name="task_occurrence_once",
                condition=Q(series__isnull=False, occurrence_due_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["assignee", "status", "due_at", "id"], name="task_assignee", condition=ALIVE
            ),
            models.Index(fields=["team", "status", "due_at", "id"], name="task_team", condition=ALIVE),
            models.Index(
                fields=["created_by", "status", "due_at", "id"], name="task_creator", condition=ALIVE
            ),
            models.Index(fields=["record_type", "record_id", "status"], name="task_record", condition=ALIVE),
            models.Index(fields=["assignee", "completed_at"], name="task_completed", condition=ALIVE),
            models.Index(
                fields=["due_at"],
                name="task_reminder_due",
                condition=ALIVE
                & Q(
                    status__in=["todo", "in_progress"],
                    remind_minutes_before__isnull=False,
                    reminded_at__isnull=True,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasks:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("text"), max_length=300)
    done = models.BooleanField(_("done"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["task", "position", "id"]

    def __str__(self) -> str:
        return self.text
