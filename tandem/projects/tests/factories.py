from __future__ import annotations

from typing import Any

from tandem.core.access import Actor
from tandem.org.models import User

from .. import services
from ..models import Project, ProjectTask


def project(owner: User, **data: Any) -> Project:
    data.setdefault("name", "Key account campaign")
    return services.project_save(actor=Actor.for_user(owner), project=None, data=data)


def task(p: Project, by: User, title: str = "Call the buyer", **data: Any) -> ProjectTask:
    return services.task_create(actor=Actor.for_user(by), project=p, data={"title": title, **data})
