from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "tandem.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from tandem.core import nav

        # Register the Celery tasks now: the embedded scheduler (no worker, so no autodiscovery)
        # runs the stale-import sweep by name.
        from . import tasks  # noqa: F401

        nav.register(
            nav.NavItem(
                _("Customers"),
                _("Import"),
                "imports:job-list",
                "bi-upload",
                order=180,
                resource="account",
                action="import",
            )
        )
