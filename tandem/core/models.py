"""Base models shared by every domain app: timestamps, soft delete, history."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AliveQuerySet(models.QuerySet[Any]):
    def alive(self) -> AliveQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> AliveQuerySet:
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager[Any]):
    """The default manager of soft-deletable models: records in the recycle bin are not there."""

    def get_queryset(self) -> AliveQuerySet:
        return AliveQuerySet(self.model, using=self._db).filter(deleted_at__isnull=True)


class SoftDeleteModel(models.Model):
    """A business record that goes to the recycle bin when deleted (see core.recycle)."""

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[Any] = AliveManager()
    all_objects: ClassVar[Any] = models.Manager.from_queryset(AliveQuerySet)()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class HistoryAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("moved to the recycle bin")
    RESTORE = "restore", _("restored")
    PURGE = "purge", _("purged")
    TRANSFER = "transfer", _("transferred")
    MERGE = "merge", _("merged")
    EVENT = "event", _("event")


class HistoryEntry(models.Model):
    """One change to one record: who, when, what changed from what to what.

    ``changes`` maps a field name to ``[old, new]`` (JSON-serialisable display values).
    ``object_repr`` keeps the record's name so the entry still reads well after a purge.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=16, choices=HistoryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="history_object_at")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.object_repr} {self.action} {self.at:%Y-%m-%d %H:%M}"
