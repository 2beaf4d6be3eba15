"""Who sees which tasks: the assignee, the person who gave it and its collaborators always; others
by their role's scope on "task" over the task's team (a manager sees the team's tasks)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import Actor


def task_scope(actor: Actor, scope: str) -> Q:
    if actor.id is None:
        return Q(pk__in=[])
    from .models import Task

    collaborating = Task.collaborators.through.objects.filter(task_id=OuterRef("pk"), user_id=actor.id)
    q = Q(assignee_id=actor.id) | Q(created_by_id=actor.id) | Q(Exists(collaborating))
    if scope in (access.TEAM, access.SUBTREE):
        team_ids = actor.team_ids if scope == access.TEAM else actor.subtree_team_ids
        q |= Q(team_id__in=sorted(team_ids))
    return q


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource("task", _("tasks"), owner_field=None, team_field=None, scope_q=task_scope)
    )
