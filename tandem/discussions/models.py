"""Comments and @mentions on records, announcements (公告) and the team feed (团队动态)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Comment(models.Model):
    """A comment (评论) on one record of a registered kind. Deleting keeps the row as a trace
    ("deleted by X at T") with the body gone."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="comment_record_created"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Mention(models.Model):
    """A person (or, through a team mention, a team's member) named in a comment.

    ``not_visible``: they cannot see the record, so they were not told (the comment keeps the
    mention unresolved until someone who may edit the record adds them to its record team)."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", _("notified")
        NOT_VISIBLE = "not_visible", _("cannot see the record")
        ADDED = "added", _("added to the record team")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="mention_unique")]
        indexes = [models.Index(fields=["user", "status"], name="mention_user_status")]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.comment_id}"


class Announcement(models.Model):
    """A 公告 from a manager to their teams (and the teams below), or from an administrator or
    director to the whole company (``everyone``)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    everyone = models.BooleanField(_("whole company"), default=False)
    teams = models.ManyToManyField(
        "org.Team", through="AnnouncementTeam", related_name="+", verbose_name=_("teams"), blank=True
    )
    pinned_until = models.DateTimeField(_("pinned until"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [
            models.Index(fields=["published_at", "id"], name="announcement_published"),
            models.Index(fields=["everyone", "published_at"], name="announcement_everyone"),
        ]

    def __str__(self) -> str:
        return self.title


class AnnouncementTeam(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="audience")
    team = models.ForeignKey("org.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "team"], name="announcement_team_unique")
        ]
        indexes = [models.Index(fields=["team", "announcement"], name="announcement_team_team")]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.team_id}"


class AnnouncementRead(models.Model):
    """A read receipt: one per person and announcement."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_unique")
        ]
        indexes = [models.Index(fields=["user", "announcement"], name="announcement_read_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.announcement_id}"


class FeedItem(models.Model):
    """Something notable in a team (团队动态): written by an event listener, one row per team the
    record belongs to. ``params`` holds what the summary needs (names at the time)."""

    team = models.ForeignKey("org.Team", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=60)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    resource = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("team feed item")
        verbose_name_plural = _("team feed items")
        indexes = [models.Index(fields=["team", "id"], name="feeditem_team_id")]

    def __str__(self) -> str:
        return f"{self.type} #{self.object_id}"


class FeedReaction(models.Model):
    class Emoji(models.TextChoices):
        THUMBS_UP = "👍", "👍"
        PARTY = "🎉", "🎉"
        HEART = "❤️", "❤️"
        CLAP = "👏", "👏"
        ROCKET = "🚀", "🚀"

    item = models.ForeignKey(FeedItem, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user", "emoji"], name="feedreaction_unique")]

    def __str__(self) -> str:
        return f"{self.emoji} {self.item_id}"
