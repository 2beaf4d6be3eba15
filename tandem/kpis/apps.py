from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    from . import summary
    from .services import kpi_sync_builtin

    if fully_migrated(sender.label, using):
        kpi_sync_builtin()
        summary.ensure_triggers(connections[using])


class KpisConfig(AppConfig):
    name = "tandem.kpis"
    label = "kpis"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tandem.core import nav

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import tasks  # noqa: F401

        post_migrate.connect(_ensure_defaults, sender=self)
        admin = _("Administration")
        nav.register(
            nav.NavItem(
                admin,
                _("Company settings"),
                "kpis:company-settings",
                "bi-building-gear",
                order=920,
                admin_only=True,
            )
        )
        nav.register(
            nav.NavItem(
                admin,
                _("Exchange rates"),
                "kpis:exchange-rates",
                "bi-currency-exchange",
                order=925,
                admin_only=True,
            )
        )
        nav.register(
            nav.NavItem(admin, _("KPIs"), "kpis:kpi-list", "bi-speedometer2", order=930, admin_only=True)
        )
