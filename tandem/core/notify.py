"""In-app notifications. Written inside the caller's transaction, so a rolled-back change notifies nobody."""

from __future__ import annotations

from typing import Any

from .models import Notification


def notify(*, recipient: Any, kind: str, title: str, body: str = "", url: str = "") -> Notification | None:
    if recipient is None or not getattr(recipient, "is_active", False):
        return None
    return Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:200], body=body, url=url[:300]
    )


def unread_count(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
