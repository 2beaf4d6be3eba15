"""Who sees which handoffs, and the recipients' read-only view of the record while one is pending.

Both plug into the one access policy (``tandem.core.access``) from ``HandoffsConfig.ready``:
the ``handoff`` resource's scope rule, and a visibility extension on accounts and deals.
"""

from __future__ import annotations

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


def _pending_to(actor: Actor, field: str) -> Q | None:
    from .models import Handoff, HandoffStatus

    if actor.id is None:
        return None
    mine = Q(recipient_id=actor.id)
    if actor.team_ids:
        mine |= Q(recipient_team_id__in=sorted(actor.team_ids), recipient__isnull=True)
    pending = Handoff.objects.filter(mine, status=HandoffStatus.PENDING, **{field: OuterRef("pk")})
    return Q(Exists(pending))


def recipient_can_view_deal(actor: Actor, action: str, scope: str) -> Q | None:
    """The recipient of a pending handoff (or a member of the team it was sent to) may read the
    deal until it is decided: never change it."""
    return _pending_to(actor, "deal_id") if action == "view" else None


def recipient_can_view_account(actor: Actor, action: str, scope: str) -> Q | None:
    return _pending_to(actor, "account_id") if action == "view" else None


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource("handoff", _("handoffs"), owner_field=None, team_field=None, scope_q=handoff_scope)
    )
    access.register_visibility_extension("deal", recipient_can_view_deal)
    access.register_visibility_extension("account", recipient_can_view_account)
