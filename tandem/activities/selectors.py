"""Reading follow-ups."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.core import access
from tandem.core.access import Actor

from .models import Activity


def on_record(actor: Actor, follow_ups: QuerySet[Activity], *, masked: bool = False) -> QuerySet[Activity]:
    """The follow-ups on one record the caller has already found visible, for its timeline.

    Every one of them, whoever logged it: a record's timeline belongs to the record, so the owner
    of an account sees what a colleague from support or another team logged on it. Someone who may
    not read follow-ups at all sees none; on a masked pool customer the policy's own scope applies
    (notes can hold the numbers the mask hides). Lists of follow-ups keep the policy's scope.
    """
    if masked:
        return access.visible(actor, "activity", follow_ups)
    if not actor.has("activity", "view"):
        return follow_ups.none()
    return follow_ups
