from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "tandem.activities"
    label = "activities"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from tandem.core import access, nav, recycle

        # Register the Celery tasks now: the embedded scheduler (no worker, so no autodiscovery)
        # looks them up by name in settings.CELERY_BEAT_SCHEDULE.
        from . import tasks  # noqa: F401

        # The author owns a follow-up; authorship is history and is not transferred.
        access.register_resource(access.Resource("activity", _("follow-ups"), owner_field="author"))
        recycle.register("activities.Activity", resource="activity", label=_("follow-ups"))
        # My day sits before the lists: what is due, whatever the kind of record.
        nav.register(
            nav.NavItem(
                _("Customers"),
                _("My day"),
                "activities:my-day",
                "bi-calendar-check",
                order=95,
                resource="account",
            )
        )
        nav.register(
            nav.NavItem(
                _("Customers"),
                _("Follow-ups"),
                "activities:activity-list",
                "bi-chat-left-text",
                order=140,
                resource="activity",
            )
        )
