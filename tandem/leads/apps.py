from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "tandem.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from tandem.core import access, nav, recycle, transfer

        access.register_resource(access.Resource("lead", _("leads")))
        transfer.register("leads.Lead", field="owner", label=_("leads"), team_field="team")
        recycle.register("leads.Lead", resource="lead", label=_("leads"))
        nav.register(
            nav.NavItem(
                _("Customers"), _("Leads"), "leads:lead-list", "bi-funnel", order=100, resource="lead"
            )
        )
