from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffsConfig(AppConfig):
    name = "tandem.handoffs"
    label = "handoffs"
    verbose_name = _("Handoffs")

    def ready(self) -> None:
        from tandem.core import events, nav, notify

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import policies, tasks  # noqa: F401

        policies.register()
        for code, label in (
            ("handoff.sent", _("Handoff sent")),
            ("handoff.accepted", _("Handoff accepted")),
            ("handoff.rejected", _("Handoff rejected")),
            ("handoff.cancelled", _("Handoff cancelled")),
            ("handoff.overdue", _("Handoff overdue")),
        ):
            events.register(code, label, resource="handoff")
        notify.register_topic("handoff.received", _("A handoff is sent to me"))
        notify.register_topic("handoff.accepted", _("My handoff is accepted"))
        notify.register_topic("handoff.rejected", _("My handoff is rejected"))
        notify.register_topic("handoff.overdue", _("A handoff is overdue"))
        crm = _("Customers")
        nav.register(
            nav.NavItem(
                crm, _("Handoffs"), "handoffs:list", "bi-arrow-left-right", order=170, resource="handoff"
            )
        )
        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Handoff templates"),
                "handoffs:template-list",
                "bi-card-checklist",
                order=945,
                admin_only=True,
            )
        )
