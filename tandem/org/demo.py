"""The demo company's logins, printed by `make run` (the company itself: management command seed_demo)."""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "tandem-demo"
DEMO_LOGINS: list[tuple[str, str]] = []


def print_demo_logins(out: Any) -> None:
    from tandem.org.models import User

    existing = set(
        User.objects.filter(username__in=[u for u, _ in DEMO_LOGINS], is_active=True).values_list(
            "username", flat=True
        )
    )
    rows = [(u, label) for u, label in DEMO_LOGINS if u in existing]
    if not rows:
        return
    out.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
    for username, label in rows:
        out.write(f"  {username:<12} {label}\n")
    out.write("\n")
