"""The comments card on a record's page (htmx)."""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from django.test import Client

from tandem.conftest import World
from tandem.deals.tests.factories import DealFactory
from tandem.discussions.models import Comment, Mention
from tandem.org.models import User


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_deal_page_loads_the_card_and_the_card_shows_comments(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    page = as_(world.owner).get(f"/deals/{deal.pk}/")
    assert f'hx-get="/discussions/comments/deal/{deal.pk}/"' in page.content.decode()
    response = as_(world.owner).post(
        f"/discussions/comments/deal/{deal.pk}/post/", {"body": "Hello <b>team</b>\n@manager"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello &lt;b&gt;team&lt;/b&gt;<br>" in html and "<b>team</b>" not in html
    assert f'href="/org/people/{world.manager.pk}/"' in html
    card = as_(world.manager).get(f"/discussions/comments/deal/{deal.pk}/")
    assert card.status_code == 200 and "Hello &lt;b&gt;team" in card.content.decode()


def test_an_outsider_gets_404_and_writes_nothing(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    assert as_(world.outsider).get(f"/discussions/comments/deal/{deal.pk}/").status_code == 404
    assert (
        as_(world.outsider).post(f"/discussions/comments/deal/{deal.pk}/post/", {"body": "hi"}).status_code
        == 404
    )
    assert not Comment.objects.exists()


def test_an_empty_comment_shows_the_error_inline_with_400(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    response = as_(world.owner).post(f"/discussions/comments/deal/{deal.pk}/post/", {"body": "  "})
    assert response.status_code == 400 and "Write something first." in response.content.decode()
    assert not Comment.objects.exists()


def test_the_card_offers_to_add_a_mentioned_person_who_cannot_see_the_deal(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    html = (
        as_(world.owner)
        .post(f"/discussions/comments/deal/{deal.pk}/post/", {"body": "@outsider look"})
        .content.decode()
    )
    assert "Olga Outsider cannot see this record" in html
    comment = Comment.objects.get()
    response = as_(world.owner).post(
        f"/discussions/comments/{comment.pk}/add-to-team/", {"user": world.outsider.pk}
    )
    assert response.status_code == 200 and "cannot see this record" not in response.content.decode()
    assert Mention.objects.get().status == Mention.Status.ADDED


def test_delete_leaves_a_trace_on_the_card(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    as_(world.owner).post(f"/discussions/comments/deal/{deal.pk}/post/", {"body": "wrong deal"})
    comment = Comment.objects.get()
    assert as_(world.manager).post(f"/discussions/comments/{comment.pk}/delete/").status_code == 403
    html = as_(world.owner).post(f"/discussions/comments/{comment.pk}/delete/").content.decode()
    assert "Comment deleted by 王小明" in html and "wrong deal" not in html


def test_older_comments_come_in_chunks(world: World, django_assert_max_num_queries: Any) -> None:
    deal = DealFactory(owner=world.owner)
    client = as_(world.owner)
    for n in range(23):
        client.post(f"/discussions/comments/deal/{deal.pk}/post/", {"body": f"note {n}"})
    with django_assert_max_num_queries(16):
        html = client.get(f"/discussions/comments/deal/{deal.pk}/").content.decode()
    assert "note 22" in html and "note 2<" not in html and "Older comments" in html
    oldest = Comment.objects.order_by("pk")[3].pk
    older = client.get(f"/discussions/comments/deal/{deal.pk}/?before={oldest}").content.decode()
    assert "note 0" in older and "note 2" in older and "note 3" not in older


def test_home_shows_the_team_card_with_unread_announcements(world: World) -> None:
    from tandem.core.access import Actor
    from tandem.discussions import services

    services.announcement_publish(
        actor=Actor.for_user(world.manager), title="Lunch on Friday", team_ids=[world.east_sales.pk]
    )
    DealFactory(owner=world.owner)
    html = as_(world.owner).get("/").content.decode()
    assert "Lunch on Friday" in html and "/discussions/feed/" in html
    feed = as_(world.owner).get("/discussions/feed/")
    assert feed.status_code == 200
    assert as_(world.owner).get("/discussions/announcements/").status_code == 200


def test_the_card_reads_in_chinese(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    deal = DealFactory(owner=world.owner)
    html = (
        as_(world.owner)
        .post(f"/discussions/comments/deal/{deal.pk}/post/", {"body": "@outsider 看一下"})
        .content.decode()
    )
    assert "评论" in html and "无权查看此记录" in html
