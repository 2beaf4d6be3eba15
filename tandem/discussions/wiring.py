"""How the discussions app joins the rest: navigation, events, home cards."""

from __future__ import annotations


def register() -> None:
    return None
