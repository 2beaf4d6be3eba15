"""The follow-ups REST API: /api/v1/activities/.

People come from the ``world`` fixture (tandem/conftest.py).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User

ACTIVITIES = "/api/v1/activities/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    """This folder's conftest points service tests at stub URLs; the API needs the project's own."""
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    yield
    translation.activate("en")


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def log(user: User, **data: Any) -> Any:
    return as_(user).post(ACTIVITIES, {"content": "Talked about the renewal", **data}, format="json")


def test_it_logs_a_follow_up_and_updates_the_accounts_last_follow_up(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = log(world.owner, account=account.pk, kind="visit", next_follow_up_on=tomorrow.isoformat())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["author"] == world.owner.pk and body["kind"] == "visit"
    fresh = Account.objects.get(pk=account.pk)
    assert fresh.last_follow_up_at is not None and fresh.next_follow_up_on == tomorrow


def test_it_fills_in_the_account_from_the_deal(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    deal = DealFactory(owner=world.owner, account=account)
    body = log(world.owner, deal=deal.pk).json()
    assert body["account"] == account.pk and body["deal"] == deal.pk


def test_it_refuses_a_follow_up_on_a_record_the_caller_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider)
    response = log(world.owner, account=hidden.pk)
    assert response.status_code == 400
    assert "account" in response.json()
    assert not Activity.objects.exists()


def test_it_answers_400_for_empty_or_future_follow_ups(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    empty = as_(world.owner).post(ACTIVITIES, {"account": account.pk}, format="json")
    assert empty.status_code == 400 and "content" in empty.json()
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    future = log(world.owner, account=account.pk, occurred_at=later)
    assert future.status_code == 400 and "occurred_at" in future.json()
    unlinked = log(world.owner)
    assert unlinked.status_code == 400 and "account" in unlinked.json()


def test_it_shows_a_follow_up_to_its_author_and_manager_only(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    activity_id = log(world.owner, account=account.pk).json()["id"]
    assert activity_id in ids(as_(world.manager).get(ACTIVITIES))
    for user in (world.teammate, world.outsider):
        assert activity_id not in ids(as_(user).get(ACTIVITIES))
        assert as_(user).get(f"{ACTIVITIES}{activity_id}/").status_code == 404
        assert (
            as_(user).patch(f"{ACTIVITIES}{activity_id}/", {"content": "x"}, format="json").status_code == 404
        )
    assert Activity.objects.get(pk=activity_id).content == "Talked about the renewal"


def test_the_author_edits_and_a_manager_deletes_a_follow_up(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    activity_id = log(world.owner, account=account.pk).json()["id"]
    url = f"{ACTIVITIES}{activity_id}/"
    edited = as_(world.owner).patch(url, {"subject": "Renewal", "kind": "meeting"}, format="json")
    assert edited.status_code == 200 and edited.json()["subject"] == "Renewal"
    assert as_(world.owner).patch(url, {"kind": "smoke signal"}, format="json").status_code == 400
    assert as_(world.owner).delete(url).status_code == 403
    assert as_(world.manager).delete(url).status_code == 204
    assert Account.objects.get(pk=account.pk).last_follow_up_at is None


def test_it_filters_follow_ups(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    other = AccountFactory(owner=world.teammate)
    earlier = (timezone.now() - datetime.timedelta(days=10)).isoformat()
    first = log(world.owner, account=account.pk, kind="call", occurred_at=earlier).json()["id"]
    second = log(world.teammate, account=other.pk, kind="visit").json()["id"]
    client = as_(world.manager)
    assert ids(client.get(ACTIVITIES, {"account": account.pk})) == {first}
    assert ids(client.get(ACTIVITIES, {"author": world.teammate.pk})) == {second}
    assert ids(client.get(ACTIVITIES, {"kind": "visit"})) == {second}
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids(client.get(ACTIVITIES, {"occurred_after": since})) == {second}
    assert ids(client.get(ACTIVITIES, {"occurred_before": since})) == {first}
    assert client.get(ACTIVITIES, {"kind": "fax"}).status_code == 400
    assert client.get(ACTIVITIES, {"occurred_after": "last week"}).status_code == 400


def test_the_follow_up_list_query_count_does_not_grow_with_rows(world: World) -> None:
    def make(n: int) -> None:
        for _i in range(n):
            account = AccountFactory(owner=world.owner)
            Activity.objects.create(
                account=account, author=world.owner, occurred_at=timezone.now(), content="x"
            )

    def count() -> int:
        client = as_(world.manager)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(ACTIVITIES, {"page_size": 200}).status_code == 200
        return len(ctx.captured_queries)

    make(5)
    small = count()
    make(35)
    assert count() == small


def _export_rows(user: User, language: str = "en") -> list[list[str]]:
    import csv
    import io

    response = as_(user).get(ACTIVITIES, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_export_names_authors_and_records_as_the_records_do(world: World, language: str) -> None:
    from tandem.activities.tests.factories import ActivityFactory
    from tandem.core import export
    from tandem.customers.tests.factories import ContactFactory
    from tandem.leads.tests.factories import LeadFactory

    account = AccountFactory(owner=world.owner, name="=Acme")
    deal = DealFactory(owner=world.owner, account=account, name="Big deal")
    contact = ContactFactory(owner=world.owner, account=account, name="Li Lei")
    lead = LeadFactory(owner=world.owner, name="Han", company="Hanco")
    made = [
        ActivityFactory(author=world.owner, account=account, deal=deal, contact=contact, kind="visit"),
        ActivityFactory(
            author=world.teammate, lead=lead, subject="-1", next_follow_up_on=timezone.localdate()
        ),
    ]
    with translation.override(language):
        rows = _export_rows(world.manager, language)
        by_id = {row[0]: row for row in rows[1:]}
        for activity in made:
            a = Activity.objects.get(pk=activity.pk)
            values = [
                a.pk,
                a.occurred_at,
                a.get_kind_display(),
                a.subject,
                a.content,
                str(a.author),
                *(str(r) if r else "" for r in (a.account, a.contact, a.lead, a.deal)),
                a.next_follow_up_on,
            ]
            assert by_id[str(a.pk)] == [str(export.csv_safe(export.plain(v))) for v in values]
    assert by_id[str(made[1].pk)][8] == "Han (Hanco)"


def test_the_export_s_queries_do_not_grow_with_its_rows(world: World) -> None:
    from tandem.activities.tests.factories import ActivityFactory

    def some(count: int) -> None:
        for _ in range(count):
            account = AccountFactory(owner=world.owner)
            ActivityFactory(author=world.owner, account=account, deal=DealFactory(owner=world.owner))

    some(2)
    with CaptureQueriesContext(connection) as few:
        _export_rows(world.manager)
    some(5)
    with CaptureQueriesContext(connection) as more:
        assert len(_export_rows(world.manager)) == 8
    assert len(more.captured_queries) == len(few.captured_queries)
