"""Global search (全局搜索): accounts, contacts, leads and deals the person may see.

Every kind starts from ``access.visible`` and is bounded (``PER_KIND`` rows, newest first), so a
search costs one query per kind however large the tables are. Phone numbers are matched by their
digits (``customers.filters.search``: ``(021) 6234-5678`` finds ``+862162345678``), except where
the reader sees them masked (a pool customer): those are shown masked and not matched by phone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.phones import format_phone
from tandem.customers.filters import search
from tandem.customers.models import Account, Contact
from tandem.customers.serializers import is_masked, mask_phone, unmasked_q, with_edit_flag
from tandem.deals.models import Deal
from tandem.leads.models import Lead

PER_KIND = 10
MAX_QUERY = 100

DETAIL_URLS = {
    "account": "customers:account-detail",
    "contact": "customers:contact-detail",
    "lead": "leads:lead-detail",
    "deal": "deals:deal-detail",
}


def record_url(record_type: str, pk: int | None) -> str:
    """The record page's address, or "" when there is none (yet) or no record."""
    name = DETAIL_URLS.get(record_type)
    if pk is None or name is None:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    icon: str
    queryset: Callable[[Actor], QuerySet[Any]]
    text_fields: tuple[str, ...]
    phone_fields: tuple[str, ...]
    subtitle: Callable[[Any], str]
    # The rows whose phones the actor sees in full; only these match by phone (None: all rows).
    revealed: Callable[[Actor], Q] | None = None


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p)


def _account_phone(account: Account) -> str:
    """As the account's page shows it: masked for a pool customer the reader may not edit."""
    return mask_phone(account.phone) if is_masked(account, {}) else format_phone(account.phone)


KINDS: list[Kind] = [
    Kind(
        "account",
        _("Accounts"),
        "bi-building",
        lambda actor: with_edit_flag(actor, Account.objects.select_related("owner"), "account"),
        ("name",),
        ("phone",),
        lambda a: _join(a.city, _account_phone(a), a.owner.display_name if a.owner_id else ""),
        revealed=unmasked_q,
    ),
    Kind(
        "contact",
        _("Contacts"),
        "bi-person",
        lambda _actor: Contact.objects.select_related("account"),
        ("name", "email"),
        ("mobile", "phone"),
        lambda c: _join(c.account.name if c.account_id else "", format_phone(c.mobile or c.phone), c.email),
    ),
    Kind(
        "lead",
        _("Leads"),
        "bi-funnel",
        lambda _actor: Lead.objects.all(),
        ("name", "company"),
        ("mobile", "phone"),
        lambda lead: _join(lead.company, format_phone(lead.mobile or lead.phone), lead.get_status_display()),
    ),
    Kind(
        "deal",
        _("Deals"),
        "bi-briefcase",
        lambda _actor: Deal.objects.select_related("account", "stage"),
        ("name",),
        (),
        lambda d: _join(d.account.name if d.account_id else "", d.stage.display_name),
    ),
]


@dataclass
class Group:
    key: str
    label: str | Promise
    icon: str
    results: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False


def _title(obj: Model) -> str:
    return str(getattr(obj, "name", obj))


def global_search(
    *, actor: Actor, q: str, kinds: list[str] | None = None, per_kind: int = PER_KIND
) -> list[Group]:
    """Matches per kind the actor may see (kinds they may not view are left out), best-bounded."""
    q = (q or "").strip()[:MAX_QUERY]
    groups: list[Group] = []
    if not q:
        return groups
    for kind in KINDS:
        if kinds and kind.key not in kinds:
            continue
        if not actor.has(kind.key):
            continue
        qs = access.visible(actor, kind.key, kind.queryset(actor))
        revealed = kind.revealed(actor) if kind.revealed is not None else None
        found = search(qs, q, kind.text_fields, kind.phone_fields, revealed=revealed)
        rows = list(found.order_by("-id")[: per_kind + 1])
        group = Group(kind.key, kind.label, kind.icon, more=len(rows) > per_kind)
        for obj in rows[:per_kind]:
            group.results.append(
                {
                    "type": kind.key,
                    "id": obj.pk,
                    "title": _title(obj),
                    "subtitle": kind.subtitle(obj),
                    "url": record_url(kind.key, obj.pk),
                    "icon": kind.icon,
                }
            )
        groups.append(group)
    return groups
