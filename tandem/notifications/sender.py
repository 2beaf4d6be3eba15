"""Send the outbox: due deliveries to webhooks and team robots, with retries and backoff.

A sender claims a delivery before posting it (``claimed_until``, moved by a conditional UPDATE
that only one process wins — on SQLite too; on PostgreSQL the candidates are also read with
``SKIP LOCKED``), posts it outside any transaction (timeout ``TIMEOUT`` seconds, no redirects),
records the attempt, and either marks it delivered, schedules the next try after ``BACKOFF``, or
marks it failed after the last one. Two sweeps at once never send one delivery twice.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import signing
from .models import Delivery, DeliveryAttempt, DeliveryStatus
from .services import url_refusal

log = logging.getLogger(__name__)

TIMEOUT = 5.0
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
CLAIM = datetime.timedelta(seconds=60)
RESPONSE_LIMIT = 2000
BATCH = 100


@dataclass
class Response:
    status: int | None
    body: str = ""
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def transport(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST ``body`` to ``url``; tests replace this function."""
    # The scheme is http(s): url_refusal checked it just before.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return Response(status=answer.status, body=answer.read(RESPONSE_LIMIT).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return Response(status=exc.code, body=exc.read(RESPONSE_LIMIT).decode("utf-8", "replace"))
    except Exception as exc:  # timeouts, refused connections, TLS, DNS
        return Response(status=None, error=f"{type(exc).__name__}: {exc}"[:500])


def claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Take a due delivery for ``CLAIM``; False if another sender has it or it is not due."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM)
    )


def _request(delivery: Delivery, now: datetime.datetime) -> tuple[str, str, dict[str, str]]:
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Tandem-Webhooks/1"}
    if delivery.subscription is not None:
        stamp = int(now.timestamp())
        headers.update(
            {
                "X-Tandem-Event": delivery.event_type,
                "X-Tandem-Delivery": str(delivery.uid),
                "X-Tandem-Timestamp": str(stamp),
                "X-Tandem-Signature": signing.webhook_signature(
                    delivery.subscription.secret, stamp, delivery.body
                ),
            }
        )
        return delivery.subscription.url, delivery.body, headers
    robot = delivery.robot
    assert robot is not None
    url, body = signing.robot_request(
        robot.platform, robot.url, robot.secret, json.loads(delivery.body), now.timestamp()
    )
    return url, body, headers


def _robot_refused(response: Response, delivery: Delivery) -> bool:
    """DingTalk, WeCom and Feishu answer 200 with an error code in the body."""
    if delivery.robot_id is None or response.status != 200:
        return False
    try:
        answer = json.loads(response.body or "{}")
    except ValueError:
        return False
    code = answer.get("errcode", answer.get("code", 0)) if isinstance(answer, dict) else 0
    return bool(code)


def send_one(delivery_id: int, *, now: datetime.datetime | None = None) -> str | None:
    """Claim and send one delivery; its status afterwards, or None if not ours to send."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("subscription", "robot").get(pk=delivery_id)
    target = delivery.subscription or delivery.robot
    started = time.monotonic()
    if target is None or not target.active:
        response = Response(status=None, error="The webhook or robot is inactive or gone.")
    else:
        url, body, headers = _request(delivery, now)
        refusal = url_refusal(url)
        if refusal:
            response = Response(status=None, error=str(refusal))
        else:
            response = transport(url, body.encode(), headers, TIMEOUT)
    duration = int((time.monotonic() - started) * 1000)
    ok = (
        response.status is not None
        and 200 <= response.status < 300
        and not _robot_refused(response, delivery)
    )
    attempts = delivery.attempts + 1
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=response.status,
            response_body=response.body[:RESPONSE_LIMIT],
            error=response.error[:500],
            duration_ms=duration,
        )
        fields: dict[str, Any] = {
            "attempts": attempts,
            "last_status_code": response.status,
            "claimed_until": None,
        }
        if ok:
            fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None)
        elif attempts >= MAX_ATTEMPTS:
            fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        else:
            fields.update(next_attempt_at=now + BACKOFF[attempts - 1])
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
    return str(fields.get("status", DeliveryStatus.PENDING))


def due_ids(now: datetime.datetime, limit: int = BATCH) -> list[int]:
    due = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            return list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
    return list(due.values_list("pk", flat=True)[:limit])


def send_due(*, now: datetime.datetime | None = None, limit: int = BATCH) -> int:
    """The sweep: send what is due (each claimed first). Returns how many this run sent."""
    now = now or timezone.now()
    sent = 0
    for delivery_id in due_ids(now, limit):
        try:
            if send_one(delivery_id, now=now) is not None:
                sent += 1
        except Exception:
            log.exception("delivery %s failed to send", delivery_id)
    return sent
