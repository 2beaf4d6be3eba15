from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


def _ensure_builtin_roles(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    from .services import role_sync_builtin

    if fully_migrated(sender.label, using):
        role_sync_builtin()


class OrgConfig(AppConfig):
    name = "tandem.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from tandem.core import nav, recycle, transfer

        transfer.register(
            "org.Team",
            field="leader",
            label=_("teams led"),
            counted=ngettext_lazy("%(n)d team to lead", "%(n)d teams to lead", "n"),
            structural=True,
        )
        transfer.register(
            "org.User",
            field="manager",
            label=_("direct reports"),
            counted=ngettext_lazy("%(n)d direct report", "%(n)d direct reports", "n"),
            structural=True,
        )
        recycle.register("org.Team", resource="team", label=_("teams"))
        recycle.register("org.Position", resource="position", label=_("positions"))

        org = _("Organisation")
        admin = _("Administration")
        nav.register(
            nav.NavItem(org, _("Org chart"), "org:chart", "bi-diagram-3", order=200, resource="team")
        )
        nav.register(nav.NavItem(org, _("People"), "org:people", "bi-people", order=210, resource="user"))
        nav.register(
            nav.NavItem(org, _("Positions"), "org:positions", "bi-briefcase", order=220, resource="position")
        )
        nav.register(
            nav.NavItem(admin, _("Roles"), "org:roles", "bi-shield-lock", order=900, admin_only=True)
        )
        nav.register(
            nav.NavItem(
                admin, _("Transfers"), "org:transfers", "bi-arrow-left-right", order=910, admin_only=True
            )
        )
        post_migrate.connect(_ensure_builtin_roles, sender=self)
