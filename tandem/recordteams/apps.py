from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The built-in member roles: code, English name, Chinese name. Names are kept per language on
# the row (``names``), so "manager" reads 主管 here whatever other catalogues say of "Manager".
BUILTIN_ROLES = [
    ("owner", "Owner", "负责人"),
    ("co_seller", "Co-seller", "协同销售"),
    ("presales", "Pre-sales engineer", "售前工程师"),
    ("account_manager", "Account manager", "客户经理"),
    ("support", "Technical support", "技术支持"),
    ("manager", "Manager", "主管"),
]


def ensure_builtin_roles() -> None:
    from .models import MemberRole

    for order, (code, en, zh) in enumerate(BUILTIN_ROLES):
        MemberRole.objects.get_or_create(
            code=code,
            defaults={
                "name": en,
                "names": {"en": en, "zh-hans": zh},
                "order": order * 10,
                "is_builtin": True,
            },
        )


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    if fully_migrated(sender.label, using):
        ensure_builtin_roles()


class RecordTeamsConfig(AppConfig):
    name = "tandem.recordteams"
    label = "recordteams"
    verbose_name = _("Record teams")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tandem.core import events, nav, notify

        from . import grants, tasks  # noqa: F401  (tasks: the embedded scheduler finds them by name)

        post_migrate.connect(_ensure_defaults, sender=self)
        grants.register()
        events.register("record_team.changed", _("Record team changed"))
        notify.register_topic("record_team.added", _("Added to a record team"))
        notify.register_topic("record_team.removed", _("Removed from a record team"))
        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Member roles"),
                "recordteams:role-list",
                "bi-people",
                order=942,
                admin_only=True,
            )
        )
