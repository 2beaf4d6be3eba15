"""How record team membership gives access, as grants by record (``access.register_record_grant``).

A member sees the record and the records beneath it: an account member its contacts, its deals
and the follow-ups on them; a deal member the deal and its follow-ups. ``edit`` access also lets
them change the account, its contacts and deals; follow-ups stay their authors' (view only).
Each grant is ``pk__in`` (or ``account_id__in`` …) over an indexed subquery of the actor's active
memberships — never ids loaded into Python — and None for an actor on no record team (one
indexed EXISTS per request, memoised on the actor), so their SQL stays the scope rule's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from . import models
from .models import Access, RecordMember, active_q

MEMO_KEY = "record_teams.any"


def on_any_team(actor: Any) -> bool:
    """Is the actor an active member of any record team? One indexed EXISTS, once per actor."""
    if actor.id is None:
        return False

    def compute() -> bool:
        return RecordMember.objects.filter(user_id=actor.id).filter(active_q()).exists()

    found: bool = actor.memo(MEMO_KEY, compute)
    return found


def _any_team_sql(qn: Any) -> str:
    """``on_any_team`` as SQL for ``actor_facts``."""
    table = qn(RecordMember._meta.db_table)
    return (
        f"SELECT 1 AS v WHERE EXISTS (SELECT 1 FROM {table} WHERE user_id = %(user)s"  # noqa: S608 (models' own table names)
        f" AND (until IS NULL OR until >= %(record_teams_today)s))"
    )


def forget(actor: Any) -> None:
    """Drop the memo (after the actor's own memberships changed within one request)."""
    actor.forget(MEMO_KEY)


def member_record_ids(actor: Any, model: str, action: str) -> QuerySet[Any, Any]:
    """The ids of the ``model`` ("customers.account") records the actor is an active member of,
    with access enough for ``action``, as a subquery."""
    app_label, model_name = model.split(".")
    ct = ContentType.objects.get_by_natural_key(app_label, model_name)
    members = RecordMember.objects.filter(user_id=actor.id, content_type_id=ct.pk).filter(active_q())
    if action == "edit":
        members = members.filter(access=Access.EDIT)
    return members.values("object_id")


def _gate(actor: Any, action: str) -> bool:
    return action in ("view", "edit") and on_any_team(actor)


def account_grant(actor: Any, action: str) -> Q | None:
    if not _gate(actor, action):
        return None
    return Q(pk__in=member_record_ids(actor, "customers.account", action))


def contact_grant(actor: Any, action: str) -> Q | None:
    if not _gate(actor, action):
        return None
    return Q(account_id__in=member_record_ids(actor, "customers.account", action))


def deal_grant(actor: Any, action: str) -> Q | None:
    if not _gate(actor, action):
        return None
    return Q(pk__in=member_record_ids(actor, "deals.deal", action)) | Q(
        account_id__in=member_record_ids(actor, "customers.account", action)
    )


def activity_grant(actor: Any, action: str) -> Q | None:
    if action != "view" or not _gate(actor, action):
        return None
    return Q(deal_id__in=member_record_ids(actor, "deals.deal", action)) | Q(
        account_id__in=member_record_ids(actor, "customers.account", action)
    )


def register() -> None:
    from tandem.core import access, actor_facts

    actor_facts.register(
        actor_facts.Fact(MEMO_KEY, _any_team_sql, bool, params=lambda: {"record_teams_today": models.today()})
    )
    access.register_record_grant("account", account_grant)
    access.register_record_grant("contact", contact_grant)
    access.register_record_grant("deal", deal_grant)
    access.register_record_grant("activity", activity_grant)
