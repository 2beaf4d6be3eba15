"""/api/v1/notifications/ (own only), preferences, webhooks (administrators), team robots."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core.models import Notification
from tandem.notifications.models import Delivery, Preference, TeamRobot, WebhookSubscription
from tandem.notifications.tests.factories import PUBLIC_URL, NotificationFactory, RobotFactory, WebhookFactory
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def as_(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_the_inbox_lists_only_my_notifications(world: World) -> None:
    NotificationFactory.create_batch(3, recipient=world.owner)
    NotificationFactory(recipient=world.outsider)
    body = as_(world.owner).get("/api/v1/notifications/").json()
    assert body["count"] == 3
    assert {r["unread"] for r in body["results"]} == {True}


def test_the_inbox_filters_unread(world: World) -> None:
    read = NotificationFactory(recipient=world.owner)
    NotificationFactory(recipient=world.owner)
    as_(world.owner).post(f"/api/v1/notifications/{read.pk}/read/")
    body = as_(world.owner).get("/api/v1/notifications/?unread=1").json()
    assert body["count"] == 1
    assert as_(world.owner).get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert as_(world.owner).get("/api/v1/notifications/?unread=x").status_code == 400


def test_nobody_reads_or_marks_anothers_notification(world: World) -> None:
    theirs = NotificationFactory(recipient=world.owner)
    outsider = as_(world.outsider)
    assert outsider.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert outsider.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert outsider.get("/api/v1/notifications/").json()["count"] == 0


def test_read_all_marks_mine(world: World) -> None:
    NotificationFactory.create_batch(2, recipient=world.owner)
    other = NotificationFactory(recipient=world.teammate)
    assert as_(world.owner).post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    other.refresh_from_db()
    assert other.read_at is None


def test_the_inbox_query_count_stays_flat(world: World, django_assert_max_num_queries: Any) -> None:
    NotificationFactory.create_batch(3, recipient=world.owner)
    client = as_(world.owner)
    client.get("/api/v1/notifications/")
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/notifications/")
    NotificationFactory.create_batch(60, recipient=world.owner)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get("/api/v1/notifications/").json()
    assert len(body["results"]) == 50 and body["next"]


def test_preferences_read_and_write(world: World) -> None:
    client = as_(world.owner)
    rows = {r["kind"]: r for r in client.get("/api/v1/notifications/preferences/").json()["preferences"]}
    assert rows["deal_assigned"]["email"] is True and rows["mention"]["in_app"] is True
    answer = client.put(
        "/api/v1/notifications/preferences/",
        {"preferences": [{"kind": "mention", "in_app": True, "email": False, "digest": True}]},
        format="json",
    )
    assert answer.status_code == 200
    rows = {r["kind"]: r for r in answer.json()["preferences"]}
    assert rows["mention"]["email"] is False and rows["mention"]["digest"] is True
    bad = client.put(
        "/api/v1/notifications/preferences/",
        {"preferences": [{"kind": "nope", "in_app": True, "email": False, "digest": True}]},
        format="json",
    )
    assert bad.status_code == 400 and "kind" in bad.json()
    assert Preference.objects.filter(user=world.owner).count() == 1


def test_an_administrator_creates_a_webhook_and_sees_its_secret_once(world: World) -> None:
    client = as_(world.admin)
    answer = client.post(
        "/api/v1/webhooks/", {"name": "ERP", "url": PUBLIC_URL, "event_types": ["deal.won"]}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    hook = WebhookSubscription.objects.get()
    assert answer.json()["secret"] == hook.secret and hook.created_by == world.admin
    assert "secret" not in client.get(f"/api/v1/webhooks/{hook.pk}/").json()
    assert (
        client.post("/api/v1/webhooks/", {"name": "x", "url": "http://10.1.2.3/"}, format="json").status_code
        == 400
    )
    assert (
        client.patch(f"/api/v1/webhooks/{hook.pk}/", {"active": False}, format="json").json()["active"]
        is False
    )


@pytest.mark.parametrize("who", ["director", "manager", "owner", "outsider"])
def test_others_cannot_touch_webhooks(world: World, who: str) -> None:
    hook = WebhookFactory(name="ERP")
    client = as_(getattr(world, who))
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert (
        client.post("/api/v1/webhooks/", {"name": "x", "url": PUBLIC_URL}, format="json").status_code == 403
    )
    assert client.patch(f"/api/v1/webhooks/{hook.pk}/", {"name": "y"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/webhooks/{hook.pk}/").status_code == 403
    hook.refresh_from_db()
    assert hook.name == "ERP" and WebhookSubscription.objects.count() == 1


def test_deliveries_and_replay(world: World) -> None:
    hook = WebhookFactory()
    first = Delivery.objects.create(subscription=hook, event_type="deal.won", body='{"id": "x"}')
    client = as_(world.admin)
    body = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").json()
    assert [d["id"] for d in body["results"]] == [first.pk]
    answer = client.post(f"/api/v1/webhooks/{hook.pk}/deliveries/{first.pk}/replay/")
    assert answer.status_code == 201 and answer.json()["replay_of"] == first.pk
    other = WebhookFactory()
    assert client.post(f"/api/v1/webhooks/{other.pk}/deliveries/{first.pk}/replay/").status_code == 404
    assert (
        as_(world.manager).post(f"/api/v1/webhooks/{hook.pk}/deliveries/{first.pk}/replay/").status_code
        == 403
    )
    assert Delivery.objects.count() == 2


def test_a_team_leader_manages_only_their_teams_robots(world: World) -> None:
    client = as_(world.manager)
    data = {
        "name": "East",
        "team": world.east_sales.pk,
        "platform": "feishu",
        "url": PUBLIC_URL,
        "secret": "s",
    }
    answer = client.post("/api/v1/team-robots/", data, format="json")
    assert answer.status_code == 201, answer.json()
    assert "secret" not in answer.json()
    west = RobotFactory(team=world.west_sales, name="West")
    assert client.patch(f"/api/v1/team-robots/{west.pk}/", {"name": "x"}, format="json").status_code == 404
    denied = client.post("/api/v1/team-robots/", {**data, "team": world.west_sales.pk}, format="json")
    assert denied.status_code in (400, 403)
    assert as_(world.owner).post("/api/v1/team-robots/", data, format="json").status_code == 403
    west.refresh_from_db()
    assert west.name == "West" and TeamRobot.objects.count() == 2
    assert [r["name"] for r in client.get("/api/v1/team-robots/").json()["results"]] == ["East"]


def test_event_types_are_listed(world: World) -> None:
    codes = {t["code"] for t in as_(world.owner).get("/api/v1/event-types/").json()}
    assert {"deal.won", "deal.lost", "deal.moved", "account.created", "lead.converted"} <= codes
    assert Notification.objects.count() == 0
