"""Writes on tasks: create and edit, status, assignment, collaborators, labels, checklist, link to
a record, board moves, soft delete; the next occurrence of a recurring task; due reminders.

Who may do what (decision 0037):

- see a task: its assignee, its creator, its collaborators, and people whose "task" view scope
  reaches the task's team (a manager sees the team's tasks) — the access policy (policies.py);
- edit it (title, due, assignee, checklist items, link, delete): its assignee, its creator, and
  people whose "task" edit scope reaches its team;
- work on it (change its status, tick its checklist): those, and its collaborators.

Every write is one transaction with its history entry; notifications and events are written in
it, so a change that rolls back tells nobody.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access, dates, events, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.text import without_nul
from tandem.org.models import Membership

from . import recurrence
from .models import ALIVE, OPEN_STATUSES, ChecklistItem, Task, TaskLabel, TaskPriority, TaskStatus

MAX_REMIND_MINUTES = 7 * 24 * 60
MAX_CHECKLIST = 100
MAX_LABELS = 20
REMINDER_BATCH = 500
RECURRENCE_BATCH = 500
# A reminder whose due time passed longer ago than this is claimed without notifying (a task
# created already overdue does not ring).
STALE_REMINDER = datetime.timedelta(hours=12)

EDITABLE = (
    "title",
    "description",
    "priority",
    "due_at",
    "all_day",
    "estimate_minutes",
    "recurrence",
    "remind_minutes_before",
)


# --- Who may ---------------------------------------------------------------------------------


def _scope_reaches(actor: Actor, action: str, task: Task) -> bool:
    scope = actor.scope_for("task", action)
    if scope == access.ALL:
        return True
    if task.team_id is None:
        return False
    if scope == access.TEAM:
        return task.team_id in actor.team_ids
    if scope == access.SUBTREE:
        return task.team_id in actor.subtree_team_ids
    return False


def may_edit(actor: Actor, task: Task) -> bool:
    if actor.id is None:
        return False
    if actor.id in (task.assignee_id, task.created_by_id):
        return actor.has("task", "edit")
    return _scope_reaches(actor, "edit", task)


def is_collaborator(actor: Actor, task: Task) -> bool:
    if actor.id is None:
        return False
    cached = getattr(task, "_prefetched_objects_cache", {}).get("collaborators")
    if cached is not None:
        return any(u.pk == actor.id for u in cached)
    return task.collaborators.filter(pk=actor.id).exists()


def may_work(actor: Actor, task: Task) -> bool:
    """Change the status, tick the checklist: editors and collaborators."""
    return may_edit(actor, task) or (actor.has("task", "view") and is_collaborator(actor, task))


def may_delete(actor: Actor, task: Task) -> bool:
    if actor.id is None:
        return False
    if actor.id in (task.assignee_id, task.created_by_id):
        return actor.has("task", "delete") or actor.has("task", "edit")
    return _scope_reaches(actor, "delete", task)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Values ----------------------------------------------------------------------------------


def primary_team_id(user: Any) -> int | None:
    if user is None:
        return None
    return Membership.objects.filter(user=user, is_primary=True).values_list("team_id", flat=True).first()


def _user(value: Any, field: str, errors: dict[str, list[str]]) -> Any:
    User = get_user_model()
    if isinstance(value, User):
        found = value if value.is_active else None
    else:
        try:
            found = User.objects.filter(pk=int(value), is_active=True).first()
        except (TypeError, ValueError, OverflowError):
            found = None
    if found is None:
        errors[field] = [_("Select a valid choice.")]
    return found


def linked_record(actor: Actor, record_type: str, record_id: Any) -> Any:
    """The record a task is linked to, if the actor may see it; a field error otherwise (hidden and
    missing alike)."""
    from tandem.discussions.registry import KINDS

    kind = KINDS.get(record_type or "")
    if kind is None or record_type == "task":
        raise ValidationError({"record_type": [_("Choose a kind of record.")]})
    try:
        pk = int(record_id)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({"record_id": [_("Select a valid choice.")]}) from None
    if not -(2**63) <= pk < 2**63:
        raise ValidationError({"record_id": [_("Select a valid choice.")]})
    record = kind.visible(actor, kind.model._default_manager.filter(pk=pk)).first()
    if record is None:
        raise ValidationError({"record_id": [_("Select a valid choice.")]})
    return record


def _clean(actor: Actor, task: Task, data: Mapping[str, Any], *, creating: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "title" in data or creating:
        title = str(data.get("title") or "").strip()
        if not title:
            errors["title"] = [_("This field is required.")]
        elif len(title) > 200:
            errors["title"] = [_("Keep the title to 200 characters.")]
        task.title = title
    if "description" in data:
        task.description = str(data.get("description") or "")[:10000]
    if "priority" in data:
        priority = data.get("priority") or TaskPriority.NORMAL
        if priority not in TaskPriority.values:
            errors["priority"] = [_("Select a valid choice.")]
        else:
            task.priority = priority
    if "all_day" in data:
        task.all_day = bool(data.get("all_day"))
    if "due_at" in data:
        due = data.get("due_at")
        if due is not None and (
            not isinstance(due, datetime.datetime)
            or timezone.is_naive(due)
            or not dates.date_in_range(due.date())
        ):
            errors["due_at"] = [_("Enter a valid date/time.")]
        else:
            # Due times are kept to the second (list cursors carry them at millisecond precision).
            task.due_at = due.replace(microsecond=0) if due is not None else None
    if "estimate_minutes" in data:
        estimate = data.get("estimate_minutes")
        if estimate in (None, ""):
            task.estimate_minutes = None
        elif not isinstance(estimate, int) or isinstance(estimate, bool) or not 1 <= estimate <= 100000:
            errors["estimate_minutes"] = [_("Give a number of minutes from 1 to 100000.")]
        else:
            task.estimate_minutes = estimate
    if "remind_minutes_before" in data:
        remind = data.get("remind_minutes_before")
        if remind in (None, ""):
            task.remind_minutes_before = None
        elif not isinstance(remind, int) or isinstance(remind, bool) or not 0 <= remind <= MAX_REMIND_MINUTES:
            errors["remind_minutes_before"] = [_("Remind from 0 minutes to 7 days before.")]
        else:
            task.remind_minutes_before = remind
    if "recurrence" in data:
        try:
            task.recurrence = recurrence.clean(data.get("recurrence"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if task.recurrence and task.due_at is None and "recurrence" not in errors and "due_at" not in errors:
        errors["recurrence"] = [_("A repeating task needs a due date.")]
    if task.remind_minutes_before is not None and task.due_at is None and "due_at" not in errors:
        errors.setdefault("remind_minutes_before", [_("A reminder needs a due date.")])
    return errors


def end_of_day(day: datetime.date, user: Any) -> datetime.datetime:
    """An all-day task's due time: the end of ``day`` in ``user``'s zone (23:59)."""
    zone = recurrence.zone_of(user)
    return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone).astimezone(datetime.UTC)


def _labels_from(names: Iterable[Any], errors: dict[str, list[str]]) -> list[TaskLabel]:
    wanted: list[str] = []
    for raw in names:
        name = str(raw or "").strip()
        if not name:
            continue
        if len(name) > 50:
            errors["labels"] = [_("Keep each label to 50 characters.")]
            return []
        if name.casefold() not in {w.casefold() for w in wanted}:
            wanted.append(name)
    if len(wanted) > MAX_LABELS:
        errors["labels"] = [_("A task has at most 20 labels.")]
        return []
    labels: list[TaskLabel] = []
    for name in wanted:
        found = TaskLabel.objects.filter(name__iexact=name).first()
        if found is None:
            try:
                with transaction.atomic():
                    found = TaskLabel.objects.create(name=name)
            except IntegrityError:
                found = TaskLabel.objects.get(name__iexact=name)
        labels.append(found)
    return labels


def _people(values: Iterable[Any], errors: dict[str, list[str]]) -> list[Any]:
    User = get_user_model()
    ids: list[int] = []
    for value in values:
        try:
            ids.append(int(value.pk if isinstance(value, User) else value))
        except (TypeError, ValueError, AttributeError):
            errors["collaborators"] = [_("Select a valid choice.")]
            return []
    ids = list(dict.fromkeys(ids))
    if len(ids) > 50:
        errors["collaborators"] = [_("A task has at most 50 collaborators.")]
        return []
    found = list(User.objects.filter(pk__in=ids, is_active=True)) if ids else []
    if len(found) != len(ids):
        errors["collaborators"] = [_("Select a valid choice.")]
        return []
    return found


# --- Create and edit -------------------------------------------------------------------------


def _notify_assigned(actor: Actor, task: Task) -> None:
    if task.assignee_id == actor.id:
        return
    who = str(actor.user) if actor.user is not None else ""
    title = task.title
    notify.notify(
        recipient=task.assignee,
        kind="task.assigned",
        title=lambda: _("%(person)s gave you a task: %(title)s") % {"person": who, "title": title},
        url=task.get_absolute_url(),
    )


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    checklist: Sequence[str] = (),
    record: Any = None,
    notify_assignee: bool = True,
) -> Task:
    """Create a task. ``data``: title (required), description, assignee (default: the actor),
    collaborators, labels (names, created when new), priority, due_at, all_day, estimate_minutes,
    recurrence, remind_minutes_before, record_type + record_id (or ``record``, which the caller
    has checked). ``notify_assignee=False`` when the caller tells the assignee in its own words
    (a meeting's action item)."""
    access.require(actor, "create", "task")
    assert actor.user is not None
    task = Task(created_by=actor.user)
    errors = _clean(actor, task, data, creating=True)
    assignee = _user(data["assignee"], "assignee", errors) if data.get("assignee") else actor.user
    collaborators = _people(data.get("collaborators") or [], errors)
    labels = _labels_from(data.get("labels") or [], errors)
    if record is None and (data.get("record_type") or data.get("record_id")):
        try:
            record = linked_record(actor, str(data.get("record_type") or ""), data.get("record_id"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    items = [str(t).strip()[:300] for t in checklist if str(t).strip()]
    if len(items) > MAX_CHECKLIST:
        errors["checklist"] = [_("A checklist has at most 100 items.")]
    if errors:
        raise ValidationError(errors)
    task.assignee = assignee
    task.team_id = primary_team_id(assignee)
    if record is not None:
        from tandem.discussions.registry import kind_for_model

        kind = kind_for_model(type(record))
        task.record_type, task.record_id = (kind.resource if kind else ""), record.pk
    task.position = _next_position(task.status)
    task.save()
    if collaborators:
        task.collaborators.set([u for u in collaborators if u.pk != assignee.pk])
    if labels:
        task.labels.set(labels)
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(task=task, text=text, position=i) for i, text in enumerate(items)]
    )
    history.record_create(actor=actor.user, obj=task)
    events.emit("task.created", record=task, actor=actor.user, assignee_id=task.assignee_id)
    if notify_assignee:
        _notify_assigned(actor, task)
    return task


def _next_position(status: str) -> int:
    top = Task.objects.filter(ALIVE, status=status).aggregate(m=Max("position"))["m"]
    return (top or 0) + 1024


@transaction.atomic
def task_update(*, actor: Actor, task: Task, data: Mapping[str, Any]) -> Task:
    """Edit a task's fields (those in ``data``), its assignee, collaborators and labels."""
    task = _locked(task)
    _require(may_edit(actor, task))
    before = history.snapshot(task)
    old_due, old_assignee = task.due_at, task.assignee_id
    errors = _clean(actor, task, {k: v for k, v in data.items() if k in EDITABLE}, creating=False)
    assignee = _user(data["assignee"], "assignee", errors) if data.get("assignee") else None
    collaborators = _people(data["collaborators"] or [], errors) if "collaborators" in data else None
    labels = _labels_from(data["labels"] or [], errors) if "labels" in data else None
    record: Any = None
    unlink = False
    if "record_type" in data or "record_id" in data:
        if not data.get("record_type") and not data.get("record_id"):
            unlink = True
        else:
            try:
                record = linked_record(actor, str(data.get("record_type") or ""), data.get("record_id"))
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if assignee is not None and assignee.pk != task.assignee_id:
        task.assignee = assignee
        task.team_id = primary_team_id(assignee)
    if record is not None:
        from tandem.discussions.registry import kind_for_model

        kind = kind_for_model(type(record))
        task.record_type, task.record_id = (kind.resource if kind else ""), record.pk
    elif unlink:
        task.record_type, task.record_id = "", None
    if task.due_at != old_due:
        task.reminded_at = None  # a new due time rings again
    task.save()
    message = ""
    if collaborators is not None:
        task.collaborators.set([u for u in collaborators if u.pk != task.assignee_id])
    if labels is not None:
        task.labels.set(labels)
        message = _("Labels: %(labels)s") % {"labels": ", ".join(lb.name for lb in labels) or "—"}
    history.record_update(actor=actor.user, obj=task, before=before, message=message)
    if task.assignee_id != old_assignee:
        _notify_assigned(actor, task)
    return task


def task_assign(*, actor: Actor, task: Task, assignee: Any) -> Task:
    return task_update(actor=actor, task=task, data={"assignee": assignee})


def _locked(task: Task) -> Task:
    found = Task.objects.select_for_update().filter(ALIVE, pk=task.pk).first()
    if found is None:
        raise ValidationError({"non_field_errors": [_("This task was deleted meanwhile.")]})
    return found


# --- Status ----------------------------------------------------------------------------------


@transaction.atomic
def task_set_status(*, actor: Actor, task: Task, status: str, allowed: bool | None = None) -> Task:
    """Move a task to ``status``: done stamps ``completed_at`` (and tells its creator), reopening
    clears it; a recurring task done or cancelled creates its next occurrence, once.

    Who may: the task's own rule (``may_work``), unless the caller has decided by a rule of its
    own and says so with ``allowed`` (a project's editors, a meeting's organizer and action-item
    owners) — the change is then the same, history, event and notification included."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("Select a valid choice.")]})
    task = _locked(task)
    _require(may_work(actor, task) if allowed is None else allowed)
    if task.status == status:
        return task
    before = history.snapshot(task)
    was_open = task.is_open
    task.status = status
    if status == TaskStatus.DONE:
        task.completed_at = timezone.now()
    elif status in OPEN_STATUSES:
        task.completed_at = None
    task.save(update_fields=["status", "completed_at", "updated_at"])
    history.record_update(actor=actor.user, obj=task, before=before)
    if status == TaskStatus.DONE:
        events.emit("task.completed", record=task, actor=actor.user, assignee_id=task.assignee_id)
        if task.created_by_id != actor.id:
            who, title = str(actor.user), task.title
            notify.notify(
                recipient=task.created_by,
                kind="task.completed",
                title=lambda: _("%(person)s completed “%(title)s”") % {"person": who, "title": title},
                url=task.get_absolute_url(),
            )
    if was_open and not task.is_open and task.recurrence:
        spawn_next(task)
    return task


def task_complete(*, actor: Actor, task: Task) -> Task:
    return task_set_status(actor=actor, task=task, status=TaskStatus.DONE)


def task_reopen(*, actor: Actor, task: Task) -> Task:
    return task_set_status(actor=actor, task=task, status=TaskStatus.TODO)


@transaction.atomic
def task_move(
    *, actor: Actor, task: Task, status: str, after: Task | None = None, before: Task | None = None
) -> Task:
    """A board move: into ``status``'s column, between ``after`` (the card above) and ``before``
    (the card below)."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("Select a valid choice.")]})
    task = task_set_status(actor=actor, task=task, status=status)
    if after is not None and before is not None:
        position = (after.position + before.position) // 2
    elif after is not None:
        position = after.position + 1024
    elif before is not None:
        position = before.position - 1024
    else:
        position = task.position
    Task.objects.filter(pk=task.pk).update(position=position)
    task.position = position
    return task


@transaction.atomic
def task_delete(*, actor: Actor, task: Task) -> None:
    task = _locked(task)
    _require(may_delete(actor, task))
    task.deleted_at = timezone.now()
    task.deleted_by = actor.user
    task.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    history.record(actor=actor.user, obj=task, action=HistoryAction.DELETE)


# --- Collaborators and checklist -------------------------------------------------------------


@transaction.atomic
def collaborator_add(*, actor: Actor, task: Task, user: Any) -> Task:
    _require(may_edit(actor, task))
    errors: dict[str, list[str]] = {}
    found = _user(user, "collaborators", errors)
    if errors:
        raise ValidationError(errors)
    if found.pk != task.assignee_id:
        task.collaborators.add(found)
        history.record(
            actor=actor.user,
            obj=task,
            action=HistoryAction.UPDATE,
            message=_("Collaborator added: %(person)s") % {"person": found},
        )
    return task


@transaction.atomic
def collaborator_remove(*, actor: Actor, task: Task, user_id: int) -> Task:
    # Collaborators may leave a task themselves.
    _require(may_edit(actor, task) or (actor.id == user_id and is_collaborator(actor, task)))
    User = get_user_model()
    found = User.objects.filter(pk=user_id).first()
    if found is not None:
        task.collaborators.remove(found)
        history.record(
            actor=actor.user,
            obj=task,
            action=HistoryAction.UPDATE,
            message=_("Collaborator removed: %(person)s") % {"person": found},
        )
    return task


@transaction.atomic
def checklist_add(*, actor: Actor, task: Task, text: str) -> ChecklistItem:
    _require(may_edit(actor, task))
    text = without_nul(str(text or "").strip(), "text")
    if not text:
        raise ValidationError({"text": [_("This field is required.")]})
    if len(text) > 300:
        raise ValidationError({"text": [_("Keep an item to 300 characters.")]})
    count = task.checklist.count()
    if count >= MAX_CHECKLIST:
        raise ValidationError({"text": [_("A checklist has at most 100 items.")]})
    top = task.checklist.aggregate(m=Max("position"))["m"]
    item = ChecklistItem.objects.create(task=task, text=text, position=(top or 0) + 1)
    return item


@transaction.atomic
def checklist_update(
    *, actor: Actor, item: ChecklistItem, done: bool | None = None, text: str | None = None
) -> ChecklistItem:
    task = item.task
    if text is not None:
        _require(may_edit(actor, task))
        text = without_nul(text.strip(), "text")
        if not text:
            raise ValidationError({"text": [_("This field is required.")]})
        item.text = text[:300]
    if done is not None:
        _require(may_work(actor, task))
        item.done = bool(done)
    item.save()
    if done is not None:
        history.record(
            actor=actor.user,
            obj=task,
            action=HistoryAction.UPDATE,
            message=(_("Ticked: %(item)s") if item.done else _("Unticked: %(item)s")) % {"item": item.text},
        )
    return item


@transaction.atomic
def checklist_delete(*, actor: Actor, item: ChecklistItem) -> None:
    _require(may_edit(actor, item.task))
    item.delete()


@transaction.atomic
def checklist_reorder(*, actor: Actor, task: Task, ids: Sequence[int]) -> None:
    """Put the task's checklist in the order of ``ids`` (items not named keep their place after)."""
    _require(may_edit(actor, task))
    items = {i.pk: i for i in task.checklist.all()}
    ordered = [items[i] for i in dict.fromkeys(ids) if i in items]
    ordered += [i for i in items.values() if i not in ordered]
    for position, item in enumerate(ordered):
        item.position = position
    ChecklistItem.objects.bulk_update(ordered, ["position"])


# --- Recurrence ------------------------------------------------------------------------------


def spawn_next(task: Task) -> Task | None:
    """Create the next occurrence of ``task``'s series once: same assignee, link, labels,
    collaborators and checklist (unticked), due by the rule in the assignee's zone. Returns the
    occurrence, or None when the series has ended or it already exists."""
    if not task.recurrence or task.due_at is None:
        return None
    due = recurrence.next_due(task.recurrence, task.due_at, recurrence.zone_of(task.assignee))
    if due is None:
        return None
    root_id = task.series_id or task.pk
    if Task.all_objects.filter(series_id=root_id, occurrence_due_at=due).exists():
        return None
    fresh = Task(
        title=task.title,
        description=task.description,
        assignee_id=task.assignee_id,
        team_id=task.team_id,
        created_by_id=task.created_by_id,
        priority=task.priority,
        due_at=due,
        all_day=task.all_day,
        estimate_minutes=task.estimate_minutes,
        record_type=task.record_type,
        record_id=task.record_id,
        recurrence=task.recurrence,
        series_id=root_id,
        occurrence_due_at=due,
        remind_minutes_before=task.remind_minutes_before,
        position=_next_position(TaskStatus.TODO),
    )
    try:
        with transaction.atomic():
            fresh.save()
    except IntegrityError:
        return None  # made meanwhile by the other path (the job, or a second completion)
    fresh.collaborators.set(list(task.collaborators.all()))
    fresh.labels.set(list(task.labels.all()))
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(task=fresh, text=i.text, position=i.position) for i in task.checklist.all()]
    )
    history.record_create(actor=None, obj=fresh, message=_("Next occurrence of a repeating task"))
    events.emit("task.created", record=fresh, actor=None, assignee_id=fresh.assignee_id)
    return fresh


def recurring_past_due(now: datetime.datetime | None = None) -> Any:
    """Recurring tasks whose due time passed and whose series has no later occurrence yet."""
    now = now or timezone.now()
    later = Task.all_objects.filter(
        series_id=Coalesce(OuterRef("series_id"), OuterRef("pk")), occurrence_due_at__gt=OuterRef("due_at")
    )
    return (
        Task.objects.filter(due_at__lt=now, due_at__isnull=False)
        .exclude(recurrence="")
        .filter(~Exists(later))
        .select_related("assignee")
        .order_by("due_at", "id")
    )


def recurrences_advance(now: datetime.datetime | None = None) -> int:
    """The job: a recurring task whose due time passed without being done still gets its next
    occurrence (a series never silently stops). Idempotent: the unique (series, occurrence) makes
    each occurrence once whoever makes it."""
    made = 0
    for task in list(recurring_past_due(now)[:RECURRENCE_BATCH]):
        with transaction.atomic():
            if spawn_next(task) is not None:
                made += 1
    return made


# --- Reminders -------------------------------------------------------------------------------


def reminders_send(now: datetime.datetime | None = None) -> int:
    """The job: tell each assignee once, ``remind_minutes_before`` their open task is due. Each
    reminder is claimed with a conditional UPDATE of ``reminded_at``, so two runs (or two workers)
    never send it twice. Returns how many were sent."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(minutes=MAX_REMIND_MINUTES)
    candidates = (
        Task.objects.filter(
            status__in=OPEN_STATUSES,
            remind_minutes_before__isnull=False,
            reminded_at__isnull=True,
            due_at__isnull=False,
            due_at__lte=horizon,
        )
        .select_related("assignee")
        .order_by("due_at", "id")[:REMINDER_BATCH]
    )
    sent = 0
    for task in list(candidates):
        assert task.due_at is not None and task.remind_minutes_before is not None
        if task.due_at - datetime.timedelta(minutes=task.remind_minutes_before) > now:
            continue
        with transaction.atomic():
            claimed = Task.objects.filter(pk=task.pk, reminded_at__isnull=True, due_at=task.due_at).update(
                reminded_at=now
            )
            if not claimed or task.due_at < now - STALE_REMINDER:
                continue
            title, due = task.title, task.due_at
            zone = recurrence.zone_of(task.assignee)

            def text(title: str = title, due: datetime.datetime = due, zone: Any = zone) -> str:
                return _("Due %(when)s: %(title)s") % {
                    "when": due.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    "title": title,
                }

            notify.notify(
                recipient=task.assignee, kind="task.reminder", title=text, url=task.get_absolute_url()
            )
            sent += 1
    return sent


# --- Reads the pages share -------------------------------------------------------------------


def overdue_q(now: datetime.datetime | None = None) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())
