from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingsConfig(AppConfig):
    name = "tandem.meetings"
    label = "meetings"
    verbose_name = _("Team meetings")

    def ready(self) -> None:
        from tandem.core import events, nav, notify
        from tandem.discussions import registry

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import policies, tasks  # noqa: F401
        from .models import Meeting

        policies.register()
        events.register("meeting.scheduled", _("Meeting scheduled"), resource="meeting")
        events.register("meeting.held", _("Meeting held"), resource="meeting")
        events.register("meeting.cancelled", _("Meeting cancelled"), resource="meeting")
        notify.register_topic("meeting.action_item", _("I am given an action item in a meeting"))
        notify.register_topic("meeting.minutes", _("The minutes of a meeting I attend"))
        registry.register("meeting", Meeting, Meeting.get_absolute_url)
        nav.register(
            nav.NavItem(
                pgettext_lazy("nav section", "Work"),
                _("Team meetings"),
                "meetings:list",
                "bi-people",
                order=64,
                resource="meeting",
            )
        )
