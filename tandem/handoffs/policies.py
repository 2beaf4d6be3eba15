"""Who sees which handoffs, and the recipients' read-only view of the record while one is pending.

Both plug into the one access policy (``tandem.core.access``) from ``HandoffsConfig.ready``:
the ``handoff`` resource's scope rule, and a grant by record (view only) on accounts and deals —
a grant, not a visibility extension, so that a recipient whose roles give no scope on deals
(technical support) still reads the deal, and so that everyone with no pending handoff keeps the
board's and the figures' pre-aggregated path (``access.visible_summary``).
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


MEMO_KEY = "handoffs.pending_to_me"


def _mine(actor: Actor) -> Q:
    mine = Q(recipient_id=actor.id)
    if actor.team_ids:
        mine |= Q(recipient_team_id__in=sorted(actor.team_ids), recipient__isnull=True)
    return mine


def _any_pending(actor: Actor) -> bool:
    """Is a handoff waiting for the actor (or a team of theirs)? One indexed EXISTS a request."""
    from .models import Handoff, HandoffStatus

    def compute() -> bool:
        return Handoff.objects.filter(_mine(actor), status=HandoffStatus.PENDING).exists()

    found: bool = actor.memo(MEMO_KEY, compute)
    return found


def _pending_to(actor: Actor, action: str, field: str) -> Q | None:
    from .models import Handoff, HandoffStatus

    if action != "view" or actor.id is None or not _any_pending(actor):
        return None
    pending = Handoff.objects.filter(
        _mine(actor), status=HandoffStatus.PENDING, **{f"{field}__isnull": False}
    )
    return Q(pk__in=pending.values(field))


def recipient_can_view_deal(actor: Actor, action: str) -> Q | None:
    """The recipient of a pending handoff (or a member of the team it was sent to) may read the
    deal until it is decided: never change it."""
    return _pending_to(actor, action, "deal_id")


def recipient_can_view_account(actor: Actor, action: str) -> Q | None:
    return _pending_to(actor, action, "account_id")


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource("handoff", _("handoffs"), owner_field=None, team_field=None, scope_q=handoff_scope)
    )
    access.register_record_grant("deal", recipient_can_view_deal)
    access.register_record_grant("account", recipient_can_view_account)
