from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "tandem.discussions"
    label = "discussions"
    verbose_name = _("Comments and announcements")

    def ready(self) -> None:
        from tandem.core import access
        from tandem.customers.models import Account, Contact
        from tandem.deals.models import Deal
        from tandem.leads.models import Lead

        from . import policies, registry, wiring

        registry.register("account", Account, Account.get_absolute_url, team_enabled=True)
        registry.register("contact", Contact, Contact.get_absolute_url)
        registry.register("lead", Lead, Lead.get_absolute_url)
        registry.register("deal", Deal, Deal.get_absolute_url, team_enabled=True)
        access.register_resource(
            access.Resource("announcement", _("announcements"), scope_q=policies.announcement_scope_q)
        )
        wiring.register()
