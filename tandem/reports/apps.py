from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    if fully_migrated(sender.label, using):
        from .defaults import ensure_builtin_templates

        ensure_builtin_templates()


class ReportsConfig(AppConfig):
    name = "tandem.reports"
    label = "reports"
    verbose_name = _("Work reports")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tandem.core import events, nav, notify
        from tandem.discussions import registry

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import policies, tasks  # noqa: F401
        from .models import Report

        policies.register()
        post_migrate.connect(_ensure_defaults, sender=self)
        events.register("report.submitted", _("Work report submitted"), resource="report")
        events.register("report.withdrawn", _("Work report withdrawn"), resource="report")
        notify.register_topic("report.submitted", _("A work report is sent to me"))
        notify.register_topic("report.reminder", _("My work report is due"))
        notify.register_topic("report.missing", _("A work report of my team is missing"))
        notify.register_topic("report.liked", _("Someone likes my work report"))
        registry.register("report", Report, Report.get_absolute_url)
        work = pgettext_lazy("nav section", "Work")
        nav.register(
            nav.NavItem(
                work, _("Work reports"), "reports:mine", "bi-journal-text", order=67, resource="report"
            )
        )
        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Report templates"),
                "reports:template-list",
                "bi-journal-richtext",
                order=947,
                admin_only=True,
            )
        )
