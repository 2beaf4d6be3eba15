from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ScheduleConfig(AppConfig):
    name = "tandem.schedule"
    label = "schedule"
    verbose_name = _("Calendar")

    def ready(self) -> None:
        from tandem.core import events, nav, notify

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import policies, tasks  # noqa: F401

        policies.register()
        for code, label in (
            ("event.created", _("Event created")),
            ("event.changed", _("Event changed")),
            ("event.cancelled", _("Event cancelled")),
        ):
            events.register(code, label, resource="event")
        notify.register_topic("event.invited", _("I am invited to an event"))
        notify.register_topic("event.response", _("Someone answers my invitation"))
        notify.register_topic("event.changed", _("An event I attend changes or is cancelled"))
        notify.register_topic("event.reminder", _("An event I attend starts soon"))
        work = pgettext_lazy("nav section", "Work")
        nav.register(
            nav.NavItem(work, _("Calendar"), "schedule:calendar", "bi-calendar3", order=61, resource="event")
        )
        nav.register(
            nav.NavItem(work, _("Team week"), "schedule:team", "bi-calendar-week", order=62, resource="event")
        )
        nav.register(
            nav.NavItem(
                work, _("Workload"), "schedule:workload", "bi-speedometer", order=63, resource="event"
            )
        )
