from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tandem.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from tandem.core import events, nav, notify

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import services, tasks  # noqa: F401

        notify.set_dispatcher(services.dispatch)
        events.listen(services.on_event)

        # The kinds of notification that exist before issue 14 (grep ``kind=``), and mentions.
        for kind, label in (
            ("account_assigned", _("An account is given to you")),
            ("account_reassigned", _("Your account is given to someone else")),
            ("contact_assigned", _("A contact is given to you")),
            ("contact_reassigned", _("Your contact is given to someone else")),
            ("lead_assigned", _("A lead is given to you")),
            ("lead_reassigned", _("Your lead is given to someone else")),
            ("deal_assigned", _("A deal is given to you")),
            ("deal_reassigned", _("Your deal is given to someone else")),
            ("transfer_received", _("Records transferred to you")),
            ("transfer_handed_over", _("Your records handed over")),
            ("account_reclaimed", _("An account returned to the public pool")),
            ("account_reclaim_soon", _("An account returns to the pool soon")),
            ("follow_up_due", _("A follow-up is due")),
            ("insights_digest", _("The daily insight digest")),
            ("mention", _("Someone @mentions you")),
        ):
            if kind not in notify.TOPICS:
                notify.register_topic(kind, label)

        admin = _("Administration")
        nav.register(
            nav.NavItem(
                admin, _("Webhooks"), "notifications:webhooks", "bi-broadcast", order=940, admin_only=True
            )
        )
