"""Reads of projects: the lists with their progress (aggregate subqueries, one query for a page
of any size), a project's board, list and timeline, and the projects linking a record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.tasks.models import Task, TaskStatus

from .models import Milestone, Project, ProjectMember, ProjectSection, ProjectTask


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("project_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_progress(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """``tasks_total`` (not cancelled), ``tasks_done``, ``milestones_total``, ``milestones_met``
    on each project, as correlated counts in the same query."""
    live = ProjectTask.objects.filter(project_id=OuterRef("pk"), task__deleted_at__isnull=True).exclude(
        task__status=TaskStatus.CANCELLED
    )
    milestones = Milestone.objects.filter(project_id=OuterRef("pk"))
    return queryset.annotate(
        tasks_total=_count(live),
        tasks_done=_count(live.filter(task__status=TaskStatus.DONE)),
        milestones_total=_count(milestones),
        milestones_met=_count(milestones.filter(done_at__isnull=False)),
    )


@dataclass
class Progress:
    tasks_total: int
    tasks_done: int
    milestones_total: int
    milestones_met: int

    @property
    def percent(self) -> int:
        """Share of the (non-cancelled) tasks done, in whole percent."""
        if not self.tasks_total:
            return 0
        return round(100 * self.tasks_done / self.tasks_total)

    @property
    def milestones_percent(self) -> int:
        if not self.milestones_total:
            return 0
        return round(100 * self.milestones_met / self.milestones_total)

    def as_dict(self) -> dict[str, int]:
        return {
            "tasks_total": self.tasks_total,
            "tasks_done": self.tasks_done,
            "percent": self.percent,
            "milestones_total": self.milestones_total,
            "milestones_met": self.milestones_met,
            "milestones_percent": self.milestones_percent,
        }


def progress_of(project: Project) -> Progress:
    """The project's progress: from its annotations when read through ``with_progress``."""
    if not hasattr(project, "tasks_total"):
        project = with_progress(Project.all_objects.filter(pk=project.pk)).get()
    return Progress(
        tasks_total=project.tasks_total,  # type: ignore[attr-defined]
        tasks_done=project.tasks_done,  # type: ignore[attr-defined]
        milestones_total=project.milestones_total,  # type: ignore[attr-defined]
        milestones_met=project.milestones_met,  # type: ignore[attr-defined]
    )


def project_list(actor: Actor, *, box: str = "", status: str = "", q: str = "") -> QuerySet[Project]:
    """Projects the actor may see, with progress: ``box="mine"`` those they own or are a member
    of; ``status`` one status or "open" (planned, active, on hold)."""
    queryset = access.visible(actor, "project", Project.objects.all())
    if box == "mine":
        members = ProjectMember.objects.filter(user_id=actor.id or 0).values("project_id")
        queryset = queryset.filter(Q(owner_id=actor.id) | Q(pk__in=members))
    if status == "open":
        queryset = queryset.filter(status__in=["planned", "active", "on_hold"])
    elif status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(name__icontains=q)
    return with_progress(queryset.select_related("owner", "team")).order_by("-updated_at", "-id")


def project_for(actor: Actor, pk: Any) -> Project:
    return access.get_visible_or_404(
        actor, "project", with_progress(Project.objects.select_related("owner", "team")), pk=pk
    )


def task_links(actor: Actor, project: Project) -> QuerySet[ProjectTask]:
    """The project's tasks as the project's page shows them: every one to a member (the
    extension on "task"), only those their scope reaches to anyone else who sees the project."""
    tasks = access.visible(actor, "task", Task.objects.all())
    return (
        ProjectTask.objects.filter(project=project, task__in=tasks)
        .select_related("task", "task__assignee", "section")
        .order_by("section__position", "section_id", "position", "id")
    )


@dataclass
class Column:
    section: ProjectSection | None
    cards: list[ProjectTask] = field(default_factory=list)


def board(actor: Actor, project: Project) -> list[Column]:
    """The board's columns: "No section" first (when it holds a task or there is no section), then
    each section in order."""
    sections = list(ProjectSection.objects.filter(project=project).order_by("position", "id"))
    columns = {s.pk: Column(s) for s in sections}
    loose = Column(None)
    for link in task_links(actor, project).order_by("position", "id"):
        columns.get(link.section_id or 0, loose).cards.append(link)
    result = list(columns.values())
    if loose.cards or not sections:
        result.insert(0, loose)
    return result


@dataclass
class Bar:
    label: str
    start: datetime.date
    end: datetime.date
    left: float
    width: float
    kind: str  # "task" or "milestone"
    status: str = ""
    assignee: str = ""
    url: str = ""
    done: bool = False
    overdue: bool = False


@dataclass
class Timeline:
    start: datetime.date
    end: datetime.date
    bars: list[Bar]
    weeks: list[tuple[datetime.date, float]]
    today: float | None


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def timeline(actor: Actor, project: Project) -> Timeline:
    """Bars per task from its start (or its creation) to its due day, milestones as diamonds,
    laid out in percent of the project's span (the page scrolls sideways on a phone)."""
    today = timezone.localdate()
    rows: list[tuple[str, datetime.date, datetime.date, dict[str, Any]]] = []
    for link in task_links(actor, project).order_by("start_on", "task__due_at", "id"):
        task = link.task
        start = link.start_on or _local_date(task.created_at) or today
        end = _local_date(task.due_at) or start
        if end < start:
            start, end = end, start
        overdue = (
            task.status in ("todo", "in_progress")
            and task.due_at is not None
            and task.due_at < timezone.now()
        )
        rows.append(
            (
                "task",
                start,
                end,
                {
                    "label": task.title,
                    "status": task.status,
                    "assignee": str(task.assignee),
                    "done": task.status == TaskStatus.DONE,
                    "overdue": overdue,
                },
            )
        )
    for milestone in Milestone.objects.filter(project=project, due_on__isnull=False).order_by("due_on", "id"):
        assert milestone.due_on is not None
        rows.append(
            (
                "milestone",
                milestone.due_on,
                milestone.due_on,
                {"label": milestone.name, "done": milestone.is_met},
            )
        )
    days = [d for _kind, s, e, _x in rows for d in (s, e)]
    days += [d for d in (project.start_on, project.end_on) if d is not None]
    start = min(days, default=today) - datetime.timedelta(days=1)
    end = max([*days, start + datetime.timedelta(days=13)]) + datetime.timedelta(days=1)
    span = (end - start).days + 1

    def at(day: datetime.date) -> float:
        return round(100 * (day - start).days / span, 3)

    bars = [
        Bar(
            label=extra["label"],
            start=s,
            end=e,
            left=at(s),
            width=max(round(100 * ((e - s).days + 1) / span, 3), 0.5),
            kind=kind,
            status=extra.get("status", ""),
            assignee=extra.get("assignee", ""),
            done=extra.get("done", False),
            overdue=extra.get("overdue", False),
        )
        for kind, s, e, extra in rows
    ]
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        if monday >= start:
            weeks.append((monday, at(monday)))
        monday += datetime.timedelta(days=7)
    return Timeline(
        start=start, end=end, bars=bars, weeks=weeks, today=at(today) if start <= today <= end else None
    )


def projects_linking(actor: Actor, resource: str, record: Any, limit: int = 10) -> list[Project]:
    """Visible projects linking an account or a deal (the record page's card)."""
    if not actor.has("project", "view"):
        return []
    queryset = access.visible(actor, "project", Project.objects.all())
    queryset = queryset.filter(accounts=record) if resource == "account" else queryset.filter(deals=record)
    # Most records link no project: find the ids first, and build the four progress counts (a
    # few milliseconds of query building, issue 12) only for projects there are.
    ids = list(queryset.order_by("-updated_at", "-id").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    found = {p.pk: p for p in with_progress(Project.objects.filter(pk__in=ids).select_related("owner"))}
    return [found[pk] for pk in ids if pk in found]
