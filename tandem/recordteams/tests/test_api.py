"""The record team API: /api/v1/{accounts,deals}/{id}/members/, member-roles/, me/default-team/;
and the lists, search and exports of deals and accounts seen by a member."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User
from tandem.recordteams import services
from tandem.recordteams.models import MemberRole, RecordMember

pytestmark = pytest.mark.django_db


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def members(kind: str, pk: int, suffix: str = "") -> str:
    return f"/api/v1/{kind}s/{pk}/members/{suffix}"


def state() -> list[tuple[Any, ...]]:
    return list(
        RecordMember.objects.order_by("id").values_list("id", "user_id", "role_id", "access", "until")
    )


@pytest.mark.parametrize("kind", ["account", "deal"])
def test_owner_adds_changes_and_removes_a_member(world: World, kind: str) -> None:
    record = AccountFactory(owner=world.owner) if kind == "account" else DealFactory(owner=world.owner)
    client = as_(world.owner)
    response = client.post(
        members(kind, record.pk),
        {"user": world.support.pk, "role": "support", "access": "read"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["user"]["id"] == world.support.pk
    assert response.json()["role"] == "support"
    listed = client.get(members(kind, record.pk))
    assert listed.status_code == 200
    assert [m["user"]["id"] for m in listed.json()["results"]] == [world.support.pk]
    changed = client.patch(
        members(kind, record.pk, f"{world.support.pk}/"), {"access": "edit"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["access"] == "edit"
    assert client.delete(members(kind, record.pk, f"{world.support.pk}/")).status_code == 204
    assert not RecordMember.objects.exists()


@pytest.mark.parametrize("kind", ["account", "deal"])
def test_a_record_out_of_sight_answers_404_and_changes_nothing(world: World, kind: str) -> None:
    record = AccountFactory(owner=world.owner) if kind == "account" else DealFactory(owner=world.owner)
    services.member_add(actor=world.actor(world.owner), record=record, user=world.teammate, role="co_seller")
    before = state()
    client = as_(world.outsider)
    assert client.get(members(kind, record.pk)).status_code == 404
    body = {"user": world.outsider.pk, "role": "support"}
    assert client.post(members(kind, record.pk), body, format="json").status_code == 404
    assert (
        client.patch(
            members(kind, record.pk, f"{world.teammate.pk}/"), {"access": "edit"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(members(kind, record.pk, f"{world.teammate.pk}/")).status_code == 404
    assert state() == before


@pytest.mark.parametrize("kind", ["account", "deal"])
def test_a_read_member_sees_the_team_but_may_not_change_it(world: World, kind: str) -> None:
    record = AccountFactory(owner=world.owner) if kind == "account" else DealFactory(owner=world.owner)
    services.member_add(actor=world.actor(world.owner), record=record, user=world.outsider, role="co_seller")
    services.member_add(actor=world.actor(world.owner), record=record, user=world.teammate, role="presales")
    before = state()
    client = as_(world.outsider)
    assert client.get(members(kind, record.pk)).status_code == 200
    assert (
        client.post(
            members(kind, record.pk), {"user": world.two_teams.pk, "role": "support"}, format="json"
        ).status_code
        == 403
    )
    assert (
        client.patch(
            members(kind, record.pk, f"{world.teammate.pk}/"), {"access": "edit"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(members(kind, record.pk, f"{world.teammate.pk}/")).status_code == 403
    assert state() == before


def test_bad_input_answers_400_with_field_messages(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    client = as_(world.owner)
    for body, fields in [
        ({}, {"user", "role"}),
        ({"user": "x", "role": "support"}, {"user"}),
        ({"user": world.support.pk, "role": "nope", "access": "all"}, {"access"}),
        ({"user": world.support.pk, "role": "nope"}, {"role"}),
        ({"user": world.owner.pk, "role": "support"}, {"user"}),
        ({"user": world.gone.pk, "role": "support"}, {"user"}),
        ({"user": 10**30, "role": "support"}, {"user"}),
        ({"user": world.support.pk, "role": "support", "until": "2001-01-01"}, {"until"}),
    ]:
        response = client.post(members("deal", deal.pk), body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert fields <= set(response.json()), (body, response.json())
    assert not RecordMember.objects.exists()


def test_member_list_queries_stay_flat(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    client = as_(world.owner)
    people = [world.teammate, world.support, world.two_teams, world.outsider, world.manager]

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(members("deal", deal.pk)).status_code == 200
        return len(ctx.captured_queries)

    services.member_add(actor=world.actor(world.owner), record=deal, user=people[0], role="co_seller")
    few = count()
    for person in people[1:]:
        services.member_add(actor=world.actor(world.owner), record=deal, user=person, role="support")
    assert count() == few


def test_support_reads_a_member_deal_in_the_deals_api_list_search_and_export(world: World) -> None:
    deal = DealFactory(owner=world.owner, name="Zephyr rollout")
    DealFactory(owner=world.owner, name="Zephyr other")
    client = as_(world.support)
    assert client.get("/api/v1/deals/").status_code in (403, 200)
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    listed = client.get("/api/v1/deals/")
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()["results"]] == [deal.pk]
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    searched = client.get("/api/v1/deals/", {"q": "Zephyr"})
    assert [d["id"] for d in searched.json()["results"]] == [deal.pk]
    # membership gives no export: support has no export grant on deals
    assert client.get("/api/v1/deals/", {"format": "csv"}).status_code == 403
    # someone who may export deals exports the member deal beside their own scope's
    services.member_add(
        actor=world.actor(world.owner), record=deal, user=world.sibling_manager, role="manager"
    )
    exported = as_(world.sibling_manager).get("/api/v1/deals/", {"format": "csv"})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Zephyr rollout"]
    # read access: no edit, no delete
    assert (
        client.patch(
            f"/api/v1/deals/{deal.pk}/", {"name": "x", "version": deal.version}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/deals/{deal.pk}/").status_code == 403
    # removed: gone at once
    member = RecordMember.objects.get(user=world.support)
    services.member_remove(actor=world.actor(world.owner), member=member)
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code in (403, 404)


def test_account_member_reads_the_account_its_contacts_and_deals(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Quokka Works")
    contact = ContactFactory(account=account)
    deal = DealFactory(owner=world.owner, account=account)
    client = as_(world.outsider)
    assert client.get(f"/api/v1/accounts/{account.pk}/").status_code == 404
    services.member_add(
        actor=world.actor(world.owner),
        record=account,
        user=world.outsider,
        role="account_manager",
        access="edit",
    )
    assert client.get(f"/api/v1/accounts/{account.pk}/").status_code == 200
    assert account.pk in {a["id"] for a in client.get("/api/v1/accounts/", {"q": "Quokka"}).json()["results"]}
    assert contact.pk in {c["id"] for c in client.get("/api/v1/contacts/").json()["results"]}
    assert deal.pk in {d["id"] for d in client.get("/api/v1/deals/").json()["results"]}
    # edit access: may change the account, not delete it
    fresh = client.get(f"/api/v1/accounts/{account.pk}/").json()
    changed = client.patch(
        f"/api/v1/accounts/{account.pk}/", {"industry": "Mining", "version": fresh["version"]}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert client.delete(f"/api/v1/accounts/{account.pk}/").status_code == 403


def test_member_roles_admins_keep_them(world: World) -> None:
    assert as_(world.owner).get("/api/v1/member-roles/").status_code == 200
    body = {"code": "legal", "name": "Legal", "names": {"zh-hans": "法务"}}
    assert as_(world.owner).post("/api/v1/member-roles/", body, format="json").status_code == 403
    assert not MemberRole.objects.filter(code="legal").exists()
    created = as_(world.admin).post("/api/v1/member-roles/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert as_(world.admin).post("/api/v1/member-roles/", body, format="json").status_code == 400
    builtin = MemberRole.objects.get(code="support")
    refused = as_(world.admin).patch(f"/api/v1/member-roles/{builtin.pk}/", {"code": "x"}, format="json")
    assert refused.status_code == 400
    assert as_(world.admin).delete(f"/api/v1/member-roles/{builtin.pk}/").status_code == 400
    assert as_(world.admin).delete(f"/api/v1/member-roles/{pk}/").status_code == 204


def test_my_default_team_api(world: World) -> None:
    client = as_(world.owner)
    created = client.post(
        "/api/v1/me/default-team/", {"user": world.support.pk, "role": "support"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert (
        client.post(
            "/api/v1/me/default-team/", {"user": world.owner.pk, "role": "support"}, format="json"
        ).status_code
        == 400
    )
    assert [m["user"]["id"] for m in client.get("/api/v1/me/default-team/").json()["results"]] == [
        world.support.pk
    ]
    pk = created.json()["id"]
    assert as_(world.teammate).delete(f"/api/v1/me/default-team/{pk}/").status_code == 404
    assert client.delete(f"/api/v1/me/default-team/{pk}/").status_code == 204
