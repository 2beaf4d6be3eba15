"""Recording who changed what, for every business record.

Services call these helpers explicitly, inside their transaction. Nothing is recorded by
signals: a bulk operation (a transfer, an import) writes its entries with ``bulk_create``.

Typical use in a service::

    before = history.snapshot(team)
    team.name = name
    team.save()
    history.record_update(actor=actor, obj=team, before=before)
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .models import HistoryAction, HistoryEntry
from .naming import Said

Message = str | Said  # a Said is kept so that each reader gets it in their own language

# Fields that change on every save and say nothing to a person.
IGNORED_FIELDS = {
    "search_text",
    "id",
    "created_at",
    "updated_at",
    "version",
    "password",
    "last_login",
    "deleted_at",
    "deleted_by",
    # Signing secrets of webhooks and team robots (tandem.notifications): never copied into history.
    "secret",
}


def _display(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return [_display(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _display(v) for k, v in value.items()}
    return str(value)


def tracked_fields(obj: models.Model) -> list[models.Field[Any, Any]]:
    fields: list[models.Field[Any, Any]] = []
    for field in obj._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        fields.append(field)
    return fields


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The record's tracked field values, as stored (foreign keys by id)."""
    return {field.name: getattr(obj, field.attname) for field in tracked_fields(obj)}


def _fk_display(obj: models.Model, field: models.Field[Any, Any], raw: Any) -> Any:
    if raw is None or not field.is_relation:
        return _display(raw)
    related_model = field.related_model
    assert related_model is not None and not isinstance(related_model, str)
    current = getattr(obj, field.name, None) if getattr(obj, field.attname) == raw else None
    if current is None:
        current = related_model._default_manager.filter(pk=raw).first()
    return str(current) if current is not None else raw


def diff(obj: models.Model, before: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs from ``before``, as ``{name: [old, new]}`` display values."""
    changes: dict[str, list[Any]] = {}
    for field in tracked_fields(obj):
        old = before.get(field.name)
        new = getattr(obj, field.attname)
        if old != new:
            changes[field.name] = [_fk_display(obj, field, old), _fk_display(obj, field, new)]
    return changes


def _entry(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    message: Message = "",
) -> HistoryEntry:
    text, said = _message(message)
    return HistoryEntry(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
        changes=changes or {},
        message=text,
        message_said=said,
    )


def _message(message: Message) -> tuple[str, dict[str, Any] | None]:
    if isinstance(message, Said):
        return message.text()[:500], message.as_json()
    return message[:500], None


def record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    message: Message = "",
) -> HistoryEntry:
    entry = _entry(actor=actor, obj=obj, action=action, changes=changes, message=message)
    entry.save()
    return entry


def record_create(*, actor: Any, obj: models.Model, message: Message = "") -> HistoryEntry:
    changes = {f.name: [None, _fk_display(obj, f, getattr(obj, f.attname))] for f in tracked_fields(obj)}
    changes = {k: v for k, v in changes.items() if v[1] not in (None, "", [], {})}
    return record(actor=actor, obj=obj, action=HistoryAction.CREATE, changes=changes, message=message)


def record_update(
    *, actor: Any, obj: models.Model, before: dict[str, Any], message: Message = ""
) -> HistoryEntry | None:
    """Record the fields that changed since ``before``; nothing when nothing changed."""
    changes = diff(obj, before)
    if not changes and not message:
        return None
    return record(actor=actor, obj=obj, action=HistoryAction.UPDATE, changes=changes, message=message)


def record_many(
    *,
    actor: Any,
    objs: Iterable[models.Model],
    action: str,
    changes: dict[str, Any] | None = None,
    message: Message = "",
    batch_size: int = 1000,
) -> int:
    """Bulk-record the same change on many records (transfers, bulk edits, imports)."""
    entries = [_entry(actor=actor, obj=o, action=action, changes=changes, message=message) for o in objs]
    HistoryEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)


def record_many_by_ids(
    *,
    actor: Any,
    model: type[models.Model],
    ids: Sequence[int],
    action: str,
    changes: dict[str, Any] | None = None,
    message: Message = "",
    object_repr: str = "",
    batch_size: int = 1000,
) -> int:
    """Bulk-record a change by primary keys only, without loading the records."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    text, said = _message(message)
    now = timezone.now()
    actor_obj = actor if getattr(actor, "pk", None) else None
    entries = [
        HistoryEntry(
            content_type=ct,
            object_id=pk,
            object_repr=object_repr,
            action=action,
            actor=actor_obj,
            at=now,
            changes=changes or {},
            message=text,
            message_said=said,
        )
        for pk in ids
    ]
    HistoryEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)


def entries_for(obj: models.Model) -> models.QuerySet[HistoryEntry]:
    """The record's history, newest first. Callers have already decided the record is visible."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return HistoryEntry.objects.filter(content_type=ct, object_id=obj.pk).select_related("actor")
