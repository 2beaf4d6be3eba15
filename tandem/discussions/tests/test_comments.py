"""Comments and @mentions: /api/v1/comments/ and the services behind it."""

from __future__ import annotations

import datetime
import os
from importlib import import_module
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core.models import HistoryEntry, Notification
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.tests.factories import DealFactory
from tandem.discussions import mentions
from tandem.discussions.models import Comment, Mention
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

COMMENTS = "/api/v1/comments/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def post(user: User, record_type: str, record_id: int, body: str) -> Any:
    return as_(user).post(
        COMMENTS, {"record": {"type": record_type, "id": record_id}, "body": body}, format="json"
    )


RECORDS = {
    "account": lambda w: AccountFactory(owner=w.owner),
    "contact": lambda w: ContactFactory(owner=w.owner),
    "lead": lambda w: LeadFactory(owner=w.owner),
    "deal": lambda w: DealFactory(owner=w.owner),
}


@pytest.mark.parametrize("record_type", sorted(RECORDS))
def test_it_comments_on_each_kind_of_record_and_lists_it(world: World, record_type: str) -> None:
    record = RECORDS[record_type](world)
    response = post(world.owner, record_type, record.pk, "First call went well")
    assert response.status_code == 201, response.json()
    assert response.json()["record"] == {"type": record_type, "id": record.pk}
    listed = as_(world.manager).get(COMMENTS, {"record_type": record_type, "record_id": record.pk})
    assert listed.status_code == 200
    assert [c["body"] for c in listed.json()["results"]] == ["First call went well"]


@pytest.mark.parametrize("record_type", sorted(RECORDS))
def test_an_outsider_can_neither_read_nor_comment(world: World, record_type: str) -> None:
    record = RECORDS[record_type](world)
    post(world.owner, record_type, record.pk, "internal")
    assert (
        as_(world.outsider).get(COMMENTS, {"record_type": record_type, "record_id": record.pk}).status_code
        == 404
    )
    assert post(world.outsider, record_type, record.pk, "let me in").status_code == 404
    comment = Comment.objects.get()
    assert as_(world.outsider).get(f"{COMMENTS}{comment.pk}/").status_code == 404
    assert as_(world.outsider).delete(f"{COMMENTS}{comment.pk}/").status_code == 404
    assert Comment.objects.count() == 1 and Comment.objects.get().deleted_at is None


def test_bad_input_answers_400_with_field_messages(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    assert "body" in post(world.owner, "deal", deal.pk, "   ").json()
    assert as_(world.owner).post(COMMENTS, {"body": "x"}, format="json").status_code == 400
    assert post(world.owner, "planet", deal.pk, "x").status_code == 404
    assert as_(world.owner).get(COMMENTS, {"record_type": "deal"}).status_code == 400
    assert not Comment.objects.exists()


def test_the_author_edits_within_the_window_and_not_after(world: World, settings: Any) -> None:
    settings.TANDEM_COMMENT_EDIT_MINUTES = 15
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "draft").json()["id"]
    assert (
        as_(world.manager).patch(f"{COMMENTS}{comment_id}/", {"body": "mine"}, format="json").status_code
        == 403
    )
    response = as_(world.owner).patch(f"{COMMENTS}{comment_id}/", {"body": "final"}, format="json")
    assert response.status_code == 200 and response.json()["edited_at"]
    Comment.objects.filter(pk=comment_id).update(created_at=timezone.now() - datetime.timedelta(minutes=16))
    late = as_(world.owner).patch(f"{COMMENTS}{comment_id}/", {"body": "too late"}, format="json")
    assert late.status_code == 400 and "15 minutes" in late.json()["body"][0]
    assert Comment.objects.get(pk=comment_id).body == "final"


def test_deleting_leaves_a_trace_and_a_history_entry(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "oops, wrong deal").json()["id"]
    assert as_(world.manager).delete(f"{COMMENTS}{comment_id}/").status_code == 403
    assert Comment.objects.get(pk=comment_id).deleted_at is None
    assert as_(world.owner).delete(f"{COMMENTS}{comment_id}/").status_code == 204
    row = as_(world.owner).get(f"{COMMENTS}{comment_id}/").json()
    assert row["body"] == "" and row["deleted_at"] and row["deleted_by"]["id"] == world.owner.pk
    assert HistoryEntry.objects.filter(object_id=deal.pk, message__contains="Deleted a comment").exists()


def test_an_administrator_may_delete_anyones_comment(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "x").json()["id"]
    assert as_(world.admin).delete(f"{COMMENTS}{comment_id}/").status_code == 204
    assert Comment.objects.get(pk=comment_id).deleted_by_id == world.admin.pk


def test_a_mention_notifies_a_person_who_can_see_the_record(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    response = post(world.owner, "deal", deal.pk, "@manager can you join the call?")
    assert [p["username"] for p in response.json()["mentioned"]] == ["manager"]
    assert response.json()["not_visible"] == []
    note = Notification.objects.get(recipient=world.manager, kind="mention")
    assert note.url.endswith(f"#comment-{response.json()['id']}")


def test_a_mention_of_someone_who_cannot_see_the_record_does_not_leak_it(world: World) -> None:
    deal = DealFactory(owner=world.owner, name="Secret merger")
    response = post(world.owner, "deal", deal.pk, "@outsider have a look")
    assert response.json()["mentioned"] == []
    assert [p["username"] for p in response.json()["not_visible"]] == ["outsider"]
    assert not Notification.objects.filter(recipient=world.outsider).exists()
    assert Mention.objects.get().status == Mention.Status.NOT_VISIBLE


def test_only_someone_who_may_edit_the_record_may_add_the_mentioned_person(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "@outsider have a look").json()["id"]
    # The teammate sees nothing of the owner's deal (a rep's scope is their own): 404.
    url = f"{COMMENTS}{comment_id}/add-to-team/"
    assert as_(world.teammate).post(url, {"user": world.outsider.pk}, format="json").status_code == 404
    assert as_(world.support).post(url, {"user": world.outsider.pk}, format="json").status_code == 404
    assert Mention.objects.get().status == Mention.Status.NOT_VISIBLE


def test_a_team_mention_notifies_the_members_who_can_see_it(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    response = post(world.owner, "deal", deal.pk, "@[East sales] please help")
    told = {p["username"] for p in response.json()["mentioned"]}
    hidden = {p["username"] for p in response.json()["not_visible"]}
    assert told == {"manager"}  # the leader sees the team's deals
    assert hidden == {"teammate", "two_teams"}  # reps see their own only; gone is inactive
    assert (
        set(Notification.objects.filter(kind="mention").values_list("recipient__username", flat=True)) == told
    )


def test_text_is_escaped_and_mentions_become_links(world: World) -> None:
    html = mentions.render(
        '<script>alert(1)</script> hi @owner\nbye "@[East sales]"', [world.owner], [world.east_sales]
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'href="/org/people/{world.owner.pk}/"' in html and "@王小明" in html
    assert f'href="/org/teams/{world.east_sales.pk}/"' in html and "<br>" in html


def test_the_list_is_bounded_and_its_query_count_flat(
    world: World, django_assert_max_num_queries: Any
) -> None:
    deal = DealFactory(owner=world.owner)
    for n in range(3):
        post(world.owner, "deal", deal.pk, f"note {n} @manager")
    client = as_(world.owner)
    with django_assert_max_num_queries(12):
        client.get(COMMENTS, {"record_type": "deal", "record_id": deal.pk})
    for n in range(25):
        post(world.owner, "deal", deal.pk, f"more {n} @manager @[East sales]")
    with django_assert_max_num_queries(12):
        page = client.get(COMMENTS, {"record_type": "deal", "record_id": deal.pk}).json()
    assert len(page["results"]) == 20 and page["older"]
    older = client.get(
        COMMENTS, {"record_type": "deal", "record_id": deal.pk, "before": page["older"]}
    ).json()
    assert len(older["results"]) == 8 and older["older"] is None


def test_an_editor_adds_the_mentioned_person_who_is_then_told(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "@outsider have a look").json()["id"]
    url = f"{COMMENTS}{comment_id}/add-to-team/"
    response = as_(world.owner).post(url, {"user": world.outsider.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert Mention.objects.get().status == Mention.Status.ADDED
    assert Notification.objects.filter(recipient=world.outsider, kind="mention").exists()
    # Now a member with read access: they see the record and its comments.
    listed = as_(world.outsider).get(COMMENTS, {"record_type": "deal", "record_id": deal.pk})
    assert listed.status_code == 200 and len(listed.json()["results"]) == 1
    again = as_(world.owner).post(url, {"user": world.outsider.pk}, format="json")
    assert again.status_code == 400


def test_a_viewer_who_may_not_edit_cannot_add(world: World) -> None:
    from tandem.core.access import Actor
    from tandem.recordteams import services as recordteams

    deal = DealFactory(owner=world.owner)
    recordteams.member_add(
        actor=Actor.for_user(world.owner), record=deal, user=world.teammate, role="co_seller", access="read"
    )
    comment_id = post(world.teammate, "deal", deal.pk, "@outsider look").json()["id"]
    url = f"{COMMENTS}{comment_id}/add-to-team/"
    assert as_(world.teammate).post(url, {"user": world.outsider.pk}, format="json").status_code == 403
    assert Mention.objects.get().status == Mention.Status.NOT_VISIBLE
    assert not Notification.objects.filter(recipient=world.outsider).exists()


def test_an_edit_tells_only_the_newly_mentioned(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "@manager first").json()["id"]
    response = as_(world.owner).patch(
        f"{COMMENTS}{comment_id}/", {"body": "@manager first, @east_manager too"}, format="json"
    )
    assert [p["username"] for p in response.json()["mentioned"]] == ["east_manager"]
    assert Notification.objects.filter(recipient=world.manager, kind="mention").count() == 1
    assert Notification.objects.filter(recipient=world.east_manager, kind="mention").count() == 1


def test_a_deleted_comment_cannot_be_edited(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    comment_id = post(world.owner, "deal", deal.pk, "gone soon").json()["id"]
    as_(world.owner).delete(f"{COMMENTS}{comment_id}/")
    response = as_(world.owner).patch(f"{COMMENTS}{comment_id}/", {"body": "back"}, format="json")
    assert response.status_code == 400 and Comment.objects.get(pk=comment_id).body == ""


def test_earlier_commenters_hear_of_a_reply_once(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    post(world.manager, "deal", deal.pk, "How is it going?")
    post(world.owner, "deal", deal.pk, "Signing Friday")
    assert Notification.objects.filter(recipient=world.manager, kind="comment.reply").count() == 1
    post(world.owner, "deal", deal.pk, "@manager signed!")  # mentioned: told once, as a mention
    assert Notification.objects.filter(recipient=world.manager, kind="comment.reply").count() == 1
    assert not Notification.objects.filter(recipient=world.owner, kind="comment.reply").exists()
