"""Reads of tasks the pages and the API share: visible tasks with what a row shows, the tabs
(mine, assigned by me, my team's), the filters, and the open tasks on a record."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor

from . import recurrence
from .models import OPEN_STATUSES, ChecklistItem, Task, TaskLabel

TABS = ("mine", "assigned", "team")


def base() -> QuerySet[Task]:
    return Task.objects.select_related("assignee", "created_by").prefetch_related(
        "labels",
        "collaborators",
        Prefetch("checklist", queryset=ChecklistItem.objects.order_by("position", "id")),
    )


def visible_tasks(actor: Actor) -> QuerySet[Task]:
    return access.visible(actor, "task", base())


def may_see_team(actor: Actor) -> bool:
    return actor.scope_for("task", "view") in (access.TEAM, access.SUBTREE, access.ALL)


def team_ids_for(actor: Actor) -> list[int]:
    scope = actor.scope_for("task", "view")
    if scope == access.TEAM:
        return sorted(actor.team_ids)
    if scope in (access.SUBTREE, access.ALL):
        return sorted(actor.subtree_team_ids)
    return []


def tab_filter(actor: Actor, qs: QuerySet[Task], tab: str, team_id: int | None = None) -> QuerySet[Task]:
    if tab == "assigned":
        return qs.filter(created_by_id=actor.id).exclude(assignee_id=actor.id)
    if tab == "team":
        teams = team_ids_for(actor)
        if team_id is not None:
            teams = [t for t in teams if t == team_id] if actor.scope_for("task") != access.ALL else [team_id]
        return qs.filter(team_id__in=teams)
    return qs.filter(assignee_id=actor.id)


def day_bounds(
    user: Any, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """Today in the person's zone, as UTC instants [start, end)."""
    zone = recurrence.zone_of(user)
    local = (now or timezone.now()).astimezone(zone)
    start = datetime.datetime.combine(local.date(), datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def week_bounds(
    user: Any, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """This week (Monday to Sunday) in the person's zone, as UTC instants [start, end)."""
    zone = recurrence.zone_of(user)
    local = (now or timezone.now()).astimezone(zone).date()
    monday = local - datetime.timedelta(days=local.weekday())
    start = datetime.datetime.combine(monday, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time(), tzinfo=zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def apply_filters(actor: Actor, qs: QuerySet[Task], params: Mapping[str, Any]) -> QuerySet[Task]:
    """``status`` (one or a list; "open" for to do and in progress), ``priority``, ``label`` (name or
    id), ``due`` (overdue, today, week, none), ``due_before``, ``due_after``, ``assignee``,
    ``created_by`` (me or an id), ``record_type`` + ``record_id``, ``team``."""
    now = timezone.now()
    statuses = params.get("status")
    if isinstance(statuses, str):
        statuses = [statuses] if statuses else []
    if statuses:
        wanted = set(statuses)
        if "open" in wanted:
            wanted |= set(OPEN_STATUSES)
        qs = qs.filter(status__in=sorted(wanted - {"open"}))
    if params.get("priority"):
        qs = qs.filter(priority=params["priority"])
    label = params.get("label")
    if label:
        label = str(label)
        by_id = label.isdigit() and len(label) < 19
        qs = qs.filter(labels__id=int(label)) if by_id else qs.filter(labels__name__iexact=label)
    due = params.get("due") or ""
    if due == "overdue" or params.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    elif due == "today":
        start, end = day_bounds(actor.user, now)
        qs = qs.filter(due_at__lt=end, status__in=OPEN_STATUSES).filter(due_at__gte=start)
    elif due == "week":
        start, end = week_bounds(actor.user, now)
        qs = qs.filter(due_at__gte=start, due_at__lt=end)
    elif due == "none":
        qs = qs.filter(due_at__isnull=True)
    if params.get("due_before"):
        qs = qs.filter(due_at__lt=params["due_before"])
    if params.get("due_after"):
        qs = qs.filter(due_at__gte=params["due_after"])
    for key in ("assignee", "created_by"):
        value = params.get(key)
        if value:
            qs = qs.filter(**{f"{key}_id": actor.id if value == "me" else int(value)})
    if params.get("record_type"):
        qs = qs.filter(record_type=params["record_type"])
        if params.get("record_id"):
            qs = qs.filter(record_id=params["record_id"])
    if params.get("team"):
        qs = qs.filter(team_id=params["team"])
    return qs.distinct() if label else qs


def labels() -> QuerySet[TaskLabel]:
    return TaskLabel.objects.order_by("name")


def open_on_record(actor: Actor, record_type: str, record_id: int, limit: int = 10) -> list[Task]:
    """The open tasks linked to a record that the actor may see (the record's Tasks card)."""
    linked = Task.objects.filter(record_type=record_type, record_id=record_id, status__in=OPEN_STATUSES)
    # Most records have no open task: ask that first (the ``task_record`` index), and build the
    # access condition (a few milliseconds, issue 12) only when there are some.
    if not linked.exists():
        return []
    qs = access.visible(actor, "task", linked.select_related("assignee")).order_by("due_at", "id")
    return list(qs[:limit])


def my_day(actor: Actor, limit: int = 8) -> list[Task]:
    """The actor's open tasks due today or overdue, soonest first."""
    _start, end = day_bounds(actor.user)
    return list(
        Task.objects.filter(assignee_id=actor.id, status__in=OPEN_STATUSES, due_at__lt=end)
        .select_related("assignee")
        .order_by("due_at", "id")[:limit]
    )


def overdue(task: Task, now: datetime.datetime | None = None) -> bool:
    return task.is_open and task.due_at is not None and task.due_at < (now or timezone.now())
