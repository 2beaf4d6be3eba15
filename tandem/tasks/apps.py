from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TasksConfig(AppConfig):
    name = "tandem.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from tandem.core import events, nav, notify, recycle
        from tandem.discussions import registry

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import policies, tasks  # noqa: F401
        from .models import Task

        policies.register()
        # Deleted tasks wait in the recycle bin (restored or purged there).
        recycle.register("tasks.Task", resource="task", label=_("tasks"))
        events.register("task.created", _("Task created"), resource="task")
        events.register("task.completed", _("Task completed"), resource="task")
        notify.register_topic("task.assigned", _("A task is given to me"))
        notify.register_topic("task.reminder", _("A task of mine is coming due"))
        notify.register_topic("task.completed", _("A task I gave is completed"))
        # Comments on tasks: the discussions UI and API serve them like a deal's.
        registry.register("task", Task, Task.get_absolute_url)
        nav.register(
            nav.NavItem(
                pgettext_lazy("nav section", "Work"),
                _("Tasks"),
                "tasks:list",
                "bi-check2-circle",
                order=60,
                resource="task",
            )
        )
