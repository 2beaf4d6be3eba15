from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "tandem.targets"
    label = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        from tandem.core import access, nav

        from . import policies, wiring

        access.register_resource(access.Resource("target", _("targets"), scope_q=policies.target_scope_q))
        nav.register(
            nav.NavItem(_("Sales"), _("Targets"), "targets:mine", "bi-bullseye", order=165, resource="target")
        )
        # Remaining targets for analytics' coverage; "behind pace" and "low coverage" insights.
        wiring.register()
