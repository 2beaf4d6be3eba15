from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class LeadsConfig(AppConfig):
    name = "tandem.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from tandem.core import access, nav, notify, recycle, transfer

        access.register_resource(access.Resource("lead", _("leads")))
        leads_counted = ngettext_lazy("%(n)d lead", "%(n)d leads", "n")
        transfer.register(
            "leads.Lead",
            field="owner",
            label=_("leads"),
            team_field="team",
            resource="lead",
            counted=leads_counted,
        )
        notify.register_kind("lead", noun=_("lead"), counted=leads_counted, list_url="leads:lead-list")
        # Events for webhooks and team robots (issue 14), emitted by leads/services.py.
        from tandem.core import events

        events.register("lead.created", _("Lead created"), resource="lead")
        events.register("lead.updated", _("Lead updated"), resource="lead")
        events.register("lead.deleted", _("Lead deleted"), resource="lead")
        events.register("lead.converted", _("Lead converted"), resource="lead")
        recycle.register("leads.Lead", resource="lead", label=_("leads"))
        nav.register(
            nav.NavItem(
                _("Customers"), _("Leads"), "leads:lead-list", "bi-funnel", order=100, resource="lead"
            )
        )
