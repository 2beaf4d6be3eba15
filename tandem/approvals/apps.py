from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "tandem.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from tandem.core import access, events, nav, notify

        # tasks: the embedded scheduler finds them by name.
        from . import deal_guards, policies, tasks  # noqa: F401

        access.register_resource(
            access.Resource(
                "approval",
                _("approvals"),
                scope_q=policies.approval_scope_q,
                actions=("view",),
                open_to_parties=True,
            )
        )
        deal_guards.register()
        for code, label in (
            ("approval.requested", _("Approval requested")),
            ("approval.approved", _("Approval approved")),
            ("approval.rejected", _("Approval rejected")),
            ("approval.returned", _("Approval returned for changes")),
            ("approval.cancelled", _("Approval cancelled")),
        ):
            events.register(code, label, resource="deal")
        notify.register_topic("approval.requested", _("Approval requested from you"))
        notify.register_topic("approval.decided", _("Your approval request decided"))
        notify.register_topic("approval.reminder", _("Approval waiting for you (reminder)"))
        nav.register(
            nav.NavItem(_("Customers"), _("Approvals"), "approvals:list", "bi-check2-square", order=140)
        )
        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Approval flows"),
                "approvals:flows",
                "bi-diagram-3",
                order=945,
                admin_only=True,
            )
        )
