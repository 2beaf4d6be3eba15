"""Team robots: each platform's body (golden JSON) and signature; which team's robots hear an event."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied

from tandem.conftest import World
from tandem.deals import services as deal_services
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.notifications import sender, services, signing
from tandem.notifications.models import Delivery, Platform, TeamRobot
from tandem.notifications.tests.conftest import FakeTransport
from tandem.notifications.tests.factories import RobotFactory

TITLE, LINES, URL = "Deal won: Big", ["By 王小明"], "http://127.0.0.1:8000/deals/1/"


def test_dingtalk_body_is_markdown() -> None:
    assert signing.robot_message(Platform.DINGTALK, title=TITLE, lines=LINES, url=URL) == {
        "msgtype": "markdown",
        "markdown": {
            "title": "Deal won: Big",
            "text": "#### Deal won: Big\n\nBy 王小明\n\n[http://127.0.0.1:8000/deals/1/](http://127.0.0.1:8000/deals/1/)",
        },
    }


def test_wecom_body_is_markdown() -> None:
    assert signing.robot_message(Platform.WECOM, title=TITLE, lines=LINES, url=URL) == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**Deal won: Big**\nBy 王小明\n[http://127.0.0.1:8000/deals/1/](http://127.0.0.1:8000/deals/1/)"
        },
    }


def test_feishu_body_is_text() -> None:
    assert signing.robot_message(Platform.FEISHU, title=TITLE, lines=LINES, url=URL) == {
        "msg_type": "text",
        "content": {"text": "Deal won: Big\nBy 王小明\nhttp://127.0.0.1:8000/deals/1/"},
    }


def test_slack_body_is_text() -> None:
    assert signing.robot_message(Platform.SLACK, title=TITLE, lines=LINES, url=URL) == {
        "text": "Deal won: Big\nBy 王小明\nhttp://127.0.0.1:8000/deals/1/"
    }


def test_dingtalk_is_signed_in_the_query() -> None:
    message = {"msgtype": "markdown", "markdown": {"title": "t", "text": "x"}}
    url, body = signing.robot_request(
        Platform.DINGTALK,
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "SEC1",
        message,
        1700000000.5,
    )
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1700000000500"]
    mac = hmac.new(b"SEC1", b"1700000000500\nSEC1", hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(mac).decode()]
    assert json.loads(body) == message


def test_feishu_is_signed_in_the_body() -> None:
    message = {"msg_type": "text", "content": {"text": "x"}}
    _url, body = signing.robot_request(
        Platform.FEISHU, "https://open.feishu.cn/hook/x", "SEC2", message, 1700000000.9
    )
    sent = json.loads(body)
    mac = hmac.new(b"1700000000\nSEC2", b"", hashlib.sha256).digest()
    assert sent == {"timestamp": "1700000000", "sign": base64.b64encode(mac).decode(), **message}


def test_unsigned_platforms_post_the_message_as_it_is() -> None:
    message = {"text": "x"}
    assert signing.robot_request(Platform.SLACK, "https://hooks.slack.com/x", "", message, 1.0) == (
        "https://hooks.slack.com/x",
        '{"text":"x"}',
    )


@pytest.mark.django_db
def test_a_teams_robot_hears_its_records_and_its_sub_teams(world: World, transport: FakeTransport) -> None:
    own = RobotFactory(team=world.east_sales)
    above = RobotFactory(team=world.east, platform=Platform.DINGTALK, secret="s")
    above_only = RobotFactory(team=world.company, include_subteams=False)
    sibling = RobotFactory(team=world.west_sales)
    won_only = RobotFactory(team=world.east_sales, event_types=["deal.won"])
    deal = DealFactory(owner=world.owner, name="Big")
    deal_services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Won"))
    assert Delivery.objects.filter(robot=own).count() == 3
    assert Delivery.objects.filter(robot=above).count() == 3
    assert not Delivery.objects.filter(robot__in=[above_only, sibling]).exists()
    (won,) = Delivery.objects.filter(robot=won_only)
    assert json.loads(won.body) == {
        "text": f"Deal won: Big\nBy 王小明\nhttp://127.0.0.1:8000/deals/{deal.pk}/"
    }
    sender.send_due()
    assert len(transport.calls) == 7
    dingtalk = [c for c in transport.calls if "sign=" in c["url"]]
    assert len(dingtalk) == 3 and json.loads(dingtalk[0]["body"])["msgtype"] == "markdown"


@pytest.mark.django_db
def test_a_robot_answering_an_error_code_is_retried(world: World, transport: FakeTransport) -> None:
    RobotFactory(team=world.east_sales, platform=Platform.DINGTALK, event_types=["deal.won"])
    deal = DealFactory(owner=world.owner)
    deal_services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Won"))
    transport.body = '{"errcode": 310000, "errmsg": "sign not match"}'
    sender.send_due()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1


@pytest.mark.django_db
def test_the_teams_leader_and_administrators_manage_its_robots(world: World) -> None:
    data = {
        "name": "East group",
        "platform": "wecom",
        "url": "https://93.184.215.14/cgi-bin/webhook/send?key=k",
    }
    robot = services.robot_save(
        actor=world.actor(world.manager), robot=None, team=world.east_sales, data=data
    )
    services.robot_save(
        actor=world.actor(world.admin), robot=robot, team=world.east_sales, data={"active": False}
    )
    for person in (world.owner, world.sibling_manager, world.east_manager):
        with pytest.raises(PermissionDenied):
            services.robot_save(
                actor=world.actor(person), robot=robot, team=world.east_sales, data={"active": True}
            )
        with pytest.raises(PermissionDenied):
            services.robot_delete(actor=world.actor(person), robot=robot)
    robot.refresh_from_db()
    assert robot.active is False and TeamRobot.objects.count() == 1
