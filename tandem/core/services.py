"""Recycle bin operations, shared by every soft-deletable record type."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

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
    """Delete for good. Administrators only; the history keeps a PURGE entry with the record's name.

    A record that others still point at with ``PROTECT``/``RESTRICT`` (e.g. a team whose sub-teams
    are in the bin too) is refused with a ``ValidationError`` naming them, never a crash; the
    surrounding transaction rolls the PURGE entry back.
    """
    if not actor.is_admin:
        raise PermissionDenied
    if obj.deleted_at is None:
        raise PermissionDenied
    history.record(actor=actor.user, obj=obj, action=HistoryAction.PURGE)
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        blockers = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        names = sorted({str(o) for o in blockers})
        refs = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        raise ValidationError(
            _(
                "%(name)s cannot be deleted for good while other records still refer to it: "
                "%(refs)s. Restore it, or delete those records first."
            )
            % {"name": obj, "refs": refs}
        ) from exc
