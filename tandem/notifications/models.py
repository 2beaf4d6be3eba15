"""Notification channels: preferences, daily digests, team robots and outbound webhooks.

Every message that leaves Tandem (a webhook, a robot's post) is first a ``Delivery`` row written
inside the change's transaction (an outbox); a background job sends it after commit, records each
``DeliveryAttempt`` and retries with backoff. A change never waits for, nor fails with, a receiver.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Preference(models.Model):
    """One person's channels for one kind of notification (absent: the kind's defaults)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("email"), default=False)
    digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]
        indexes = [
            models.Index(fields=["user"], condition=models.Q(digest=True), name="notification_pref_digest")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"


class DigestSent(models.Model):
    """A person's daily digest of a day: taken before sending, so each day is sent once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("notifications"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="notification_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.day}"


class Platform(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")
    FEISHU = "feishu", _("Feishu")
    SLACK = "slack", _("Slack")


class TeamRobot(models.Model):
    """A group chat's robot (incoming webhook) that hears the events of a team's records."""

    team = models.ForeignKey(
        "org.Team", on_delete=models.CASCADE, related_name="robots", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    include_subteams = models.BooleanField(_("include sub-teams"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team robot")
        verbose_name_plural = _("team robots")
        ordering = ["team_id", "name", "id"]
        indexes = [models.Index(fields=["team", "active"], name="notification_robot_team")]

    def __str__(self) -> str:
        return self.name


class WebhookSubscription(models.Model):
    """An integrator's endpoint that receives the chosen event types, signed with ``secret``."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One message to send to one webhook or robot (the outbox row), and where it stands."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    robot = models.ForeignKey(
        TeamRobot, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    uid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(_("event type"), max_length=60)
    # The JSON body as sent to a webhook; for a robot, the platform's message before signing.
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A sender owns the row until then (works on SQLite too; PostgreSQL also skips locked rows).
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="notification_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at", "-id"], name="notification_delivery_sub"),
            models.Index(fields=["robot", "-created_at", "-id"], name="notification_delivery_robot"),
        ]

    def __str__(self) -> str:
        return str(self.uid)


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: what came back, or the error."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id}@{self.at:%Y-%m-%d %H:%M:%S}"
