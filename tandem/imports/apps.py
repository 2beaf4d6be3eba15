from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "tandem.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from tandem.core import export, nav

        # Register the Celery tasks now: the embedded scheduler looks them up by name.
        from . import exportjobs, tasks  # noqa: F401

        export.register_background(exportjobs.background)

        # Register the Celery tasks now: the embedded scheduler (no worker, so no autodiscovery)
        # runs the stale-import sweep by name.

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
