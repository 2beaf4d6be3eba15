from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "tandem.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from tandem.core import nav

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import rules, tasks  # noqa: F401

        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Insight thresholds"),
                "insights:settings",
                "bi-lightbulb",
                order=935,
                admin_only=True,
            )
        )
