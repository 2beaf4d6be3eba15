from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisitsConfig(AppConfig):
    name = "tandem.visits"
    label = "visits"
    verbose_name = _("Field visits")

    def ready(self) -> None:
        from tandem.core import events, nav, notify

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import policies, tasks  # noqa: F401

        policies.register()
        events.register("checkin.completed", _("Field visit completed"), resource="checkin")
        notify.register_topic("checkin.completed", _("A person I manage finishes a field visit"))
        nav.register(
            nav.NavItem(
                pgettext_lazy("nav section", "Work"),
                _("Field visits"),
                "visits:checkin",
                "bi-geo-alt",
                order=65,
                resource="checkin",
            )
        )
