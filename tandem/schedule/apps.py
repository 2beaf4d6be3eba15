from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScheduleConfig(AppConfig):
    name = "tandem.schedule"
    label = "schedule"
    verbose_name = _("Calendar")

    def ready(self) -> None:
        from . import policies

        policies.register()
