"""Adding a mentioned person to a record's team (相关团队): the one place that calls record teams."""

from __future__ import annotations

from typing import Any

from tandem.core.access import Actor
from tandem.recordteams import services as recordteams

MENTION_ROLE = "co_seller"


def add_reader(*, actor: Actor, record: Any, user: Any) -> None:
    """Give ``user`` read access to ``record`` through its record team, as a co-seller (协同销售)."""
    recordteams.member_add(actor=actor, record=record, user=user, role=MENTION_ROLE, access="read")
