"""Adding a mentioned person to a record's team (相关团队) — the one place that calls record teams.

Record teams (``tandem.recordteams``) are built beside this app; until they are merged this
answers that the record has no team to add to.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MENTION_ROLE = "co_seller"


def add_reader(*, actor: Any, record: Any, user: Any) -> None:
    """Give ``user`` read access to ``record`` through its record team (role co-seller)."""
    try:
        from tandem.recordteams import services as recordteams
    except ImportError:
        raise ValidationError(
            {"user": [_("Record teams are not available, so nobody can be added.")]}, code="unavailable"
        ) from None
    recordteams.member_add(actor=actor, record=record, user=user, role=MENTION_ROLE, access="read")
