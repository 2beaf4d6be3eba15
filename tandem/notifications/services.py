"""Writes of the notification channels: preferences, marks read, digests, robots, webhooks, the outbox."""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import socket
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.core import access, events, history, notify
from tandem.core.access import Actor
from tandem.core.models import Notification

from . import preferences, signing
from .models import Delivery, DigestSent, Platform, Preference, TeamRobot, WebhookSubscription

log = logging.getLogger(__name__)

DIGEST_HOUR = 8
DIGEST_LIMIT = 50


def base_url() -> str:
    return str(getattr(settings, "TANDEM_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{base_url()}{url if url.startswith('/') else '/' + url}"


# --- notify(): the channels beyond the inbox ------------------------------------------------


def dispatch(message: notify.Message) -> bool:
    """``notify.notify``'s dispatcher: queue the email the person asked for (after commit, so a
    rolled-back change mails nobody) and say whether the in-app row is written (the inbox, or
    the digest, which lists unread rows)."""
    channels = preferences.channels_for(message.recipient, message.kind)
    if channels.email and str(getattr(message.recipient, "email", "") or ""):
        text = message.texts.get(message.language) or next(iter(message.texts.values()), {})
        args = (
            message.recipient.pk,
            message.language,
            text.get("title", ""),
            text.get("body", ""),
            absolute(message.url),
        )

        def queue() -> None:
            from .tasks import send_notification_email

            try:
                send_notification_email.delay(*args)
            except Exception:  # a broker or mail server down never breaks the change
                log.exception("queueing a notification email to user %s failed", args[0])

        transaction.on_commit(queue)
    return channels.in_app or channels.digest


def email_send(*, user_id: int, language: str, subject: str, body: str, url: str) -> bool:
    """Send one notification email (the Celery task); a failing mail server is logged, not raised."""
    from django.core.mail import send_mail

    from tandem.org.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    with translation.override(language):
        footer = _("Open it in Tandem: %(url)s") % {"url": url} if url else ""
        settings_line = _("You can choose which notifications you get by email in your settings.")
    text = "\n\n".join(p for p in (body, footer, settings_line) if p)
    try:
        send_mail(subject[:200], text, None, [user.email])
    except Exception:
        log.exception("notification email to user %s failed", user_id)
        return False
    return True


# --- Preferences ------------------------------------------------------------------------------


@transaction.atomic
def preferences_set(*, actor: Actor, items: Sequence[Mapping[str, Any]]) -> None:
    """Set the actor's channels for the given kinds (``{"kind", "in_app", "email", "digest"}``)."""
    if actor.user is None:
        raise PermissionDenied
    errors: list[str] = []
    for item in items:
        if item.get("kind") not in notify.TOPICS:
            errors.append(_("“%(kind)s” is not a kind of notification.") % {"kind": item.get("kind")})
    if errors:
        raise ValidationError({"kind": errors})
    for item in items:
        Preference.objects.update_or_create(
            user_id=actor.user.pk,
            kind=item["kind"],
            defaults={
                "in_app": bool(item.get("in_app")),
                "email": bool(item.get("email")),
                "digest": bool(item.get("digest")),
            },
        )


# --- The inbox ------------------------------------------------------------------------------


def notification_mark_read(*, actor: Actor, notification_id: int | None) -> Notification:
    """Mark one of the actor's notifications read; another person's is 404 (as if missing)."""
    from django.http import Http404

    if actor.user is None or notification_id is None:
        raise Http404
    item = Notification.objects.filter(recipient_id=actor.user.pk, pk=notification_id).first()
    if item is None:
        raise Http404
    if item.read_at is None:
        item.read_at = timezone.now()
        Notification.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=item.read_at)
    return item


def notifications_mark_all_read(*, actor: Actor) -> int:
    if actor.user is None:
        return 0
    return Notification.objects.filter(recipient_id=actor.user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Daily digest ---------------------------------------------------------------------------


def _local(user: Any, now: datetime.datetime) -> datetime.datetime:
    try:
        zone = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(zone)


def digest_send(*, user: Any, now: datetime.datetime | None = None) -> DigestSent | None:
    """Email ``user`` the unread notifications of their digest kinds, once a day from 08:00 their
    time. The day's row is taken first (unique per person and day): a second run sends nothing."""
    now = now or timezone.now()
    local = _local(user, now)
    if local.hour < DIGEST_HOUR or not user.is_active or not user.email:
        return None
    kinds = list(Preference.objects.filter(user_id=user.pk, digest=True).values_list("kind", flat=True))
    if not kinds:
        return None
    items = list(
        Notification.objects.filter(
            recipient_id=user.pk,
            read_at__isnull=True,
            kind__in=kinds,
            created_at__gte=now - datetime.timedelta(days=1),
        ).order_by("-created_at", "-id")[:DIGEST_LIMIT]
    )
    try:
        with transaction.atomic():
            sent = DigestSent.objects.create(user=user, day=local.date(), count=len(items))
    except IntegrityError:
        return None
    if items:
        language = notify.language_of(user)
        with translation.override(language):
            subject = _("Your Tandem digest: %(n)d unread") % {"n": len(items)}
            body = "\n".join(f"- {item.title_text} {absolute(item.url)}".rstrip() for item in items)
        email_send(
            user_id=user.pk, language=language, subject=subject, body=body, url=absolute("/notifications/")
        )
    return sent


def digest_send_all(*, now: datetime.datetime | None = None) -> int:
    """Everyone's digest for their day (the hourly job); only people who chose a digest are read."""
    from tandem.org.models import User

    now = now or timezone.now()
    people = User.objects.filter(
        is_active=True, pk__in=Preference.objects.filter(digest=True).values("user_id")
    ).order_by("pk")
    sent = 0
    for user in people.iterator(chunk_size=500):
        try:
            if digest_send(user=user, now=now) is not None:
                sent += 1
        except Exception:
            log.exception("digest for user %s failed", user.pk)
    return sent


# --- Where messages may go ------------------------------------------------------------------


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def url_refusal(url: str, *, resolve: bool = True) -> str | None:
    """Why Tandem will not post to ``url`` (not http(s), or a private, loopback or link-local
    address — unless ``TANDEM_WEBHOOKS_ALLOW_PRIVATE``), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _("Enter a valid URL.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Only http:// and https:// addresses can receive messages.")
    if getattr(settings, "TANDEM_WEBHOOKS_ALLOW_PRIVATE", False):
        return None
    host = parts.hostname
    refused = _("This address is on a private network; Tandem does not send messages there.")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return refused
    try:
        return refused if _private(host) else None
    except ValueError:
        pass  # a name, not an address
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None  # unknown now: checked again, resolved, before each send
    if any(_private(str(info[4][0]).split("%")[0]) for info in infos):
        return refused
    return None


def _clean_event_types(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors["event_types"] = [_("Choose a list of event types.")]
        return []
    unknown = [v for v in value if v not in events.TYPES]
    if unknown:
        errors["event_types"] = [_("Unknown event type: %(types)s.") % {"types": ", ".join(unknown[:5])}]
    return sorted(set(value))


def _clean_target(data: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("Give it a name.")]
        values["name"] = name[:100]
    if "url" in data:
        url = str(data.get("url") or "").strip()
        # Names are resolved (and their addresses checked) before each send, not here: a name may
        # point elsewhere later, and saving a form must not wait on DNS.
        refusal = url_refusal(url, resolve=False) if url else _("Enter the address to post to.")
        if refusal:
            errors["url"] = [refusal]
        values["url"] = url[:500]
    if "event_types" in data:
        values["event_types"] = _clean_event_types(data.get("event_types"), errors)
    if "active" in data:
        values["active"] = bool(data.get("active"))
    return values


# --- Webhook subscriptions (administrators) -------------------------------------------------


@transaction.atomic
def webhook_save(
    *, actor: Actor, subscription: WebhookSubscription | None, data: Mapping[str, Any]
) -> WebhookSubscription:
    if not access.may_manage_webhooks(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if subscription is None:
        for required in ("name", "url"):
            data = {required: "", **data}
    values = _clean_target(data, errors)
    if errors:
        raise ValidationError(errors)
    if subscription is None:
        subscription = WebhookSubscription.objects.create(created_by=actor.user, **values)
        history.record_create(actor=actor.user, obj=subscription)
        return subscription
    before = history.snapshot(subscription)
    for field, value in values.items():
        setattr(subscription, field, value)
    subscription.save()
    history.record_update(actor=actor.user, obj=subscription, before=before)
    return subscription


@transaction.atomic
def webhook_delete(*, actor: Actor, subscription: WebhookSubscription) -> None:
    if not access.may_manage_webhooks(actor):
        raise PermissionDenied
    subscription.delete()


# --- Team robots (administrators and the team's leader) -------------------------------------


@transaction.atomic
def robot_save(*, actor: Actor, robot: TeamRobot | None, team: Any, data: Mapping[str, Any]) -> TeamRobot:
    if not access.may_manage_team_robots(actor, team if robot is None else robot.team):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if robot is None:
        for required in ("name", "url", "platform"):
            data = {required: "", **data}
    values = _clean_target(data, errors)
    if "platform" in data:
        if data.get("platform") not in Platform.values:
            errors["platform"] = [_("Choose DingTalk, WeCom, Feishu or Slack.")]
        values["platform"] = data.get("platform")
    if "secret" in data:
        values["secret"] = str(data.get("secret") or "").strip()[:200]
    if "include_subteams" in data:
        values["include_subteams"] = bool(data.get("include_subteams"))
    if errors:
        raise ValidationError(errors)
    if robot is None:
        robot = TeamRobot.objects.create(team=team, created_by=actor.user, **values)
        history.record_create(actor=actor.user, obj=robot)
        return robot
    before = history.snapshot(robot)
    for field, value in values.items():
        setattr(robot, field, value)
    robot.save()
    history.record_update(actor=actor.user, obj=robot, before=before)
    return robot


@transaction.atomic
def robot_delete(*, actor: Actor, robot: TeamRobot) -> None:
    if not access.may_manage_team_robots(actor, robot.team):
        raise PermissionDenied
    robot.delete()


# --- The outbox: events to deliveries -------------------------------------------------------


def _record_facts(event: events.Event) -> dict[str, Any] | None:
    record = event.record
    if record is None:
        return None
    event_type = events.TYPES.get(event.type)
    kind = (event_type.resource if event_type else None) or record._meta.model_name
    url = ""
    get_url = getattr(record, "get_absolute_url", None)
    if callable(get_url):
        try:
            url = absolute(str(get_url()))
        except Exception:
            url = ""
    return {"type": kind, "id": record.pk, "url": url}


def event_body(event: events.Event, event_id: str) -> dict[str, Any]:
    actor = event.actor
    return {
        "id": event_id,
        "type": event.type,
        "occurred_at": event.at.isoformat(),
        "actor": {"id": actor.pk, "name": str(actor)} if getattr(actor, "pk", None) else None,
        "record": _record_facts(event),
        "data": event.data,
    }


def _dumps(body: Mapping[str, Any]) -> str:
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _robots_for(event: events.Event) -> list[TeamRobot]:
    team_id = getattr(event.record, "team_id", None) if event.record is not None else None
    if not team_id:
        return []
    from tandem.org.models import Team

    # One query: the team's own robots, and those of teams above it that take sub-teams' events.
    below = Team.all_objects.filter(pk=team_id, path__startswith=OuterRef("team__path"))
    robots = TeamRobot.objects.filter(active=True).filter(
        Q(team_id=team_id) | (Q(include_subteams=True) & Exists(below))
    )
    return [r for r in robots if not r.event_types or event.type in r.event_types]


def robot_text(event: events.Event) -> tuple[str, list[str], str]:
    """(title, lines, link) telling an event in the company's language."""
    facts = _record_facts(event)
    with translation.override(settings.LANGUAGE_CODE):
        event_type = events.TYPES.get(event.type)
        label = str(event_type.label) if event_type else event.type
        name = str(event.record) if event.record is not None else ""
        title = f"{label}: {name}" if name else label
        lines = []
        if event.actor is not None:
            lines.append(_("By %(who)s") % {"who": str(event.actor)})
    return title, lines, (facts or {}).get("url", "")


def on_event(event: events.Event) -> None:
    """``events.listen`` listener: one pending delivery per matching webhook and team robot,
    written in the change's transaction; sending waits for commit."""
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(active=True)
        if not s.event_types or event.type in s.event_types
    ]
    robots = _robots_for(event)
    if not subscriptions and not robots:
        return
    now = timezone.now()
    body = _dumps(event_body(event, str(uuid.uuid4())))
    rows = [
        Delivery(subscription=s, event_type=event.type, body=body, next_attempt_at=now) for s in subscriptions
    ]
    if robots:
        title, lines, url = robot_text(event)
        for robot in robots:
            message = signing.robot_message(robot.platform, title=title, lines=lines, url=url)
            rows.append(
                Delivery(robot=robot, event_type=event.type, body=_dumps(message), next_attempt_at=now)
            )
    created = Delivery.objects.bulk_create(rows)
    _send_after_commit([d.pk for d in created if d.pk])


def _send_after_commit(ids: Iterable[int]) -> None:
    """In production a worker sends them at once; embedded (eager Celery), the scheduler's sweep
    sends them, never the request that caused them."""
    ids = list(ids)
    if not ids or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return

    def queue() -> None:
        from .tasks import send_deliveries

        try:
            send_deliveries.delay(ids)
        except Exception:
            log.exception("queueing deliveries failed; the sweep sends them")

    transaction.on_commit(queue)


@transaction.atomic
def delivery_replay(*, actor: Actor, delivery: Delivery) -> Delivery:
    """A new delivery of the same body to the same webhook or robot."""
    target_ok = (
        access.may_manage_webhooks(actor)
        if delivery.subscription_id
        else access.may_manage_team_robots(actor, delivery.robot.team if delivery.robot else None)
    )
    if not target_ok:
        raise PermissionDenied
    replay = Delivery.objects.create(
        subscription_id=delivery.subscription_id,
        robot_id=delivery.robot_id,
        event_type=delivery.event_type,
        body=delivery.body,
        next_attempt_at=timezone.now(),
        replay_of=delivery,
    )
    _send_after_commit([replay.pk])
    return replay
