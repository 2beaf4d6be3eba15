from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "tandem.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from tandem.core import nav

        nav.register(
            nav.NavItem(
                _("Sales"),
                _("Analytics"),
                "analytics:index",
                "bi-bar-chart-line",
                order=140,
                resource="deal",
            )
        )
