from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectsConfig(AppConfig):
    name = "tandem.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from tandem.core import events, nav, notify, recycle
        from tandem.discussions import registry

        from . import policies
        from .models import Project

        policies.register()
        events.register("project.created", _("Project created"), resource="project")
        events.register("project.completed", _("Project completed"), resource="project")
        notify.register_topic("project.member_added", _("I am added to a project"))
        recycle.register("projects.Project", resource="project", label=_("projects"))
        registry.register("project", Project, Project.get_absolute_url)
        nav.register(
            nav.NavItem(
                pgettext_lazy("nav section", "Work"),
                _("Projects"),
                "projects:list",
                "bi-kanban",
                order=66,
                resource="project",
            )
        )
