from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tandem.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from . import policies

        policies.register()
