"""Which channels a kind of notification goes to, by default and by a person's choice.

Defaults: in the app, always; email for assignments, mentions, handoffs and approvals (and for
kinds no app has registered yet, so a new kind is never silently mailed to nobody); the daily
digest for none. A person's ``Preference`` row for a kind replaces the defaults for that kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tandem.core import notify

from .models import Preference

EMAIL_PREFIXES = ("handoff", "approval")
EMAIL_KINDS = {"mention"}
# Kinds that mail themselves already (the insights digest sends its own email).
NO_EMAIL_KINDS = {"insights_digest"}


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool
    digest: bool


def default_channels(kind: str) -> Channels:
    if kind in NO_EMAIL_KINDS:
        return Channels(in_app=True, email=False, digest=False)
    if kind not in notify.TOPICS:
        return Channels(in_app=True, email=True, digest=False)
    email = (
        kind in EMAIL_KINDS
        or kind.endswith(("_assigned", "_reassigned"))
        or kind.split(".")[0].split("_")[0] in EMAIL_PREFIXES
    )
    return Channels(in_app=True, email=email, digest=False)


def channels_for(user: Any, kind: str) -> Channels:
    row = (
        Preference.objects.filter(user_id=user.pk, kind=kind).values_list("in_app", "email", "digest").first()
    )
    if row is None:
        return default_channels(kind)
    return Channels(in_app=row[0], email=row[1], digest=row[2])


def all_channels(user: Any) -> list[tuple[notify.Topic, Channels]]:
    """Every registered topic with the person's channels for it (one query), by kind."""
    rows = {
        kind: Channels(in_app=a, email=e, digest=d)
        for kind, a, e, d in Preference.objects.filter(user_id=user.pk).values_list(
            "kind", "in_app", "email", "digest"
        )
    }
    return [
        (topic, rows.get(kind) or default_channels(kind)) for kind, topic in sorted(notify.TOPICS.items())
    ]
