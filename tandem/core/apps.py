from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.backends.signals import connection_created

        from . import actor_facts, choices, listing, metrics, naming, nav, notify

        choices.install()
        actor_facts.register(
            actor_facts.Fact(
                notify.UNREAD_MEMO_KEY, notify.unread_sql, lambda values: int(values[0]) if values else 0
            )
        )
        actor_facts.register(
            actor_facts.Fact(listing.SAVED_VIEW_LISTS, listing.saved_view_lists_sql, frozenset)
        )

        request_started.connect(naming.forget_loaded, dispatch_uid="naming-forget-loaded")
        connection_created.connect(metrics.install_query_timer, dispatch_uid="metrics-query-timer")

        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Recycle bin"),
                "core:recycle-bin",
                "bi-trash",
                order=990,
                admin_only=True,
            )
        )
