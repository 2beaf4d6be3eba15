from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    from . import totals
    from .services import ensure_default_pipeline

    if fully_migrated(sender.label, using):
        ensure_default_pipeline()
        totals.ensure_triggers(connections[using])


class DealsConfig(AppConfig):
    name = "tandem.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from django.db.models import Q
        from django.db.models.signals import post_migrate

        from tandem.core import access, nav, notify, recycle, transfer

        # Register the Celery tasks now: the embedded scheduler (no worker, so no autodiscovery)
        # looks them up by name.
        from . import tasks  # noqa: F401

        post_migrate.connect(_ensure_defaults, sender=self)
        access.register_resource(access.Resource("deal", _("deals")))
        access.register_resource(
            access.Resource(
                "product", _("products"), owner_field=None, team_field=None, scope_q=lambda a, s: Q()
            )
        )
        deals_counted = ngettext_lazy("%(n)d deal", "%(n)d deals", "n")
        transfer.register(
            "deals.Deal",
            field="owner",
            label=_("deals"),
            team_field="team",
            resource="deal",
            counted=deals_counted,
        )
        notify.register_kind("deal", noun=_("deal"), counted=deals_counted, list_url="deals:deal-list")
        # Events for webhooks and team robots (issue 14), emitted by deals/services.py.
        from tandem.core import events

        events.register("deal.created", _("Deal created"), resource="deal")
        events.register("deal.updated", _("Deal updated"), resource="deal")
        events.register("deal.deleted", _("Deal deleted"), resource="deal")
        events.register("deal.moved", _("Deal moved to another stage"), resource="deal")
        events.register("deal.won", _("Deal won"), resource="deal")
        events.register("deal.lost", _("Deal lost"), resource="deal")
        from tandem.customers import related

        from .models import Deal, DealStatus

        # Reassigning an account takes the previous owner's open deals on it along.
        related.register(
            "deal",
            lambda account, owner: Deal.objects.filter(account=account, owner=owner, status=DealStatus.OPEN),
        )
        recycle.register("deals.Deal", resource="deal", label=_("deals"))
        recycle.register("deals.Product", resource="product", label=_("products"))

        crm = _("Customers")
        nav.register(
            nav.NavItem(crm, _("Deals"), "deals:deal-list", "bi-briefcase-fill", order=130, resource="deal")
        )
        nav.register(
            nav.NavItem(crm, _("Pipeline board"), "deals:board", "bi-kanban", order=135, resource="deal")
        )
        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Lost reasons"),
                "deals:lost-reason-list",
                "bi-x-octagon",
                order=940,
                resource="deal",
                action="manage",
            )
        )
        nav.register(
            nav.NavItem(
                crm, _("Products"), "deals:product-list", "bi-box-seam", order=160, resource="product"
            )
        )
