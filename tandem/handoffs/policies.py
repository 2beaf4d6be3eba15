"""Who sees which handoffs, and the recipients' read-only view of the record while one is pending.

Both plug into the one access policy (``tandem.core.access``) from ``HandoffsConfig.ready``:
the ``handoff`` resource's scope rule, and grants by record (view only) on accounts and deals.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import ALL, OWN, TEAM, Actor


def handoff_scope(actor: Actor, scope: str) -> Q:
    """own: the handoffs one sent, received, or sent to one of one's teams; team and subtree: also
    those whose sender or recipient belongs to those teams (a manager follows their people's);
    all: every handoff."""
    from tandem.org.models import Membership

    if scope == ALL:
        return Q()
    me = actor.id or 0
    q = Q(sender_id=me) | Q(recipient_id=me)
    if actor.team_ids:
        q |= Q(recipient_team_id__in=sorted(actor.team_ids))
    if scope == OWN:
        return q
    team_ids = sorted(actor.team_ids if scope == TEAM else actor.subtree_team_ids)
    if not team_ids:
        return q
    members = Membership.objects.filter(team_id__in=team_ids)
    return (
        q
        | Q(recipient_team_id__in=team_ids)
        | Q(Exists(members.filter(user_id=OuterRef("sender_id"))))
        | Q(Exists(members.filter(user_id=OuterRef("recipient_id"))))
    )


MEMO_KEY = "handoffs.pending_to_me"


def _mine(actor: Actor) -> Q:
    mine = Q(recipient_id=actor.id)
    if actor.team_ids:
        mine |= Q(recipient_team_id__in=sorted(actor.team_ids), recipient__isnull=True)
    return mine


def awaits_me(actor: Actor) -> bool:
    """Is a handoff pending for the actor (or, not yet picked up, for one of their teams)? One
    indexed EXISTS, memoised on the actor: for everyone else the record grants answer None, so
    their SQL and the board's summary path stay as they were."""
    from .models import Handoff, HandoffStatus

    if actor.id is None:
        return False
    found: bool = actor.memo(
        MEMO_KEY, lambda: Handoff.objects.filter(_mine(actor), status=HandoffStatus.PENDING).exists()
    )
    return found


def _awaits_me_sql(qn: Any) -> str:
    """``awaits_me`` as SQL for ``actor_facts``."""
    from .models import Handoff

    table = qn(Handoff._meta.db_table)
    return (
        f"SELECT 1 AS v WHERE EXISTS (SELECT 1 FROM {table} h WHERE h.status = %(handoff_pending)s"  # noqa: S608 (models' own table names)
        " AND (h.recipient_id = %(user)s"
        " OR (h.recipient_id IS NULL AND h.recipient_team_id IN (SELECT id FROM tandem_mine))))"
    )


def forget(actor: Actor) -> None:
    """Drop the memo (after a handoff to the actor or their teams changed within one request)."""
    actor.forget(MEMO_KEY)


def _pending_ids(actor: Actor, field: str) -> Any:
    from .models import Handoff, HandoffStatus

    return Handoff.objects.filter(
        _mine(actor), status=HandoffStatus.PENDING, **{f"{field}__isnull": False}
    ).values(field)


def recipient_can_view_deal(actor: Actor, action: str) -> Q | None:
    """The recipient of a pending handoff (or a member of the team it was sent to, before anyone
    picked it up) may read the deal until it is decided: never change it."""
    if action != "view" or not awaits_me(actor):
        return None
    return Q(pk__in=_pending_ids(actor, "deal_id"))


def recipient_can_view_account(actor: Actor, action: str) -> Q | None:
    if action != "view" or not awaits_me(actor):
        return None
    return Q(pk__in=_pending_ids(actor, "account_id"))


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from tandem.core import actor_facts

    from .models import HandoffStatus

    actor_facts.register(
        actor_facts.Fact(
            MEMO_KEY, _awaits_me_sql, bool, params=lambda: {"handoff_pending": HandoffStatus.PENDING.value}
        )
    )
    access.register_resource(
        access.Resource("handoff", _("handoffs"), owner_field=None, team_field=None, scope_q=handoff_scope)
    )
    # Grants by record (access.register_record_grant): they hold even for someone whose roles give
    # no scope on deals (technical support receiving a deal), and only for view.
    access.register_record_grant("deal", recipient_can_view_deal)
    access.register_record_grant("account", recipient_can_view_account)
