"""Tasks for tests, made through the services as people make them."""

from __future__ import annotations

from typing import Any

from tandem.core.access import Actor
from tandem.org.models import User

from .. import services
from ..models import Task


def make_task(creator: User, *, checklist: tuple[str, ...] = (), **data: Any) -> Task:
    data.setdefault("title", "Call Li about the quote")
    return services.task_create(
        actor=Actor.for_user(User.objects.get(pk=creator.pk)), data=data, checklist=checklist
    )
