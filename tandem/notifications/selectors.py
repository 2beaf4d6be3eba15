"""Reads of the notification channels: a person's inbox, webhooks, robots and their deliveries."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.models import Notification

from .models import Delivery, TeamRobot, WebhookSubscription

PAGE = 50


def inbox(*, actor: Actor, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's own notifications, newest first; nobody reads another's."""
    if actor.user is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=actor.user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def inbox_page(
    *,
    actor: Actor,
    unread_only: bool = False,
    before: tuple[datetime.datetime, int] | None = None,
    size: int = PAGE,
) -> tuple[list[Notification], tuple[datetime.datetime, int] | None]:
    """One keyset page of the inbox (after ``before``: the last row's time and id) and the next key."""
    qs = inbox(actor=actor, unread_only=unread_only)
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].created_at, rows[-1].pk) if more and rows else None)


def unread_count(*, actor: Actor) -> int:
    if actor.user is None:
        return 0
    return Notification.objects.filter(recipient_id=actor.user.pk, read_at__isnull=True).count()


def webhooks(*, actor: Actor) -> QuerySet[WebhookSubscription]:
    if not access.may_manage_webhooks(actor):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.select_related("created_by").order_by("name", "id")


def webhook_or_404(*, actor: Actor, pk: Any) -> WebhookSubscription:
    found = webhooks(actor=actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def robots(*, actor: Actor, team: Any | None = None) -> QuerySet[TeamRobot]:
    """The robots the actor administers (all for administrators, their led teams' otherwise)."""
    if actor.user is None:
        return TeamRobot.objects.none()
    qs = TeamRobot.objects.select_related("team")
    if not actor.is_admin:
        qs = qs.filter(team__leader_id=actor.user.pk)
    if team is not None:
        qs = qs.filter(team_id=team.pk)
    return qs.order_by("team_id", "name", "id")


def robot_or_404(*, actor: Actor, pk: Any) -> TeamRobot:
    found = robots(actor=actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def deliveries(
    *, actor: Actor, subscription: WebhookSubscription | None = None, robot: TeamRobot | None = None
) -> QuerySet[Delivery]:
    """A webhook's or robot's deliveries, newest first (the caller found the target visible)."""
    qs = Delivery.objects.all()
    if subscription is not None:
        qs = qs.filter(subscription_id=subscription.pk)
    elif robot is not None:
        qs = qs.filter(robot_id=robot.pk)
    else:
        return Delivery.objects.none()
    return qs.order_by("-created_at", "-id")


def deliveries_page(
    *,
    actor: Actor,
    subscription: WebhookSubscription | None = None,
    robot: TeamRobot | None = None,
    before: tuple[datetime.datetime, int] | None = None,
    size: int = PAGE,
) -> tuple[list[Delivery], tuple[datetime.datetime, int] | None]:
    qs = deliveries(actor=actor, subscription=subscription, robot=robot).prefetch_related("attempt_log")
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].created_at, rows[-1].pk) if more and rows else None)
