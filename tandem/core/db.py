"""Transactions that meet another's locks: one more try after a deadlock or a serialization failure.

Services lock what they change in one order (the record first, nothing it merely points at), so
two people's changes wait for each other instead of deadlocking. Where two transactions still
meet in opposite orders (an account merge moving deals while someone wins one of them),
PostgreSQL aborts one of them with ``deadlock_detected`` (or ``serialization_failure``); nothing of
it was written, and running it again is what the person would do by hand. ``retry_on_lock_conflict``
does that once, for the outermost transaction only, and lets every other error through untouched.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# SQLSTATEs that mean "another transaction was in the way; yours was rolled back".
LOCK_CONFLICTS = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is a deadlock or a serialization failure (PostgreSQL's SQLSTATE)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in LOCK_CONFLICTS:
            return True
        current = current.__cause__
    return False


def retry_on_lock_conflict(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` (a service that opens its own transaction) once more after a lock conflict.

    Only where ``func`` is the outermost transaction: inside a caller's, the caller's whole
    transaction is lost and only the caller can start it again, so the error goes up unchanged.
    The second attempt's error, whatever it is, is raised as it is.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return func(*args, **kwargs)
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            if not is_lock_conflict(exc):
                raise
            log.warning(
                "%s met another transaction's locks (%s); running it once more", func.__qualname__, exc
            )
        return func(*args, **kwargs)

    return wrapper
