"""Things that happened, told to whoever listens: outbound webhooks, the team feed, digests.

A service that did something other parts may care about (a deal won, a handoff accepted, an
approval decided) calls ``emit`` inside its transaction, after its write. Listeners run there and
then, inside the same transaction, so a change that rolls back leaves nothing a listener wrote.
A listener that talks to the network must not do so here: it writes a row (an outbox) and leaves
the sending to a background job after commit, so a slow or failing receiver never holds up or
undoes the change that caused it.

Event types are registered by the apps that emit them (``register``), with a label people read
when they subscribe to them; ``types()`` lists them for pickers and the API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventType:
    """``code`` ("deal.won"), ``label`` (lazy, read in the reader's language) and the access-policy
    resource of the record an event of this type is about ("deal"), if any."""

    code: str
    label: str | Promise
    resource: str | None = None


@dataclass
class Event:
    type: str
    record: models.Model | None = None
    actor: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=timezone.now)


Listener = Callable[[Event], None]

TYPES: dict[str, EventType] = {}
LISTENERS: list[Listener] = []


def register(code: str, label: str | Promise, *, resource: str | None = None) -> EventType:
    event_type = EventType(code=code, label=label, resource=resource)
    TYPES[code] = event_type
    return event_type


def types() -> list[EventType]:
    return sorted(TYPES.values(), key=lambda t: t.code)


def listen(listener: Listener) -> None:
    """Call ``listener`` for every event emitted from now on (registered once, in ``ready()``)."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def emit(type: str, *, record: models.Model | None = None, actor: Any = None, **data: Any) -> Event:
    """Tell every listener that ``type`` happened (to ``record``, done by ``actor``).

    ``type`` must be registered. ``data`` is JSON-ready facts a receiver needs beside the record
    (the stage moved from and to, the reason given). Runs the listeners in the caller's transaction.
    """
    if type not in TYPES:
        raise ValueError(f"unknown event type {type!r}")
    event = Event(type=type, record=record, actor=actor, data=dict(data))
    for listener in LISTENERS:
        listener(event)
    return event
