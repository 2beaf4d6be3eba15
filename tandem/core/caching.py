"""The cache, read and written so that its absence costs time, never a page.

Everything Tandem keeps in the cache can be computed again (kept figures, the pool candidates,
import progress seen by other processes). When Redis is away these answer "nothing kept" and keep
nothing, with a warning in the log, and the caller computes afresh: a page that works slower, not
a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)


def get_many(keys: list[str]) -> dict[str, Any]:
    """``cache.get_many``, or nothing when the cache is away."""
    try:
        return cache.get_many(keys)
    except Exception:
        log.warning("the cache did not answer; computing afresh", exc_info=True)
        return {}


def get(key: str) -> Any:
    """``cache.get``, or None when the cache is away."""
    return get_many([key]).get(key)


def forget(keys: list[str]) -> None:
    """``cache.delete_many``, or nothing when the cache is away (the entries expire on their own)."""
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("the cache did not answer; %s not forgotten", keys, exc_info=True)


def put(key: str, value: Any, seconds: int) -> None:
    """``cache.set``, or nothing when the cache is away."""
    try:
        cache.set(key, value, seconds)
    except Exception:
        log.warning("the cache did not answer; %s not kept", key, exc_info=True)
