"""Base models shared by every domain app: timestamps, soft delete, history."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tandem.core.naming import render_said


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
    deleted_by = models.ForeignKey(  # an audit column, never searched by: see docs/decisions/0006
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
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

    # The log is written a row per record on imports and transfers: no database foreign-key check
    # and no index of their own on these columns (history_object_at leads with the content type;
    # nothing looks entries up by actor or time alone). See docs/decisions/0006.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=16, choices=HistoryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    at = models.DateTimeField()
    changes = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # The message as msgid and parameters (core.naming.Said), when a system wrote it: each reader
    # gets it in their language; ``message`` keeps it as written, for anything reading it raw.
    message_said = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="history_object_at")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.object_repr} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def message_text(self) -> str:
        """The message in the reader's language where it was kept so, else as written."""
        return render_said(self.message_said, self.message) if self.message_said else self.message


class Tag(models.Model):
    """A free label people put on accounts, contacts, leads and deals."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app notification to one person (assignments, pool reminders, mentions, ...)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The title and body in every interface language, written with the notification
    # ({"en": {"title": …, "body": …}, "zh-hans": {…}}): each reader reads it in the language
    # they use when they read it. ``title`` and ``body`` stay the recipient's language then,
    # and are what rows written before this read (decision 0030).
    texts = models.JSONField(_("text in each language"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title

    def _text(self, part: str) -> str:
        language = (translation.get_language() or settings.LANGUAGE_CODE).lower()
        written = (self.texts or {}).get(language)
        if isinstance(written, dict) and isinstance(written.get(part), str):
            return str(written[part])
        return str(getattr(self, part))

    @property
    def title_text(self) -> str:
        """The title in the active language (as written for it), else as the recipient got it."""
        return self._text("title")

    @property
    def body_text(self) -> str:
        return self._text("body")


class SavedView(models.Model):
    """A named list view: filters, sort and columns as a query string, for one person, one team
    (and the teams below it) or shared with everyone. Only its owner deletes it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    resource = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    is_shared = models.BooleanField(_("shared with everyone"), default=False)
    # Saved for a team: its members and the members of the teams below it see it (decision 0028).
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("shared with team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["order", "name", "id"]
        indexes = [models.Index(fields=["resource", "owner"], name="savedview_resource_owner")]

    def __str__(self) -> str:
        return self.name


class ScheduledRun(models.Model):
    """When the embedded scheduler last ran one scheduled job (``tandem/core/scheduler.py``).

    A process runs a job only after moving ``last_run_at`` on from the value it read, so however
    many ``tandem serve`` processes share the database, each job runs once per period; a restart
    does not run everything again.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")

    def __str__(self) -> str:
        return self.name
