from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def done_count(task: Any) -> int:
    """Ticked checklist items of a task (from the prefetched checklist: no query)."""
    return sum(1 for item in task.checklist.all() if item.done)


@register.inclusion_tag("tasks/partials/_record_card.html", takes_context=True)
def record_tasks(context: dict[str, Any], record: Any, resource: str) -> dict[str, Any]:
    """A record page's Tasks card: the record's open tasks the viewer may see (the page has found
    the record visible), and "Add a task" pre-linked to it."""
    from django.utils import timezone

    from tandem.core import access

    from ..selectors import open_on_record

    request = context.get("request")
    actor = access.get_actor(request) if request is not None else access.Actor.anonymous()
    if not actor.has("task", "view") or record is None:
        return {"shown": False}
    return {
        "shown": True,
        "record": record,
        "resource": resource,
        "tasks": open_on_record(actor, resource, record.pk),
        "may_create": actor.has("task", "create"),
        "now": timezone.now(),
        "request": request,
    }


@register.inclusion_tag("tasks/partials/_my_day.html", takes_context=True)
def my_day_tasks(context: dict[str, Any]) -> dict[str, Any]:
    """Home's "My day": the person's open tasks due today or overdue."""
    from django.utils import timezone

    from tandem.core import access

    from ..selectors import my_day

    request = context.get("request")
    actor = access.get_actor(request) if request is not None else access.Actor.anonymous()
    if not actor.has("task", "view"):
        return {"shown": False}
    return {"shown": True, "tasks": my_day(actor), "now": timezone.now()}
