"""Who sees an approval: its submitter and the people asked to decide it (any step, any round),
and administrators. Registered with the access policy as the ``approval`` resource."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from tandem.core.access import Actor


def approval_scope_q(actor: Actor, scope: str) -> Q:
    from .models import ApprovalTask

    if actor.id is None:
        return Q(pk__in=[])
    return Q(submitter_id=actor.id) | Q(
        Exists(ApprovalTask.objects.filter(request=OuterRef("pk"), user_id=actor.id))
    )
