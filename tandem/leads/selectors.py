"""Reads about leads that are not a list: what converting a lead would meet."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.customers import dedupe
from tandem.customers.models import Account

from .models import Lead

SUGGESTED = 3


def _reason(match: dict[str, Any]) -> str:
    kinds = {
        "name": _("same name"),
        "fuzzy": _("similar name (%(score)d%%)") % {"score": match.get("score", 0)},
        "phone": _("same phone"),
        "email": _("same email"),
        "domain": _("same website domain"),
    }
    return str(kinds.get(match.get("kind", ""), match.get("kind", "")))


def existing_accounts_for(*, actor: Actor, lead: Lead) -> list[dict[str, Any]]:
    """Accounts the lead's company looks like (the duplicate rules, as an account would be checked
    on conversion), best first — only those the actor may link to (edit), at most ``SUGGESTED``.

    Each: ``account`` and ``reason`` (why it looks alike, in the reader's language).
    """
    values = {
        "name": (lead.company or lead.name).strip(),
        "phone": lead.phone or lead.mobile,
        "email": lead.email,
        "website": lead.website,
    }
    matches = [
        m
        for m in dedupe.find(actor=actor, record_type="account", values=values)
        if m["record_type"] == "account" and m.get("visible") and m.get("id")
    ]
    if not matches:
        return []
    accounts = access.visible(
        actor, "account", Account.objects.filter(pk__in=[m["id"] for m in matches])
    ).in_bulk()
    found = []
    for match in matches:
        account = accounts.get(match["id"])
        if account is not None and access.can(actor, "edit", "account", account):
            found.append({"account": account, "reason": _reason(match)})
        if len(found) == SUGGESTED:
            break
    return found
