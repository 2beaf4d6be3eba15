from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from tandem.core import access

from .. import selectors

register = template.Library()


@register.filter
def task_url(task: Any) -> str:
    """The task's own page, when the tasks app serves one."""
    try:
        return reverse("tasks:detail", args=[task.pk])
    except NoReverseMatch:
        return ""


@register.inclusion_tag("projects/partials/_record_card.html", takes_context=True)
def projects_card(context: dict[str, Any], record: Any, resource: str) -> dict[str, Any]:
    """A record page's "Projects" card: the visible projects linking the account or deal."""
    request = context.get("request")
    actor = access.get_actor(request) if request is not None else access.Actor.anonymous()
    projects = selectors.projects_linking(actor, resource, record)
    return {"rows": [(p, selectors.progress_of(p)) for p in projects], "shown": actor.has("project", "view")}
