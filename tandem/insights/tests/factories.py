"""Helpers for insight tests: deals aged on purpose, stage history with known stays."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from tandem.deals.models import Deal, DealStageHistory, Stage
from tandem.deals.tests.factories import DealFactory


def deal(owner: Any, **fields: Any) -> Deal:
    """An open deal of ``owner``; ``created_at``/``last_follow_up_at`` etc. written as given
    (``created_at`` is auto_now_add, so it is set after creation)."""
    created_at = fields.pop("created_at", None)
    found = DealFactory(owner=owner, **fields)
    if created_at is not None:
        Deal.objects.filter(pk=found.pk).update(created_at=created_at)
        found.refresh_from_db()
    return found


def stays(stage: Stage, days: list[float], owner: Any) -> None:
    """Finished stays of ``days`` each in ``stage`` (on throwaway deals of ``owner``)."""
    now = timezone.now()
    carrier = DealFactory(owner=owner)
    for length in days:
        entered = now - datetime.timedelta(days=length + 1)
        DealStageHistory.objects.create(
            deal=carrier,
            stage=stage,
            entered_at=entered,
            left_at=entered + datetime.timedelta(days=length),
            duration_seconds=int(length * 86400),
        )
