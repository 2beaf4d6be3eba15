"""The customers REST API: /api/v1/accounts/, contacts/, pools/, duplicates/check/.

People come from the ``world`` fixture (tandem/conftest.py): the owner and teammate are reps in
East sales under the manager; the outsider is a rep in West sales; support sees its own team's
customers but may not edit them; the administrator sees everything.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.core.models import Tag
from tandem.customers.models import Account, Contact, PoolEvent
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User

ACCOUNTS = "/api/v1/accounts/"
CONTACTS = "/api/v1/contacts/"
POOLS = "/api/v1/pools/"
DUPLICATES = "/api/v1/duplicates/check/"


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
    return {row["id"] for row in response.json()["results"]}


def account_state(account: Account) -> dict[str, Any]:
    state = Account.all_objects.filter(pk=account.pk).values().get()
    return state


def detail(account: Account, suffix: str = "") -> str:
    return f"{ACCOUNTS}{account.pk}/{suffix}"


# --- Visibility -----------------------------------------------------------------------------


def test_it_shows_an_account_to_its_owner_and_the_manager_above(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    for user in (world.owner, world.manager, world.east_manager, world.director, world.admin):
        assert account.pk in ids(as_(user).get(ACCOUNTS)), user
        assert as_(user).get(detail(account)).status_code == 200, user


def test_it_hides_an_account_from_a_teammate_and_an_outsider_as_if_missing(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    for user in (world.teammate, world.outsider, world.sibling_manager):
        assert account.pk not in ids(as_(user).get(ACCOUNTS))
        missing = as_(user).get(f"{ACCOUNTS}999999/")
        hidden = as_(user).get(detail(account))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def test_it_answers_404_for_a_write_to_an_account_the_caller_cannot_see(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Hidden Co")
    before = account_state(account)
    response = as_(world.outsider).patch(detail(account), {"name": "Mine now"}, format="json")
    assert response.status_code == 404
    assert as_(world.outsider).delete(detail(account)).status_code == 404
    assert account_state(account) == before


def test_it_answers_403_for_an_edit_of_a_visible_account_and_changes_nothing(world: World) -> None:
    # Support sees its team's customers (view, team scope) but has no edit grant.
    account = AccountFactory(owner=world.two_teams, team=world.support_team, name="Support Co")
    before = account_state(account)
    client = as_(world.support)
    assert client.get(detail(account)).status_code == 200
    response = client.patch(detail(account), {"name": "Changed"}, format="json")
    assert response.status_code == 403
    assert client.delete(detail(account)).status_code == 403
    assert account_state(account) == before


def test_it_does_not_let_a_rep_delete_their_own_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    assert as_(world.owner).delete(detail(account)).status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()


# --- Create, edit, delete -------------------------------------------------------------------


def test_it_creates_an_account_owned_by_the_caller_with_a_normalised_phone(world: World) -> None:
    response = as_(world.owner).post(
        ACCOUNTS, {"name": "华为技术有限公司", "phone": "138 0013 8000", "source": "web"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == world.owner.pk
    assert body["team"] == world.east_sales.pk
    assert body["phone"] == "+8613800138000"
    assert body["version"] == 1
    assert body["masked"] is False


def test_it_answers_400_with_field_messages_for_bad_account_input(world: World) -> None:
    client = as_(world.owner)
    response = client.post(ACCOUNTS, {"name": "", "phone": "12", "source": "nowhere"}, format="json")
    assert response.status_code == 400
    assert {"name", "source"} <= set(response.json())
    response = client.post(ACCOUNTS, {"name": "Acme", "phone": "12"}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    assert not Account.objects.filter(name="Acme").exists()


def test_it_refuses_an_owner_the_caller_may_not_give_records_to(world: World) -> None:
    response = as_(world.owner).post(ACCOUNTS, {"name": "Acme", "owner": world.teammate.pk}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()


def test_it_blocks_a_same_name_account_and_reports_the_match(world: World) -> None:
    AccountFactory(owner=world.owner, name="Acme Co., Ltd.")
    response = as_(world.owner).post(ACCOUNTS, {"name": "ACME Inc"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["blocking"] is True
    assert body["matches"][0]["kind"] == "name"


def test_it_edits_an_account_and_bumps_the_version(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = as_(world.owner).patch(
        detail(account), {"industry": "Retail", "version": 1, "lifecycle": "prospect"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["industry"] == "Retail"
    assert response.json()["lifecycle"] == "prospect"
    assert response.json()["version"] == 2


def test_it_answers_409_with_current_values_on_a_stale_version(world: World) -> None:
    account = AccountFactory(owner=world.owner, industry="Retail")
    client = as_(world.owner)
    assert (
        client.patch(detail(account), {"industry": "Banking", "version": 1}, format="json").status_code == 200
    )
    before = account_state(account)
    response = client.patch(detail(account), {"industry": "Mining", "version": 1}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["version"] == 2
    assert body["current"]["industry"] == "Banking"
    assert account_state(account) == before


def test_it_moves_a_deleted_account_to_the_recycle_bin(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = as_(world.manager).delete(detail(account))
    assert response.status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()
    assert Account.all_objects.get(pk=account.pk).deleted_by == world.manager


def test_it_sets_tags_and_filters_by_them(world: World) -> None:
    vip = Tag.objects.create(name="VIP")
    client = as_(world.owner)
    tagged = client.post(ACCOUNTS, {"name": "Tagged", "tags": [vip.pk]}, format="json").json()
    AccountFactory(owner=world.owner, name="Plain")
    assert tagged["tags"] == [{"id": vip.pk, "name": "VIP", "color": ""}]
    assert ids(client.get(ACCOUNTS, {"tag": "VIP"})) == {tagged["id"]}
    assert ids(client.get(ACCOUNTS, {"tag": vip.pk})) == {tagged["id"]}
    assert client.get(ACCOUNTS, {"tag": "nope"}).status_code == 400


# --- Lists: filters, ordering, pages, query counts ------------------------------------------


def test_it_filters_accounts_by_owner_team_level_lifecycle_and_search(world: World) -> None:
    mine = AccountFactory(owner=world.owner, name="Alpha Trading", phone="+8613800138000")
    theirs = AccountFactory(owner=world.teammate, name="Beta Foods", lifecycle="customer")
    west = AccountFactory(owner=world.outsider, name="Gamma West")
    client = as_(world.director)
    assert ids(client.get(ACCOUNTS, {"owner": world.owner.pk})) == {mine.pk}
    assert ids(client.get(ACCOUNTS, {"team": world.east.pk})) == {mine.pk, theirs.pk}
    assert ids(client.get(ACCOUNTS, {"team": world.west_sales.pk})) == {west.pk}
    assert ids(client.get(ACCOUNTS, {"lifecycle": "customer"})) == {theirs.pk}
    assert ids(client.get(ACCOUNTS, {"q": "alpha"})) == {mine.pk}
    assert ids(client.get(ACCOUNTS, {"q": "138 0013 8000"})) == {mine.pk}
    assert ids(client.get(ACCOUNTS, {"level": "A"})) == set()


def test_it_filters_accounts_by_follow_up_dates(world: World) -> None:
    now = timezone.now()
    stale = AccountFactory(owner=world.owner, last_follow_up_at=now - datetime.timedelta(days=40))
    never = AccountFactory(owner=world.owner)
    fresh = AccountFactory(owner=world.owner, last_follow_up_at=now, next_follow_up_on=timezone.localdate())
    client = as_(world.owner)
    cutoff = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert ids(client.get(ACCOUNTS, {"last_follow_up_before": cutoff})) == {stale.pk, never.pk}
    today = timezone.localdate().isoformat()
    assert ids(client.get(ACCOUNTS, {"next_follow_up_before": today})) == {fresh.pk}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"ordering": "phone"}, "ordering"),
        ({"ordering": "-owner__password"}, "ordering"),
        ({"lifecycle": "immortal"}, "lifecycle"),
        ({"in_pool": "maybe"}, "in_pool"),
        ({"owner": "abc"}, "owner"),
        ({"last_follow_up_before": "yesterday"}, "last_follow_up_before"),
        ({"page_size": "500"}, "page_size"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_it_answers_400_for_unknown_ordering_and_invalid_filters(
    world: World, params: dict[str, str], field: str
) -> None:
    response = as_(world.owner).get(ACCOUNTS, params)
    assert response.status_code == 400
    assert field in response.json()


def test_it_refuses_a_filter_on_an_owner_outside_visibility_like_a_missing_one(world: World) -> None:
    # Reps see every person, so use a team: a rep sees only their own team.
    response = as_(world.owner).get(ACCOUNTS, {"team": world.west_sales.pk})
    assert response.status_code == 400
    assert "team" in response.json()


def test_it_orders_accounts_by_a_whitelisted_field(world: World) -> None:
    AccountFactory(owner=world.owner, name="Bravo")
    AccountFactory(owner=world.owner, name="Alpha")
    rows = as_(world.owner).get(ACCOUNTS, {"ordering": "name"}).json()["results"]
    assert [r["name"] for r in rows] == ["Alpha", "Bravo"]


def test_it_pages_the_account_list(world: World) -> None:
    for _i in range(3):
        AccountFactory(owner=world.owner)
    body = as_(world.owner).get(ACCOUNTS, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None and body["previous"] is None


def _list_queries(client: APIClient, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_account_list_query_count_does_not_grow_with_rows(world: World) -> None:
    tag = Tag.objects.create(name="Key")
    pool = PoolFactory(members=[world.owner])

    def make(n: int) -> None:
        for i in range(n):
            account = AccountFactory(owner=world.owner if i % 2 else None, pool=pool)
            account.tags.add(tag)

    make(5)
    client = as_(world.owner)
    small = _list_queries(client, ACCOUNTS, {"page_size": 200})
    make(35)
    large = _list_queries(client, ACCOUNTS, {"page_size": 200})
    assert as_(world.owner).get(ACCOUNTS, {"page_size": 200}).json()["count"] == 40
    assert small == large


# --- Public pool: masking, claim, release, assign -------------------------------------------


def test_it_lists_a_pools_customers_to_members_with_contact_details_masked(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    in_pool = AccountFactory(owner=None, pool=pool, phone="+8613800138000", email="alice@example.com")
    AccountFactory(owner=world.owner, pool=pool)
    client = as_(world.owner)
    response = client.get(ACCOUNTS, {"pool": pool.pk, "in_pool": "true"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [in_pool.pk]
    assert rows[0]["phone"] == "+86 138****8000"
    assert rows[0]["email"] == "a***@example.com"
    assert rows[0]["masked"] is True
    single = client.get(detail(in_pool)).json()
    assert single["phone"] == "+86 138****8000"
    # Someone outside the pool does not see it at all.
    assert as_(world.outsider).get(detail(in_pool)).status_code == 404


def test_it_shows_a_pool_customers_details_to_people_who_may_edit_it(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    in_pool = AccountFactory(owner=None, pool=pool, phone="+8613800138000", email="alice@example.com")
    body = as_(world.admin).get(detail(in_pool)).json()
    assert body["phone"] == "+8613800138000"
    assert body["email"] == "alice@example.com"
    assert body["masked"] is False


def test_a_member_cannot_edit_a_pool_customer(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    in_pool = AccountFactory(owner=None, pool=pool, name="Pooled")
    before = account_state(in_pool)
    response = as_(world.owner).patch(detail(in_pool), {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert account_state(in_pool) == before


def test_it_lets_a_member_claim_a_pool_customer_and_then_unmasks_it(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    in_pool = AccountFactory(owner=None, pool=pool, phone="+8613800138000")
    response = as_(world.owner).post(detail(in_pool, "claim/"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["owner"] == world.owner.pk
    assert body["phone"] == "+8613800138000"
    assert body["in_pool"] is False
    assert PoolEvent.objects.filter(account=in_pool, kind="claim", actor=world.owner).exists()
    # The second claim loses.
    second = as_(world.teammate).post(detail(in_pool, "claim/"))
    assert second.status_code == 404  # no longer visible to the teammate


def test_it_refuses_a_claim_over_the_daily_limit_and_changes_nothing(world: World) -> None:
    pool = PoolFactory(members=[world.owner], daily_claim_limit=1)
    first = AccountFactory(owner=None, pool=pool)
    second = AccountFactory(owner=None, pool=pool)
    client = as_(world.owner)
    assert client.post(detail(first, "claim/")).status_code == 200
    before = account_state(second)
    response = client.post(detail(second, "claim/"))
    assert response.status_code == 400
    assert "daily limit" in response.json()["non_field_errors"][0]
    assert account_state(second) == before


def test_it_refuses_a_claim_over_the_most_one_person_may_own(world: World) -> None:
    pool = PoolFactory(members=[world.owner], max_owned_per_person=1)
    AccountFactory(owner=world.owner)
    in_pool = AccountFactory(owner=None, pool=pool)
    response = as_(world.owner).post(detail(in_pool, "claim/"))
    assert response.status_code == 400
    assert Account.objects.get(pk=in_pool.pk).owner_id is None


def test_it_releases_a_customer_to_the_pool_with_a_reason(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    account = AccountFactory(owner=world.owner, pool=pool)
    client = as_(world.owner)
    missing = client.post(detail(account, "release/"), {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    response = client.post(detail(account, "release/"), {"reason": "No budget this year"}, format="json")
    assert response.status_code == 200, response.json()
    fresh = Account.objects.get(pk=account.pk)
    assert fresh.owner_id is None and fresh.previous_owner_id == world.owner.pk
    assert PoolEvent.objects.get(account=account, kind="release").reason == "No budget this year"


def test_it_refuses_a_release_by_someone_who_may_not_edit(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    account = AccountFactory(owner=world.two_teams, team=world.support_team, pool=pool)
    before = account_state(account)
    response = as_(world.support).post(detail(account, "release/"), {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert account_state(account) == before


def test_a_manager_assigns_a_customer_and_a_rep_may_not(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    before = account_state(account)
    denied = as_(world.owner).post(
        detail(account, "assign/"), {"owner": world.teammate.pk, "reason": "x"}, format="json"
    )
    assert denied.status_code == 403
    assert account_state(account) == before
    response = as_(world.manager).post(
        detail(account, "assign/"), {"owner": world.teammate.pk, "reason": "Holiday cover"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == world.teammate.pk
    assert PoolEvent.objects.get(account=account, kind="assign").reason == "Holiday cover"


def test_a_pool_administrator_assigns_a_pool_customer(world: World) -> None:
    pool = PoolFactory(members=[world.owner], admins=[world.teammate])
    in_pool = AccountFactory(owner=None, pool=pool)
    response = as_(world.teammate).post(detail(in_pool, "assign/"), {"owner": world.owner.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert Account.objects.get(pk=in_pool.pk).owner_id == world.owner.pk


def test_it_refuses_to_assign_to_a_deactivated_person(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = as_(world.manager).post(detail(account, "assign/"), {"owner": world.gone.pk}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()


# --- Pools ----------------------------------------------------------------------------------


def test_it_lists_only_the_pools_a_person_belongs_to(world: World) -> None:
    mine = PoolFactory(members=[world.owner])
    by_team = PoolFactory(teams=[world.east])
    other = PoolFactory(teams=[world.west])
    AccountFactory(owner=None, pool=mine)
    body = as_(world.owner).get(POOLS).json()
    assert {r["id"] for r in body["results"]} == {mine.pk, by_team.pk}
    row = next(r for r in body["results"] if r["id"] == mine.pk)
    assert row["customer_count"] == 1 and row["is_pool_admin"] is False
    assert as_(world.owner).get(f"{POOLS}{other.pk}/").status_code == 404
    assert {r["id"] for r in as_(world.admin).get(POOLS).json()["results"]} >= {mine.pk, other.pk}


def test_it_previews_reclaims_for_pool_administrators_only(world: World) -> None:
    pool = PoolFactory(members=[world.owner], admins=[world.manager], days_without_follow_up=30)
    long_ago = timezone.now() - datetime.timedelta(days=45)
    due = AccountFactory(owner=world.owner, pool=pool, owned_since=long_ago, name="Sleepy")
    Account.objects.filter(pk=due.pk).update(created_at=long_ago)
    soon = AccountFactory(
        owner=world.owner, pool=pool, last_follow_up_at=timezone.now() - datetime.timedelta(days=29)
    )
    url = f"{POOLS}{pool.pk}/reclaim-preview/"
    assert as_(world.owner).get(url).status_code == 403
    response = as_(world.manager).get(url)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [c["account"] for c in body["due"]] == [due.pk]
    assert "No follow-up for 45 days" in body["due"][0]["reason"]
    assert [c["account"] for c in body["soon"]] == [soon.pk]
    assert as_(world.outsider).get(url).status_code == 404


# --- Duplicate check ------------------------------------------------------------------------


def test_it_reports_an_invisible_duplicate_by_existence_and_owner_only(world: World) -> None:
    AccountFactory(owner=world.outsider, name="Secret Corp", phone="+8613800138000")
    mine = AccountFactory(owner=world.owner, name="Open Corp", email="x@open.example")
    response = as_(world.owner).post(
        DUPLICATES, {"record_type": "account", "name": "Secret Corporation", "phone": "13800138000"}
    )
    assert response.status_code == 200
    matches = response.json()["matches"]
    assert len(matches) == 1
    match = matches[0]
    assert match["visible"] is False
    assert match["owner_name"] == "Olga Outsider"
    assert "id" not in match and "name" not in match
    visible = as_(world.owner).post(DUPLICATES, {"record_type": "account", "email": "x@open.example"}).json()
    assert visible["matches"][0]["id"] == mine.pk and visible["matches"][0]["name"] == "Open Corp"


def test_it_answers_400_for_a_duplicate_check_of_an_unknown_record_type(world: World) -> None:
    response = as_(world.owner).post(DUPLICATES, {"record_type": "planet"})
    assert response.status_code == 400
    assert "record_type" in response.json()


# --- Timeline -------------------------------------------------------------------------------


def test_it_merges_follow_ups_stage_changes_and_history_newest_first(world: World) -> None:
    client = as_(world.owner)
    account_id = client.post(ACCOUNTS, {"name": "Timeline Co"}, format="json").json()["id"]
    account = Account.objects.get(pk=account_id)
    deal = DealFactory(owner=world.owner, account=account)
    deal.stage_history.create(stage=deal.stage, entered_at=timezone.now(), actor=world.owner)
    logged = client.post(
        "/api/v1/activities/", {"account": account_id, "content": "Called the buyer"}, format="json"
    )
    assert logged.status_code == 201, logged.json()
    body = client.get(detail(account, "timeline/")).json()
    kinds = [item["kind"] for item in body["results"]]
    assert set(kinds) == {"history", "stage_change", "follow_up"}
    stamps = [item["at"] for item in body["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert body["next"] is None


def test_it_pages_the_timeline_with_a_cursor_without_losing_entries(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    at = timezone.now() - datetime.timedelta(hours=1)
    for i in range(5):
        Activity.objects.create(
            account=account, author=world.owner, occurred_at=at, content=f"n{i}", kind="call"
        )
    client = as_(world.owner)
    seen: list[int] = []
    url, params = detail(account, "timeline/"), {"limit": 2}
    while True:
        body = client.get(url, params).json()
        seen += [item["id"] for item in body["results"] if item["kind"] == "follow_up"]
        if body["next"] is None:
            break
        params = {"limit": 2, "before": body["next"]}
    assert sorted(seen) == sorted(Activity.objects.filter(account=account).values_list("pk", flat=True))
    assert len(seen) == 5
    assert client.get(url, {"before": "garbage"}).status_code == 400
    assert client.get(url, {"limit": 0}).status_code == 400


def test_the_timeline_reads_the_same_queries_for_more_entries_and_people(world: World) -> None:
    """Entries read only the columns they show (``only``): none is fetched row by row, whoever
    wrote them and whichever deal and stage they name."""
    from tandem.deals.models import DealStageHistory
    from tandem.deals.tests.factories import stage_named

    account = AccountFactory(owner=world.owner)
    client = as_(world.manager)
    url = detail(account, "timeline/")

    def add(author: User) -> None:
        Activity.objects.create(
            account=account, author=author, occurred_at=timezone.now(), content="called", kind="call"
        )
        deal = DealFactory(owner=world.owner, account=account)
        DealStageHistory.objects.create(
            deal=deal, stage=stage_named("Proposal"), entered_at=timezone.now(), actor=author
        )

    def count() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url).json()
        assert all(item["actor_name"] for item in body["results"] if item["kind"] != "history")
        return len(ctx.captured_queries), [item["title"] for item in body["results"]]

    add(world.owner)
    count()  # the first request may create what later ones only read
    few, titles = count()
    assert any("Proposal" in title for title in titles)
    add(world.teammate)
    add(world.manager)
    more, titles = count()
    assert more == few
    assert sum("Proposal" in title for title in titles) == 3


def test_it_masks_contact_details_in_a_pool_customers_timeline(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    account = AccountFactory(owner=world.manager, pool=pool)
    as_(world.manager).patch(detail(account), {"phone": "13800138000", "version": 1}, format="json")
    as_(world.manager).post(detail(account, "release/"), {"reason": "Too far"}, format="json")
    body = as_(world.owner).get(detail(account, "timeline/")).json()
    text = str(body)
    assert "+8613800138000" not in text
    assert "+86 138****8000" in text


# --- Export ---------------------------------------------------------------------------------


def test_it_exports_every_visible_filtered_account_as_csv(world: World) -> None:
    for i in range(3):
        AccountFactory(owner=world.owner, name=f"东方客户 {i}", phone="+8613800138000")
    AccountFactory(owner=world.outsider, name="West only")
    response = as_(world.manager).get(ACCOUNTS, {"format": "csv", "page_size": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "Name", "Owner"]
    names = {row[1] for row in rows[1:]}
    assert names == {"东方客户 0", "东方客户 1", "东方客户 2"}
    assert rows[1][2] == "王小明"


def test_it_exports_accounts_as_xlsx_with_translated_headers(world: World) -> None:
    AccountFactory(owner=world.owner, name="Alpha")
    AccountFactory(owner=world.owner, name="Beta")
    response = as_(world.manager).get(
        ACCOUNTS, {"format": "xlsx", "q": "alpha"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "Alpha"
    assert rows[0][0] == "ID"


def test_it_refuses_an_export_without_the_export_grant(world: World) -> None:
    AccountFactory(owner=world.owner)
    for fmt in ("csv", "xlsx"):
        response = as_(world.owner).get(ACCOUNTS, {"format": fmt})
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"


def test_the_export_query_count_does_not_grow_with_rows(world: World) -> None:
    tag = Tag.objects.create(name="Key")

    def make(n: int) -> None:
        for _i in range(n):
            AccountFactory(owner=world.owner).tags.add(tag)

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = as_(world.manager).get(ACCOUNTS, {"format": "csv"})
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    make(5)
    small = export_queries()
    make(35)
    assert export_queries() == small


def test_it_masks_pool_customers_in_an_export(world: World) -> None:
    pool = PoolFactory(members=[world.manager])
    AccountFactory(owner=None, pool=pool, phone="+8613800138000")
    response = as_(world.manager).get(ACCOUNTS, {"format": "csv", "in_pool": "true"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "138****8000" in content
    assert "0013" not in content


# --- Contacts -------------------------------------------------------------------------------


def test_it_creates_and_lists_contacts_within_visibility(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    client = as_(world.owner)
    response = client.post(
        CONTACTS, {"name": "李雷", "account": account.pk, "mobile": "13900139000"}, format="json"
    )
    assert response.status_code == 201, response.json()
    contact_id = response.json()["id"]
    assert response.json()["mobile"] == "+8613900139000"
    assert ids(client.get(CONTACTS, {"account": account.pk})) == {contact_id}
    assert ids(client.get(CONTACTS, {"q": "139 0013"})) == {contact_id}
    assert as_(world.outsider).get(f"{CONTACTS}{contact_id}/").status_code == 404
    assert contact_id in ids(as_(world.manager).get(CONTACTS))


def test_it_refuses_a_contact_on_an_account_the_caller_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider)
    response = as_(world.owner).post(CONTACTS, {"name": "Han", "account": hidden.pk}, format="json")
    assert response.status_code == 400
    assert "account" in response.json()
    assert not Contact.objects.filter(name="Han").exists()


def test_it_answers_409_on_a_stale_contact_version(world: World) -> None:
    contact = ContactFactory(owner=world.owner)
    client = as_(world.owner)
    url = f"{CONTACTS}{contact.pk}/"
    assert client.patch(url, {"title": "CTO", "version": 1}, format="json").status_code == 200
    response = client.patch(url, {"title": "CEO", "version": 1}, format="json")
    assert response.status_code == 409
    assert Contact.objects.get(pk=contact.pk).title == "CTO"


def _contact_export(user: User) -> list[list[str]]:
    response = as_(user).get(CONTACTS, {"format": "csv"})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_contact_export_reads_values_and_names_them_as_the_records_do(world: World) -> None:
    from tandem.core import export
    from tandem.core.phones import format_phone

    account = AccountFactory(owner=world.owner, name="=Acme")
    tagged = ContactFactory(owner=world.owner, account=account, name="Li Lei", mobile="+8613700137000")
    tagged.tags.add(Tag.objects.create(name="vip"), Tag.objects.create(name="Board"))
    bare = ContactFactory(owner=world.teammate, account=None, name="+Nobody", title="@CEO")
    rows = _contact_export(world.manager)
    by_id = {row[0]: row for row in rows[1:]}
    for contact in (tagged, bare):
        c = Contact.objects.get(pk=contact.pk)
        values = [
            c.pk,
            c.name,
            str(c.account) if c.account else "",
            c.title,
            format_phone(c.mobile),
            format_phone(c.phone),
            c.email,
            c.wechat,
            str(c.owner) if c.owner else "",
            ", ".join(tag.name for tag in c.tags.all()),
            c.last_follow_up_at,
            c.created_at,
        ]
        assert by_id[str(c.pk)] == [str(export.csv_safe(export.plain(v))) for v in values]
    assert by_id[str(tagged.pk)][9] == "Board, vip"


def test_the_contact_export_s_queries_do_not_grow_with_its_rows(world: World) -> None:
    tag = Tag.objects.create(name="Key")

    def some(count: int) -> None:
        for _ in range(count):
            account = AccountFactory(owner=world.owner)
            ContactFactory(owner=world.owner, account=account).tags.add(tag)

    some(2)
    with CaptureQueriesContext(connection) as few:
        _contact_export(world.manager)
    some(5)
    with CaptureQueriesContext(connection) as more:
        assert len(_contact_export(world.manager)) == 8
    assert len(more.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_account_export_reads_values_and_names_them_as_the_records_do(
    world: World, language: str
) -> None:
    from tandem.core import export
    from tandem.core.phones import format_phone
    from tandem.customers.models import AccountLevel
    from tandem.customers.serializers import mask_email, mask_phone

    pooled = AccountFactory(owner=None, pool=PoolFactory(members=[world.manager]), phone="+8613800138000")
    pooled.email = "buyer@pooled.example"
    pooled.save()
    owned = AccountFactory(
        owner=world.owner,
        name="=Acme",
        phone="+8613900139000",
        level=AccountLevel.objects.order_by("order").first(),
    )
    owned.tags.add(Tag.objects.create(name="vip"), Tag.objects.create(name="Board"))
    with translation.override(language):
        response = as_(world.manager).get(ACCOUNTS, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE=language)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        by_id = {row[0]: row for row in list(csv.reader(io.StringIO(text)))[1:]}
        for account, masked in ((pooled, True), (owned, False)):
            a = Account.objects.get(pk=account.pk)
            values = [
                a.pk,
                a.name,
                *(str(r) if r else "" for r in (a.owner, a.team, a.level)),
                a.get_lifecycle_display(),
                a.industry,
                a.get_source_display(),
                a.get_channel_display(),
                mask_phone(a.phone) if masked else format_phone(a.phone),
                mask_email(a.email) if masked else a.email,
                a.website,
                a.province,
                a.city,
                str(a.pool) if a.pool else "",
                ", ".join(tag.name for tag in a.tags.all()),
                a.last_follow_up_at,
                a.next_follow_up_on,
                a.created_at,
            ]
            assert by_id[str(a.pk)] == [str(export.csv_safe(export.plain(v))) for v in values]
    assert "138 0013" not in text
    assert "buyer@pooled.example" not in text
