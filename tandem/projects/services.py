"""Writes on projects: the project itself, members, sections, milestones, the project's tasks,
and the accounts and deals it serves. Each write is one transaction with its history entry.

Tasks are ``tasks.Task`` rows created here with the fields the tasks app uses (assignee, the
assignee's primary team, created_by, status, position, an all-day due time at the end of the day
in the assignee's zone) and linked to the project (``record_type="project"``) through a
``ProjectTask`` row that keeps their board section, place and start day.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, events, history, notify
from tandem.core import services as core_services
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said
from tandem.core.text import without_nul
from tandem.customers.services import primary_team_id
from tandem.tasks import services as task_services
from tandem.tasks.models import Task, TaskPriority, TaskStatus

from .models import Milestone, Project, ProjectMember, ProjectSection, ProjectStatus, ProjectTask

PROJECT_FIELDS = ("name", "description", "status", "start_on", "end_on")
MAX_SECTIONS = 20
MAX_MEMBERS = 200


def _said(obj: Any, actor: Any, msgid: str, **params: Any) -> None:
    history.record(actor=actor, obj=obj, action=HistoryAction.EVENT, message=Said(msgid, **params))


def _require(actor: Actor, action: str, project: Project) -> None:
    if not access.can(actor, "view", "project", project):
        # Hidden and missing answer alike.
        from django.http import Http404

        raise Http404
    access.require(actor, action, "project", project)


def _check_dates(start: datetime.date | None, end: datetime.date | None, *, end_field: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({end_field: [_("The end cannot be before the start.")]})


# --- The project ------------------------------------------------------------------------------


@transaction.atomic
def project_save(*, actor: Actor, project: Project | None, data: Mapping[str, Any]) -> Project:
    """Create a project (``project=None``) or change one. ``data`` may hold name, description,
    status, start_on, end_on and owner (a person; by default the actor on create)."""
    creating = project is None
    if creating:
        access.require(actor, "create", "project")
        obj = Project(owner=actor.user)
    else:
        assert project is not None
        _require(actor, "edit", project)
        obj = Project.objects.select_for_update().get(pk=project.pk)
    before = {} if creating else history.snapshot(obj)
    was_status = obj.status
    errors: dict[str, list[str]] = {}
    for name in PROJECT_FIELDS:
        if name in data:
            setattr(obj, name, data[name] if data[name] is not None or name in ("start_on", "end_on") else "")
    obj.name = (obj.name or "").strip()
    if not obj.name:
        errors["name"] = [_("This field is required.")]
    if obj.status not in ProjectStatus.values:
        errors["status"] = [_("Select a valid choice.")]
    if obj.start_on and obj.end_on and obj.end_on < obj.start_on:
        errors["end_on"] = [_("The end cannot be before the start.")]
    owner = data.get("owner")
    if owner is not None and owner.pk != obj.owner_id:
        if not creating and not access.can(actor, "assign", "project", obj) and owner.pk != actor.id:
            errors["owner"] = [_("You may not give records to someone else.")]
        else:
            refusal = access.owner_refusal(actor, "project", owner)
            if refusal:
                errors["owner"] = [refusal]
    if errors:
        raise ValidationError(errors)
    if owner is not None and owner.pk != obj.owner_id:
        obj.owner = owner
        obj.team_id = primary_team_id(owner)
    elif creating:
        obj.team_id = primary_team_id(actor.user)
    completed = obj.status == ProjectStatus.DONE and was_status != ProjectStatus.DONE
    if completed:
        obj.completed_at = timezone.now()
    elif obj.status != ProjectStatus.DONE:
        obj.completed_at = None
    obj.save()
    if creating:
        history.record_create(actor=actor.user, obj=obj)
        events.emit("project.created", record=obj, actor=actor.user, name=obj.name)
        for position, name in enumerate(data.get("sections") or []):
            ProjectSection.objects.create(project=obj, name=str(name)[:100], position=position)
    else:
        history.record_update(actor=actor.user, obj=obj, before=before)
        # Given to someone new: the former owner stays on as a member.
        if owner is not None and project is not None and project.owner_id != obj.owner_id:
            ProjectMember.objects.get_or_create(project=obj, user_id=project.owner_id)
            ProjectMember.objects.filter(project=obj, user_id=obj.owner_id).delete()
    if completed:
        events.emit("project.completed", record=obj, actor=actor.user, name=obj.name)
    return obj


def project_archive(*, actor: Actor, project: Project) -> None:
    """Move the project to the recycle bin (its owner, or a manager over its team)."""
    _require(actor, "delete", project)
    core_services.record_soft_delete(actor=actor, obj=project)


# --- Members ----------------------------------------------------------------------------------


@transaction.atomic
def member_add(*, actor: Actor, project: Project, user: Any) -> ProjectMember | None:
    """Add a person to the project and tell them; None when they already are on it."""
    _require(actor, "edit", project)
    if user is None or not getattr(user, "is_active", False):
        raise ValidationError({"user": [_("The owner must be an active person.")]})
    if user.pk == project.owner_id or ProjectMember.objects.filter(project=project, user=user).exists():
        return None
    if ProjectMember.objects.filter(project=project).count() >= MAX_MEMBERS:
        raise ValidationError({"user": [_("A project has at most %(n)s members.") % {"n": MAX_MEMBERS}]})
    member = ProjectMember.objects.create(project=project, user=user)
    _said(project, actor.user, gettext_noop("%(name)s joined the project."), name=user)
    who, name = str(actor.user), project.name
    if user.pk != actor.id:
        notify.notify(
            recipient=user,
            kind="project.member_added",
            title=lambda: _("%(who)s added you to the project “%(name)s”") % {"who": who, "name": name},
            url=project.get_absolute_url(),
        )
    return member


@transaction.atomic
def member_remove(*, actor: Actor, project: Project, user: Any) -> None:
    _require(actor, "edit", project)
    removed, _rows = ProjectMember.objects.filter(project=project, user=user).delete()
    if removed:
        _said(project, actor.user, gettext_noop("%(name)s left the project."), name=user)


# --- Sections (board columns) -------------------------------------------------------------------


def _clean_name(value: Any, field: str = "name", limit: int = 100) -> str:
    text = without_nul(str(value or "").strip(), field)
    if not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return text


@transaction.atomic
def section_add(*, actor: Actor, project: Project, name: str) -> ProjectSection:
    _require(actor, "edit", project)
    text = _clean_name(name)
    if ProjectSection.objects.filter(project=project).count() >= MAX_SECTIONS:
        raise ValidationError({"name": [_("A project has at most %(n)s sections.") % {"n": MAX_SECTIONS}]})
    top = ProjectSection.objects.filter(project=project).aggregate(m=Max("position"))["m"]
    section = ProjectSection.objects.create(project=project, name=text, position=(top or 0) + 1)
    _said(project, actor.user, gettext_noop("Section “%(name)s” added."), name=text)
    return section


@transaction.atomic
def section_rename(*, actor: Actor, section: ProjectSection, name: str) -> ProjectSection:
    _require(actor, "edit", section.project)
    text = _clean_name(name)
    old = section.name
    if text != old:
        section.name = text
        section.save(update_fields=["name"])
        _said(
            section.project,
            actor.user,
            gettext_noop("Section “%(old)s” renamed “%(name)s”."),
            old=old,
            name=text,
        )
    return section


@transaction.atomic
def section_reorder(*, actor: Actor, project: Project, order: list[int]) -> None:
    """Put the sections in ``order`` (their ids); every section of the project, once."""
    _require(actor, "edit", project)
    sections = {s.pk: s for s in ProjectSection.objects.select_for_update().filter(project=project)}
    if sorted(order) != sorted(sections) or len(set(order)) != len(order):
        raise ValidationError({"order": [_("Give every section of the project once.")]})
    for position, pk in enumerate(order):
        sections[pk].position = position
    ProjectSection.objects.bulk_update(sections.values(), ["position"])


@transaction.atomic
def section_delete(*, actor: Actor, section: ProjectSection) -> None:
    """Delete a section; its tasks stay in the project, under no section."""
    project = section.project
    _require(actor, "edit", project)
    name = section.name
    top = ProjectTask.objects.filter(project=project, section__isnull=True).aggregate(m=Max("position"))["m"]
    links = list(ProjectTask.objects.filter(section=section).order_by("position", "id"))
    start = (top + 1) if top is not None else 0
    for i, link in enumerate(links):
        link.section = None
        link.position = start + i
    ProjectTask.objects.bulk_update(links, ["section", "position"])
    section.delete()
    _said(project, actor.user, gettext_noop("Section “%(name)s” deleted."), name=name)


# --- Milestones ---------------------------------------------------------------------------------


@transaction.atomic
def milestone_save(
    *, actor: Actor, project: Project, milestone: Milestone | None, data: Mapping[str, Any]
) -> Milestone:
    _require(actor, "edit", project)
    obj = milestone or Milestone(project=project)
    if obj.project_id != project.pk:
        raise PermissionDenied
    if "name" in data or milestone is None:
        obj.name = _clean_name(data.get("name"), limit=200)
    if "due_on" in data:
        obj.due_on = data["due_on"]
    if milestone is None:
        top = Milestone.objects.filter(project=project).aggregate(m=Max("position"))["m"]
        obj.position = (top or 0) + 1
    obj.save()
    if milestone is None:
        _said(project, actor.user, gettext_noop("Milestone “%(name)s” added."), name=obj.name)
    if "met" in data:
        milestone_set_met(actor=actor, milestone=obj, met=bool(data["met"]))
    return obj


@transaction.atomic
def milestone_set_met(*, actor: Actor, milestone: Milestone, met: bool) -> Milestone:
    _require(actor, "edit", milestone.project)
    if met and milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
        _said(milestone.project, actor.user, gettext_noop("Milestone “%(name)s” met."), name=milestone.name)
    elif not met and milestone.done_at is not None:
        milestone.done_at = None
        milestone.save(update_fields=["done_at"])
        _said(
            milestone.project, actor.user, gettext_noop("Milestone “%(name)s” reopened."), name=milestone.name
        )
    return milestone


@transaction.atomic
def milestone_delete(*, actor: Actor, milestone: Milestone) -> None:
    _require(actor, "edit", milestone.project)
    name = milestone.name
    milestone.delete()
    _said(milestone.project, actor.user, gettext_noop("Milestone “%(name)s” deleted."), name=name)


# --- The project's tasks --------------------------------------------------------------------------


def people_of(project: Project) -> list[Any]:
    """The owner and the members: who may be given the project's tasks."""
    from tandem.org.models import User

    ids = [project.owner_id, *ProjectMember.objects.filter(project=project).values_list("user_id", flat=True)]
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "id"))


def end_of_day(day: datetime.date, user: Any) -> datetime.datetime:
    """The last minute of ``day`` in ``user``'s time zone, as an aware instant."""
    try:
        zone = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone)


@transaction.atomic
def task_create(*, actor: Actor, project: Project, data: Mapping[str, Any]) -> ProjectTask:
    """A new task in the project: ``title`` (required), ``description``, ``assignee`` (the owner
    or a member; by default the actor), ``section``, ``priority``, ``start_on``, ``due_on``,
    ``estimate_minutes``."""
    _require(actor, "edit", project)
    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(n)s characters.") % {"n": 200}]
    people = {p.pk: p for p in people_of(project)}
    assignee = data.get("assignee") or actor.user
    if assignee is None or assignee.pk not in people:
        errors["assignee"] = [_("Give the task to the project's owner or one of its members.")]
    section = data.get("section")
    if section is not None and section.project_id != project.pk:
        errors["section"] = [_("Select a valid choice.")]
    priority = data.get("priority") or TaskPriority.NORMAL
    if priority not in TaskPriority.values:
        errors["priority"] = [_("Select a valid choice.")]
    start_on, due_on = data.get("start_on"), data.get("due_on")
    if start_on and due_on and due_on < start_on:
        errors["due_on"] = [_("The due date cannot be before the start.")]
    if errors:
        raise ValidationError(errors)
    top = ProjectTask.objects.filter(project=project, section=section).aggregate(m=Max("position"))["m"]
    position = (top + 1) if top is not None else 0
    # Through the tasks app's own service: reminders, events, the assignee's notification and
    # history are those of any task; the project's rule (above) is who may add one.
    task = task_services.task_create(
        actor=actor,
        data={
            "title": title,
            "description": str(data.get("description") or ""),
            "assignee": assignee,
            "priority": priority,
            "due_at": end_of_day(due_on, assignee) if due_on else None,
            "all_day": bool(due_on),
            "estimate_minutes": data.get("estimate_minutes"),
        },
        record=project,
    )
    link = ProjectTask.objects.create(
        task=task, project=project, section=section, position=position, start_on=start_on
    )
    _said(project, actor.user, gettext_noop("Task “%(name)s” added."), name=title)
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return link


@transaction.atomic
def task_move(
    *, actor: Actor, project: Project, link: ProjectTask, section: ProjectSection | None, index: int
) -> ProjectTask:
    """Move a task to ``section`` (None: no section) at ``index`` in that column (0 = top)."""
    _require(actor, "edit", project)
    if link.project_id != project.pk or (section is not None and section.project_id != project.pk):
        raise ValidationError({"section": [_("Select a valid choice.")]})
    column = list(
        ProjectTask.objects.select_for_update()
        .filter(project=project, section=section)
        .exclude(pk=link.pk)
        .order_by("position", "id")
    )
    index = max(0, min(int(index), len(column)))
    column.insert(index, link)
    moved_from = link.section_id
    link.section = section
    changed = []
    for position, row in enumerate(column):
        if row.position != position or row.pk == link.pk:
            row.position = position
            changed.append(row)
    if moved_from != link.section_id:
        # Close the gap the task leaves in the column it came from.
        left = list(
            ProjectTask.objects.select_for_update()
            .filter(project=project, section_id=moved_from)
            .exclude(pk=link.pk)
            .order_by("position", "id")
        )
        for position, row in enumerate(left):
            if row.position != position:
                row.position = position
                changed.append(row)
    ProjectTask.objects.bulk_update(changed, ["section", "position"])
    if moved_from != link.section_id:
        _said(
            project,
            actor.user,
            gettext_noop("Task “%(name)s” moved to “%(section)s”."),
            name=link.task.title,
            section=section.name if section is not None else _("No section"),
        )
    return link


@transaction.atomic
def task_set_status(*, actor: Actor, project: Project, link: ProjectTask, status: str) -> Task:
    """Mark a project task to do, in progress, done or cancelled from the project's page."""
    _require(actor, "edit", project)
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("Select a valid choice.")]})
    return task_services.task_set_status(actor=actor, task=link.task, status=status, allowed=True)


# --- Linked accounts and deals ------------------------------------------------------------------


def _linkable(actor: Actor, resource: str, record: Any, field: str) -> None:
    if record is None or not access.can(actor, "view", resource, record):
        raise ValidationError({field: [_("Select a valid choice.")]})


@transaction.atomic
def link_record(*, actor: Actor, project: Project, resource: str, record: Any) -> None:
    """Link an account or a deal the actor can see to the project."""
    _require(actor, "edit", project)
    if resource not in ("account", "deal"):
        raise ValidationError({"resource": [_("Select a valid choice.")]})
    _linkable(actor, resource, record, resource)
    related = project.accounts if resource == "account" else project.deals
    if related.filter(pk=record.pk).exists():
        return
    related.add(record)
    _said(project, actor.user, gettext_noop("Linked to “%(name)s”."), name=record)


@transaction.atomic
def unlink_record(*, actor: Actor, project: Project, resource: str, record: Any) -> None:
    _require(actor, "edit", project)
    if resource not in ("account", "deal"):
        raise ValidationError({"resource": [_("Select a valid choice.")]})
    related = project.accounts if resource == "account" else project.deals
    if related.filter(pk=record.pk).exists():
        related.remove(record)
        _said(project, actor.user, gettext_noop("No longer linked to “%(name)s”."), name=record)
