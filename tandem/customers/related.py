"""Records that go along with an account when it changes hands: its open deals, its contacts.

Each app registers the records of its own that follow an account (``register``), so reassigning
a customer moves them without ``customers`` reaching up into the apps above it. What follows is
what the previous owner held on that account: a colleague's deal on the same customer stays theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class Follower:
    resource: str  # the access resource ("deal"): the new owner must be able to own it
    records: Callable[[Any, Any], QuerySet[Any]]  # (account, previous owner) -> the records that follow


FOLLOWERS: dict[str, Follower] = {}


def register(resource: str, records: Callable[[Any, Any], QuerySet[Any]]) -> None:
    FOLLOWERS[resource] = Follower(resource=resource, records=records)


def followers() -> list[Follower]:
    return list(FOLLOWERS.values())
