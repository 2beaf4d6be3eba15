from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _ensure_builtin_kpis(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    from .services import kpi_sync_builtin

    if fully_migrated(sender.label, using):
        kpi_sync_builtin()


class KpisConfig(AppConfig):
    name = "tandem.kpis"
    label = "kpis"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tandem.core import nav

        post_migrate.connect(_ensure_builtin_kpis, sender=self)
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
