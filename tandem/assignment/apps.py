from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentConfig(AppConfig):
    name = "tandem.assignment"
    label = "assignment"
    verbose_name = _("Assignment rules")

    def ready(self) -> None:
        from tandem.core import nav

        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Assignment rules"),
                "assignment:rule-list",
                "bi-shuffle",
                order=930,
                admin_only=True,
            )
        )
