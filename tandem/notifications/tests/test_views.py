"""Pages: the inbox's keyset pages, the bell's live count, preferences, webhooks and robots."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tandem.conftest import World
from tandem.notifications.models import Preference, TeamRobot, WebhookSubscription
from tandem.notifications.tests.factories import PUBLIC_URL, NotificationFactory, RobotFactory, WebhookFactory
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_pages_by_keyset(world: World, django_assert_max_num_queries: Any) -> None:
    NotificationFactory.create_batch(105, recipient=world.owner)
    NotificationFactory(recipient=world.outsider, title="Not mine")
    client = as_(world.owner)
    first = client.get("/notifications/")
    assert first.status_code == 200
    assert len(first.context["items"]) == 100 and first.context["next_key"]
    with django_assert_max_num_queries(40):
        second = client.get("/notifications/", {"before": first.context["next_key"]})
    assert len(second.context["items"]) == 5 and second.context["next_key"] == ""
    assert not {i.pk for i in first.context["items"]} & {i.pk for i in second.context["items"]}
    assert b"Not mine" not in first.content + second.content
    assert client.get("/notifications/", {"before": "garbage_x"}).status_code == 200


def test_the_bell_count_is_a_small_partial(world: World) -> None:
    NotificationFactory.create_batch(2, recipient=world.owner)
    NotificationFactory(recipient=world.outsider)
    answer = as_(world.owner).get("/notifications/badge/")
    assert answer.status_code == 200 and b">2<" in answer.content
    assert b"badge" not in as_(world.teammate).get("/notifications/badge/").content
    page = as_(world.owner).get("/")
    assert b'hx-get="/notifications/badge/"' in page.content


def test_preferences_page_saves_my_choices(world: World) -> None:
    client = as_(world.owner)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and b"deal_assigned-email" in page.content
    answer = client.post("/notifications/preferences/", {"mention-in_app": "on", "mention-digest": "on"})
    assert answer.status_code == 302
    mention = Preference.objects.get(user=world.owner, kind="mention")
    assert (mention.in_app, mention.email, mention.digest) == (True, False, True)
    zh = as_(world.owner).get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200


@pytest.mark.parametrize("who", ["director", "manager", "owner"])
def test_only_administrators_see_webhook_pages(world: World, who: str) -> None:
    hook = WebhookFactory(name="ERP")
    client = as_(getattr(world, who))
    assert client.get("/notifications/webhooks/").status_code == 403
    assert client.post("/notifications/webhooks/", {"name": "x", "url": PUBLIC_URL}).status_code == 403
    assert client.post(f"/notifications/webhooks/{hook.pk}/delete/").status_code == 403
    assert WebhookSubscription.objects.get().name == "ERP"


def test_an_administrator_adds_a_webhook_and_reads_its_log(world: World) -> None:
    client = as_(world.admin)
    assert client.get("/notifications/webhooks/").status_code == 200
    bad = client.post("/notifications/webhooks/", {"name": "x", "url": "http://127.0.0.1/"})
    assert bad.status_code == 400 and not WebhookSubscription.objects.exists()
    answer = client.post(
        "/notifications/webhooks/", {"name": "ERP", "url": PUBLIC_URL, "event_types": ["deal.won"]}
    )
    assert answer.status_code == 302
    hook = WebhookSubscription.objects.get()
    detail = client.get(answer["Location"])
    assert detail.status_code == 200 and hook.secret.encode() in detail.content


def test_a_leader_adds_a_robot_to_their_team_only(world: World) -> None:
    client = as_(world.manager)
    assert client.get("/notifications/robots/").status_code == 200
    answer = client.post(
        "/notifications/robots/",
        {
            "name": "East",
            "team": world.east_sales.pk,
            "platform": "dingtalk",
            "url": PUBLIC_URL,
            "active": "on",
        },
    )
    assert answer.status_code == 302
    west = RobotFactory(team=world.west_sales)
    bad = client.post(
        "/notifications/robots/",
        {"name": "W", "team": world.west_sales.pk, "platform": "slack", "url": PUBLIC_URL},
    )
    assert bad.status_code == 400
    assert client.get(f"/notifications/robots/{west.pk}/").status_code == 404
    assert as_(world.owner).get("/notifications/robots/").status_code == 403
    assert TeamRobot.objects.count() == 2


def test_a_leader_turns_their_robot_off_and_others_cannot(world: World) -> None:
    robot = RobotFactory(team=world.east_sales)
    assert (
        as_(world.sibling_manager)
        .post(f"/notifications/robots/{robot.pk}/active/", {"active": "0"})
        .status_code
        == 404
    )
    robot.refresh_from_db()
    assert robot.active is True
    assert (
        as_(world.manager).post(f"/notifications/robots/{robot.pk}/active/", {"active": "0"}).status_code
        == 302
    )
    robot.refresh_from_db()
    assert robot.active is False


def test_the_delivery_log_query_count_stays_flat(world: World, django_assert_max_num_queries: Any) -> None:
    from tandem.notifications.models import Delivery

    hook = WebhookFactory()

    def add(n: int) -> None:
        for _ in range(n):
            delivery = Delivery.objects.create(subscription=hook, event_type="deal.won", body="{}")
            delivery.attempt_log.create(at=delivery.created_at, status_code=500, response_body="no")

    add(2)
    client = as_(world.admin)
    client.get(f"/notifications/webhooks/{hook.pk}/")
    with django_assert_max_num_queries(60) as small:
        client.get(f"/notifications/webhooks/{hook.pk}/")
    add(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"/notifications/webhooks/{hook.pk}/").status_code == 200
