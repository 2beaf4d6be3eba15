"""Recycle bin operations, shared by every soft-deletable record type."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from . import access, history, recycle
from .models import HistoryAction


def _resource_of(obj: models.Model) -> str:
    entry = recycle.get(obj._meta.label)
    if entry is None:
        raise ValueError(f"{obj._meta.label} is not registered with the recycle bin")
    return entry.resource


@transaction.atomic
def record_soft_delete(*, actor: access.Actor, obj: Any, message: str = "") -> None:
    """Move a record to the recycle bin. Its relations stay intact, so restore brings it back whole."""
    access.require(actor, "delete", _resource_of(obj), obj)
    obj.deleted_at = timezone.now()
    obj.deleted_by = actor.user
    obj.save(update_fields=["deleted_at", "deleted_by"])
    history.record(actor=actor.user, obj=obj, action=HistoryAction.DELETE, message=message)


@transaction.atomic
def record_restore(*, actor: access.Actor, obj: Any) -> None:
    access.require(actor, "delete", _resource_of(obj), obj)
    if obj.deleted_at is None:
        return
    obj.deleted_at = None
    obj.deleted_by = None
    obj.save(update_fields=["deleted_at", "deleted_by"])
    history.record(actor=actor.user, obj=obj, action=HistoryAction.RESTORE)


@transaction.atomic
def record_purge(*, actor: access.Actor, obj: Any) -> None:
    """Delete for good. Administrators only; the history keeps a PURGE entry with the record's name."""
    if not actor.is_admin:
        raise PermissionDenied
    if obj.deleted_at is None:
        raise PermissionDenied
    history.record(actor=actor.user, obj=obj, action=HistoryAction.PURGE)
    obj.delete()
