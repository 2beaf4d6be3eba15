"""Who sees which projects, and the project tasks their members see.

A project is seen by its owner and its members always (members may also edit it: add tasks,
move cards, tick milestones — not archive it nor give it away), and by others through their
role's scope on "project" over the project's team (a manager sees the team's projects).

A member sees every task of the project on its page, even one given to somebody else: a
visibility extension on "task" adds the tasks of the projects the actor owns or is a member of,
as one EXISTS over the indexed ``ProjectTask``/``ProjectMember`` rows.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import Actor

MEMBER_ACTIONS = ("view", "edit")


def _member_q(actor: Actor) -> Q:
    from .models import ProjectMember

    return Q(Exists(ProjectMember.objects.filter(project_id=OuterRef("pk"), user_id=actor.id or 0)))


def project_members_see(actor: Actor, action: str, scope: str) -> Q | None:
    if actor.id is None or action not in MEMBER_ACTIONS:
        return None
    return _member_q(actor)


def project_tasks_seen_by_members(actor: Actor, action: str, scope: str) -> Q | None:
    """Tasks of the projects the actor owns or is a member of (view only)."""
    if actor.id is None or action != "view":
        return None
    from .models import ProjectMember, ProjectTask

    mine = ProjectMember.objects.filter(user_id=actor.id or 0).values("project_id")
    links = ProjectTask.objects.filter(task_id=OuterRef("pk")).filter(
        Q(project__owner_id=actor.id) | Q(project_id__in=mine), project__deleted_at__isnull=True
    )
    return Q(Exists(links))


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    resource = access.register_resource(access.Resource("project", _("projects")))
    resource.extensions.append(project_members_see)
    task = access.RESOURCES.get("task")
    if task is not None and project_tasks_seen_by_members not in task.extensions:
        access.register_visibility_extension("task", project_tasks_seen_by_members)
