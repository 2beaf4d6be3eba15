"""The follow-up web UI: quick follow-up (htmx), the follow-ups list, edit and delete.

People come from the ``world`` fixture (tandem/conftest.py).
"""

from __future__ import annotations

import datetime
import json
import os
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

QUICK = "/follow-ups/quick/"
LIST = "/follow-ups/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Quick follow-up ------------------------------------------------------------------------


def test_it_logs_a_follow_up_on_my_account_and_returns_the_timeline_item(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = client_for(world.owner).post(
        QUICK, {"account": account.pk, "kind": "visit", "content": "Met the buyer"}, **HTMX
    )
    assert response.status_code == 200
    activity = Activity.objects.get()
    assert (activity.account, activity.kind, activity.author) == (account, "visit", world.owner)
    assert f'id="activity-{activity.pk}"' in response.content.decode()
    assert json.loads(response["HX-Trigger"])["tandem:toast"]["value"] == "Follow-up logged."
    account.refresh_from_db()
    assert account.last_follow_up_at == activity.occurred_at


def test_it_links_a_deal_follow_up_to_the_deals_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    deal = DealFactory(owner=world.owner, account=account)
    response = client_for(world.owner).post(QUICK, {"deal": deal.pk, "content": "Sent the quote"}, **HTMX)
    assert response.status_code == 200
    assert Activity.objects.get().account == account


def test_it_accepts_the_record_chosen_in_the_search_select(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    response = client_for(world.owner).post(QUICK, {"record": f"lead:{lead.pk}", "content": "Hi"}, **HTMX)
    assert response.status_code == 200
    assert Activity.objects.get().lead == lead


def test_it_rerenders_the_form_with_inline_errors_and_retargets_it(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    next_on = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client_for(world.owner).post(
        QUICK, {"account": account.pk, "content": "", "next_follow_up_on": next_on, "form_id": "qf-1"}, **HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "this"
    assert response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert 'id="qf-1"' in body
    assert "Write what happened." in body
    assert f'name="account" value="{account.pk}"' in body
    assert not Activity.objects.exists()


def test_it_refuses_a_follow_up_without_a_record(world: World) -> None:
    response = client_for(world.owner).post(QUICK, {"content": "About nothing"}, **HTMX)
    assert response.status_code == 400
    assert "Choose the record this follow-up is about." in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("who", ["teammate", "outsider"])
def test_it_answers_a_record_i_cannot_see_like_a_missing_one(world: World, who: str) -> None:
    account = AccountFactory(owner=world.owner)
    client = client_for(getattr(world, who))
    hidden = client.post(QUICK, {"account": account.pk, "content": "x"}, **HTMX)
    missing = client.post(QUICK, {"account": 999999, "content": "x"}, **HTMX)
    assert hidden.status_code == missing.status_code == 400
    assert "Select a valid choice." in hidden.content.decode()
    assert not Activity.objects.exists()


def test_it_lets_the_manager_log_on_a_subordinates_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = client_for(world.manager).post(QUICK, {"account": account.pk, "content": "Coaching"}, **HTMX)
    assert response.status_code == 200
    assert Activity.objects.get().author == world.manager


def test_it_redirects_back_without_htmx(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = client_for(world.owner).post(
        QUICK, {"account": account.pk, "content": "Call", "next": "/follow-ups/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/follow-ups/"


def test_it_does_not_redirect_off_site(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = client_for(world.owner).post(
        QUICK, {"account": account.pk, "content": "Call", "next": "https://evil.example/"}
    )
    assert response["Location"] == LIST


# --- The follow-ups list --------------------------------------------------------------------


def test_it_lists_my_follow_ups_by_default(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    ActivityFactory(author=world.owner, account=account, subject="My call")
    ActivityFactory(author=world.teammate, subject="Teammate call")
    body = client_for(world.owner).get(LIST).content.decode()
    assert "My call" in body and "Teammate call" not in body
    assert str(account.name) in body


def test_it_shows_the_manager_mine_first_and_everyone_on_request(world: World) -> None:
    ActivityFactory(author=world.owner, subject="Owner call")
    ActivityFactory(author=world.manager, subject="Manager call")
    ActivityFactory(author=world.outsider, subject="Outsider call")
    client = client_for(world.manager)
    body = client.get(LIST).content.decode()
    assert "Manager call" in body and "Owner call" not in body
    body = client.get(LIST, {"all": "1"}).content.decode()
    assert "Manager call" in body and "Owner call" in body and "Outsider call" not in body
    body = client.get(LIST, {"author": world.owner.pk}).content.decode()
    assert "Owner call" in body and "Manager call" not in body


def test_it_filters_by_kind_linked_record_and_date(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    ActivityFactory(author=world.owner, lead=lead, kind="visit", subject="Lead visit")
    ActivityFactory(
        author=world.owner,
        kind="call",
        subject="Old call",
        occurred_at=timezone.now() - datetime.timedelta(days=40),
    )
    client = client_for(world.owner)
    body = client.get(LIST, {"kind": "visit"}).content.decode()
    assert "Lead visit" in body and "Old call" not in body
    body = client.get(LIST, {"linked": "lead"}).content.decode()
    assert "Lead visit" in body and "Old call" not in body
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    body = client.get(LIST, {"occurred_after": since}).content.decode()
    assert "Lead visit" in body and "Old call" not in body


def test_it_does_not_name_a_linked_record_i_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider, name="Secret Account")
    ActivityFactory(author=world.owner, account=hidden, subject="Call about it")
    body = client_for(world.owner).get(LIST).content.decode()
    assert "Call about it" in body and "Secret Account" not in body


def test_it_lists_follow_ups_with_a_query_count_that_does_not_grow(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    lead = LeadFactory(owner=world.owner)
    client = client_for(world.owner)

    def count_with(rows: int) -> int:
        while Activity.objects.count() < rows:
            i = Activity.objects.count()
            ActivityFactory(
                author=world.owner, account=account if i % 2 else None, lead=None if i % 2 else lead
            )
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    assert count_with(5) == count_with(50)


# --- Edit / delete --------------------------------------------------------------------------


def test_it_lets_the_author_edit_a_follow_up(world: World) -> None:
    activity = ActivityFactory(author=world.owner, subject="Typo")
    client = client_for(world.owner)
    assert client.get(f"/follow-ups/{activity.pk}/edit/").status_code == 200
    response = client.post(
        f"/follow-ups/{activity.pk}/edit/", {"kind": "call", "subject": "Fixed", "content": "Done"}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.subject == "Fixed"


def test_it_shows_edit_errors_inline(world: World) -> None:
    activity = ActivityFactory(author=world.owner)
    response = client_for(world.owner).post(
        f"/follow-ups/{activity.pk}/edit/", {"kind": "call", "subject": "", "content": ""}
    )
    assert response.status_code == 400
    assert "Write what happened." in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("teammate", 404), ("outsider", 404), ("manager", 200)])
def test_it_guards_editing_someone_elses_follow_up(world: World, who: str, status: int) -> None:
    activity = ActivityFactory(author=world.owner, subject="Original")
    client = client_for(getattr(world, who))
    assert client.get(f"/follow-ups/{activity.pk}/edit/").status_code == status
    if status == 404:
        client.post(f"/follow-ups/{activity.pk}/edit/", {"kind": "call", "subject": "Changed"})
        assert client.post(f"/follow-ups/{activity.pk}/delete/").status_code == 404
        activity.refresh_from_db()
        assert (activity.subject, activity.deleted_at) == ("Original", None)


def test_it_refuses_delete_to_a_rep_without_the_grant(world: World) -> None:
    activity = ActivityFactory(author=world.owner)
    assert client_for(world.owner).post(f"/follow-ups/{activity.pk}/delete/").status_code == 403
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_it_lets_the_manager_delete_a_follow_up_to_the_recycle_bin(world: World) -> None:
    activity = ActivityFactory(author=world.owner)
    assert client_for(world.manager).post(f"/follow-ups/{activity.pk}/delete/").status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert Activity.all_objects.filter(pk=activity.pk).exists()


def test_it_renders_the_quick_follow_up_dialog_on_every_page(world: World) -> None:
    body = client_for(world.owner).get(LIST).content.decode()
    assert 'id="quick-followup-modal"' in body and "data-record-picker" in body
