from typing import Any

from django.apps import AppConfig
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

POOLS_MEMO_KEY = "pool_ids"


def pool_ids_for(actor: Any) -> frozenset[int]:
    """Pools the actor belongs to: named members, or people in a member team or below it."""
    from .models import Pool, PoolMember

    def compute() -> frozenset[int]:
        if actor.id is None:
            return frozenset()
        named = PoolMember.objects.filter(user_id=actor.id, pool=OuterRef("pk"))
        by_team = Pool.teams.through.objects.filter(
            pool=OuterRef("pk"), team_id__in=sorted(actor.lineage_team_ids)
        )
        return frozenset(
            Pool.objects.filter(is_active=True)
            .filter(Exists(named) | Exists(by_team))
            .values_list("pk", flat=True)
        )

    result: frozenset[int] = actor.memo(POOLS_MEMO_KEY, compute)
    return result


def _pools_sql(qn: Any) -> str:
    """``pool_ids_for`` as SQL for ``actor_facts``: the active pools naming the person, or naming
    a team at or above one of their live teams (its id is in the team's path)."""
    from tandem.core.actor_facts import at_or_above_mine

    from .models import Pool, PoolMember

    pool, member = qn(Pool._meta.db_table), qn(PoolMember._meta.db_table)
    teams = qn(Pool.teams.through._meta.db_table)
    return (
        f"SELECT p.id AS v FROM {pool} p WHERE p.is_active AND ("  # noqa: S608 (models' own table names)
        f"EXISTS (SELECT 1 FROM {member} pm WHERE pm.pool_id = p.id AND pm.user_id = %(user)s)"
        f" OR EXISTS (SELECT 1 FROM {teams} pt WHERE pt.pool_id = p.id AND {at_or_above_mine('pt.team_id')}))"
    )


def _pool_visibility(actor: Any, action: str, scope: str) -> Q | None:
    """Pool members see (only see) the unowned customers of their pools."""
    if action != "view":
        return None
    pools = pool_ids_for(actor)
    if not pools:
        return None
    return Q(owner__isnull=True, pool_id__in=sorted(pools))


def _transfer_pools(actor: Any) -> Any:
    from .pools import transfer_pools

    return transfer_pools(actor)


def _return_to_pool(**kwargs: Any) -> int:
    from .pools import accounts_return_to_pool

    return accounts_return_to_pool(**kwargs)


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tandem.core.migrating import fully_migrated

    from .dedupe import ensure_default_rules
    from .models import AccountLevel

    if not fully_migrated(sender.label, using):
        return
    ensure_default_rules()
    if not AccountLevel.objects.exists():
        for order, (code, name) in enumerate([("A", "A"), ("B", "B"), ("C", "C")]):
            AccountLevel.objects.create(code=code, name=name, order=order)


class CustomersConfig(AppConfig):
    name = "tandem.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tandem.core import access, actor_facts, nav, notify, recycle, transfer

        post_migrate.connect(_ensure_defaults, sender=self)

        # Register the Celery tasks now: the embedded scheduler (no worker, so no autodiscovery)
        # looks them up by name in settings.CELERY_BEAT_SCHEDULE.
        from . import tasks  # noqa: F401

        access.register_resource(access.Resource("account", _("accounts")))
        access.register_resource(access.Resource("contact", _("contacts")))
        access.register_resource(
            access.Resource(
                "pool",
                _("public pools"),
                owner_field=None,
                team_field=None,
                scope_q=lambda a, s: Q(pk__in=sorted(pool_ids_for(a))),
            )
        )
        access.register_visibility_extension("account", _pool_visibility)
        actor_facts.register(
            actor_facts.Fact(POOLS_MEMO_KEY, _pools_sql, lambda values: frozenset(int(v) for v in values))
        )
        accounts_counted = ngettext_lazy("%(n)d account", "%(n)d accounts", "n")
        contacts_counted = ngettext_lazy("%(n)d contact", "%(n)d contacts", "n")
        transfer.register(
            "customers.Account",
            field="owner",
            label=_("accounts"),
            team_field="team",
            resource="account",
            counted=accounts_counted,
        )
        transfer.register(
            "customers.Contact",
            field="owner",
            label=_("contacts"),
            team_field="team",
            resource="contact",
            counted=contacts_counted,
        )
        transfer.register_pool_return("customers.Account.owner", pools=_transfer_pools, send=_return_to_pool)
        notify.register_kind(
            "account", noun=_("account"), counted=accounts_counted, list_url="customers:account-list"
        )
        notify.register_kind(
            "contact", noun=_("contact"), counted=contacts_counted, list_url="customers:contact-list"
        )
        # Events for webhooks and team robots (issue 14), emitted by customers/services.py.
        from tandem.core import events

        events.register("account.created", _("Account created"), resource="account")
        events.register("account.updated", _("Account updated"), resource="account")
        events.register("account.deleted", _("Account deleted"), resource="account")
        events.register("contact.created", _("Contact created"), resource="contact")
        events.register("contact.updated", _("Contact updated"), resource="contact")
        events.register("contact.deleted", _("Contact deleted"), resource="contact")
        from . import related
        from .models import Contact

        related.register(
            "contact", lambda account, owner: Contact.objects.filter(account=account, owner=owner)
        )
        recycle.register("customers.Account", resource="account", label=_("accounts"))
        recycle.register("customers.Contact", resource="contact", label=_("contacts"))

        crm = _("Customers")
        nav.register(
            nav.NavItem(
                crm, _("Accounts"), "customers:account-list", "bi-building", order=110, resource="account"
            )
        )
        nav.register(
            nav.NavItem(
                crm,
                _("Contacts"),
                "customers:contact-list",
                "bi-person-lines-fill",
                order=120,
                resource="contact",
            )
        )
        nav.register(
            nav.NavItem(
                crm, _("Public pool"), "customers:pool-list", "bi-water", order=150, resource="account"
            )
        )
        nav.register(
            nav.NavItem(
                _("Administration"),
                _("Account levels"),
                "customers:account-level-list",
                "bi-bar-chart-steps",
                order=945,
                admin_only=True,
            )
        )
        nav.register(
            nav.NavItem(
                crm,
                _("Duplicates"),
                "customers:duplicates",
                "bi-intersect",
                order=170,
                resource="account",
                action="edit",
            )
        )
