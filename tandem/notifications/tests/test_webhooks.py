"""The outbox: events write deliveries in the change's transaction; the sender posts them signed,
retries with backoff, never twice at once; replay; URLs on private networks are refused."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.conftest import World
from tandem.deals import services as deal_services
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.notifications import sender, services
from tandem.notifications.models import Delivery, DeliveryAttempt, DeliveryStatus, WebhookSubscription
from tandem.notifications.tests.conftest import FakeTransport
from tandem.notifications.tests.factories import WebhookFactory

pytestmark = pytest.mark.django_db


def _won(world: World) -> None:
    deal = DealFactory(owner=world.owner, amount="5000")
    deal_services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Won"))


def test_an_event_writes_one_delivery_per_matching_subscription(world: World) -> None:
    everything = WebhookFactory()
    won_only = WebhookFactory(event_types=["deal.won"])
    WebhookFactory(event_types=["account.created"])
    WebhookFactory(active=False)
    _won(world)
    assert sorted(Delivery.objects.filter(subscription=everything).values_list("event_type", flat=True)) == [
        "deal.moved",
        "deal.updated",
        "deal.won",
    ]
    (delivery,) = Delivery.objects.filter(subscription=won_only)
    body = json.loads(delivery.body)
    assert set(body) == {"id", "type", "occurred_at", "actor", "record", "data"}
    assert body["type"] == "deal.won"
    assert body["actor"]["name"] == "王小明"
    assert body["record"]["type"] == "deal"
    assert body["record"]["url"].startswith("http://127.0.0.1:8000/deals/")
    assert body["data"]["amount"] == "5000.00"
    assert Delivery.objects.count() == 4


def test_a_rolled_back_change_leaves_no_delivery(world: World) -> None:
    WebhookFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        _won(world)
        raise RuntimeError
    assert Delivery.objects.count() == 0


def test_the_request_does_not_send_in_the_embedded_mode(world: World, transport: FakeTransport) -> None:
    WebhookFactory()
    _won(world)
    assert transport.calls == []
    assert sender.send_due() == 3
    assert len(transport.calls) == 3


def test_the_signature_is_verifiable_by_recomputing_it(world: World, transport: FakeTransport) -> None:
    hook = WebhookFactory(event_types=["deal.won"])
    _won(world)
    sender.send_due()
    (call,) = transport.calls
    headers = call["headers"]
    assert headers["X-Tandem-Event"] == "deal.won"
    assert headers["X-Tandem-Delivery"] == str(Delivery.objects.get().uid)
    expected = hmac.new(
        hook.secret.encode(), f"{headers['X-Tandem-Timestamp']}.{call['body']}".encode(), hashlib.sha256
    ).hexdigest()
    assert headers["X-Tandem-Signature"] == f"sha256={expected}"
    assert call["timeout"] == sender.TIMEOUT
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert DeliveryAttempt.objects.get().status_code == 200


def test_a_failing_receiver_is_retried_with_backoff_then_failed(
    world: World, transport: FakeTransport
) -> None:
    WebhookFactory(event_types=["deal.won"])
    _won(world)
    transport.status, transport.body = 500, "x" * 10_000
    now = timezone.now()
    waits = []
    for _attempt in range(sender.MAX_ATTEMPTS):
        delivery = Delivery.objects.get()
        now = delivery.next_attempt_at
        assert sender.send_due(now=now) == 1
        assert sender.send_due(now=now) == 0  # not due again yet
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - now)
    assert waits == sender.BACKOFF
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 6
    assert delivery.last_status_code == 500
    attempt = DeliveryAttempt.objects.filter(delivery=delivery).first()
    assert attempt is not None and len(attempt.response_body) == sender.RESPONSE_LIMIT
    assert sender.send_due(now=now + datetime.timedelta(days=2)) == 0


def test_a_timeout_is_an_attempt_with_its_error(world: World, transport: FakeTransport) -> None:
    WebhookFactory(event_types=["deal.won"])
    _won(world)
    transport.error = "TimeoutError: timed out"
    sender.send_due()
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_two_sweeps_never_send_one_delivery_twice(world: World, transport: FakeTransport) -> None:
    WebhookFactory(event_types=["deal.won"])
    _won(world)
    delivery = Delivery.objects.get()
    now = timezone.now()
    # A second sweep read the same due row before the first one's claim: it loses the claim.
    assert sender.claim(delivery.pk, now) is True
    assert sender.send_one(delivery.pk, now=now) is None
    assert sender.send_due(now=now) == 0
    assert transport.calls == []
    # A claim left by a crashed sender expires.
    assert sender.send_due(now=now + sender.CLAIM + datetime.timedelta(seconds=1)) == 1
    assert len(transport.calls) == 1


def test_replay_sends_the_same_body_as_a_new_delivery(world: World, transport: FakeTransport) -> None:
    WebhookFactory(event_types=["deal.won"])
    _won(world)
    sender.send_due()
    first = Delivery.objects.get()
    replay = services.delivery_replay(actor=world.actor(world.admin), delivery=first)
    assert replay.pk != first.pk and replay.body == first.body and replay.replay_of == first
    sender.send_due()
    assert transport.calls[0]["body"] == transport.calls[1]["body"]
    assert (
        transport.calls[0]["headers"]["X-Tandem-Delivery"]
        != transport.calls[1]["headers"]["X-Tandem-Delivery"]
    )


def test_only_administrators_replay(world: World) -> None:
    WebhookFactory(event_types=["deal.won"])
    _won(world)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.delivery_replay(actor=world.actor(world.manager), delivery=Delivery.objects.get())
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.215.14/x",
        "file:///etc/passwd",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_it_refuses_urls_that_are_not_public_http(world: World, url: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.webhook_save(
            actor=world.actor(world.admin), subscription=None, data={"name": "x", "url": url}
        )
    assert "url" in exc.value.message_dict
    assert WebhookSubscription.objects.count() == 0


def test_private_addresses_are_allowed_by_the_setting(world: World, settings: object) -> None:
    settings.TANDEM_WEBHOOKS_ALLOW_PRIVATE = True
    found = services.webhook_save(
        actor=world.actor(world.admin), subscription=None, data={"name": "x", "url": "http://127.0.0.1:9/h"}
    )
    assert found.secret and len(found.secret) >= 32


def test_the_sender_checks_the_address_again_before_posting(world: World, transport: FakeTransport) -> None:
    hook = WebhookFactory(event_types=["deal.won"])
    _won(world)
    WebhookSubscription.objects.filter(pk=hook.pk).update(url="http://127.0.0.1/h")
    sender.send_due()
    assert transport.calls == []
    assert "private" in DeliveryAttempt.objects.get().error


def test_only_administrators_manage_webhooks(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.webhook_save(actor=world.actor(world.director), subscription=None, data={"name": "x"})
    assert WebhookSubscription.objects.count() == 0


def test_unknown_event_types_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.webhook_save(
            actor=world.actor(world.admin),
            subscription=None,
            data={"name": "x", "url": "https://93.184.215.14/", "event_types": ["deal.exploded"]},
        )
    assert "event_types" in exc.value.message_dict


def test_the_secret_is_not_copied_into_history(world: World) -> None:
    from tandem.core import history

    found = services.webhook_save(
        actor=world.actor(world.admin), subscription=None, data={"name": "x", "url": "https://93.184.215.14/"}
    )
    services.webhook_save(actor=world.actor(world.admin), subscription=found, data={"name": "y"})
    for entry in history.entries_for(found):
        assert found.secret not in json.dumps(entry.changes, default=str)
