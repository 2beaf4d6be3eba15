"""The customers web UI: accounts, contacts, public pools and duplicates, per named person.

People come from the ``world`` fixture: the owner and teammate are reps in East sales under the
manager (who sees the team's subtree); the outsider is a rep in West sales. Reps see and edit
their own records only and may not delete; pool members see (masked) and claim unowned customers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core.models import HistoryEntry, Tag
from tandem.customers.models import Account, AccountLevel, Contact, Pool, PoolMember
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.org.models import User


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    yield
    translation.activate("en")


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"customers:{name}", args=args)


def state(account: Account) -> tuple[Any, ...]:
    return tuple(
        Account.all_objects.filter(pk=account.pk)
        .values_list("name", "owner_id", "phone", "version", "deleted_at", "lifecycle")
        .get()
    )


@pytest.fixture
def pool(world: World) -> Pool:
    """East sales' pool: the owner and teammate are members; the manager administers it."""
    return PoolFactory(name="East pool", teams=[world.east_sales], admins=[world.manager])


@pytest.fixture
def pool_customer(pool: Pool) -> Account:
    return AccountFactory(owner=None, pool=pool, phone="+8613800138000", email="buyer@acme.cn")


# --- Account list ---------------------------------------------------------------------------


def test_it_lists_the_owners_accounts_and_hides_others(world: World) -> None:
    AccountFactory(owner=world.owner, name="Mine Ltd")
    AccountFactory(owner=world.outsider, name="West Ltd")
    response = as_(world.owner).get(url("account-list"))
    assert response.status_code == 200
    assert "Mine Ltd" in response.content.decode()
    assert "West Ltd" not in response.content.decode()


def test_the_manager_sees_the_teams_accounts_with_bulk_actions(world: World) -> None:
    AccountFactory(owner=world.owner, name="Mine Ltd")
    AccountFactory(owner=world.teammate, name="Teammate Ltd")
    body = as_(world.manager).get(url("account-list")).content.decode()
    assert "Mine Ltd" in body and "Teammate Ltd" in body
    assert "data-bulk-bar" in body and 'value="assign"' in body


def test_it_filters_with_the_api_filters_and_shows_chips(world: World) -> None:
    level_a = AccountLevel.objects.get(code="A")
    AccountFactory(owner=world.owner, name="Alpha Co", level=level_a)
    AccountFactory(owner=world.owner, name="Beta Co")
    body = as_(world.owner).get(url("account-list"), {"level": "A"}).content.decode()
    assert "Alpha Co" in body and "Beta Co" not in body
    assert "filter-chip" in body


def test_an_invalid_filter_shows_an_error_not_a_crash(world: World) -> None:
    response = as_(world.owner).get(url("account-list"), {"in_pool": "maybe"})
    assert response.status_code == 200
    assert "Enter true or false." in response.content.decode()


def test_it_marks_accounts_without_follow_up_for_30_days_as_stale(world: World) -> None:
    import datetime

    from django.utils import timezone

    old = AccountFactory(owner=world.owner, name="Old Co")
    Account.objects.filter(pk=old.pk).update(owned_since=timezone.now() - datetime.timedelta(days=40))
    body = as_(world.owner).get(url("account-list")).content.decode()
    assert "stale" in body


def test_the_empty_account_list_teaches_create_and_import(world: World) -> None:
    body = as_(world.owner).get(url("account-list")).content.decode()
    assert url("account-create") in body
    assert reverse("imports:job-list") not in body  # a rep may not import: no button to a 403
    assert reverse("imports:job-list") in as_(world.manager).get(url("account-list")).content.decode()


def test_the_account_list_query_count_does_not_grow_with_rows(world: World) -> None:
    tag = Tag.objects.create(name="vip")

    def make(n: int) -> None:
        for _ in range(n):
            account = AccountFactory(owner=world.owner, level=AccountLevel.objects.first())
            account.tags.add(tag)

    client = as_(world.manager)
    make(5)
    client.get(url("account-list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("account-list")).status_code == 200
    make(45)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("account-list")).status_code == 200
    assert len(many) == len(few)


def test_the_htmx_list_answers_the_table_only(world: World) -> None:
    AccountFactory(owner=world.owner, name="Mine Ltd")
    body = as_(world.owner).get(url("account-list"), HTTP_HX_REQUEST="true").content.decode()
    assert "Mine Ltd" in body and "<html" not in body


# --- Bulk actions ---------------------------------------------------------------------------


def test_the_manager_assigns_selected_accounts_and_invisible_ones_are_refused(world: World) -> None:
    a = AccountFactory(owner=world.owner)
    b = AccountFactory(owner=world.owner)
    west = AccountFactory(owner=world.outsider)
    response = as_(world.manager).post(
        url("account-bulk"),
        {"action": "assign", "ids": [a.pk, b.pk, west.pk], "owner": world.teammate.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert Account.objects.filter(pk__in=[a.pk, b.pk], owner=world.teammate).count() == 2
    assert Account.objects.get(pk=west.pk).owner == world.outsider
    text = " ".join(str(m) for m in response.context["messages"])
    assert "2 of 3" in text and "1 refused" in text


def test_bulk_tag_adds_a_tag_to_each_selected_account(world: World) -> None:
    a = AccountFactory(owner=world.owner)
    b = AccountFactory(owner=world.owner)
    as_(world.owner).post(url("account-bulk"), {"action": "tag", "ids": [a.pk, b.pk], "tag": "expo"})
    assert Account.objects.filter(tags__name="expo").count() == 2


def test_a_rep_cannot_bulk_delete_and_nothing_changes(world: World) -> None:
    a = AccountFactory(owner=world.owner)
    before = state(a)
    response = as_(world.owner).post(url("account-bulk"), {"action": "delete", "ids": [a.pk]}, follow=True)
    assert state(a) == before
    assert "refused" in " ".join(str(m) for m in response.context["messages"])


def test_bulk_delete_by_the_manager_moves_accounts_to_the_recycle_bin(world: World) -> None:
    a = AccountFactory(owner=world.owner)
    as_(world.manager).post(url("account-bulk"), {"action": "delete", "ids": [a.pk]})
    assert Account.all_objects.get(pk=a.pk).deleted_at is not None


# --- Account page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("manager", 200), ("teammate", 404), ("outsider", 404)]
)
def test_the_account_page_answers_per_person(world: World, who: str, status: int) -> None:
    account = AccountFactory(owner=world.owner, phone="+8613800138000")
    response = as_(getattr(world, who)).get(url("account-detail", account.pk))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "+86 138 0013 8000" in body
        assert "quick-followup" in body  # the one obvious next action


def test_the_account_page_shows_timeline_related_records_and_address_per_locale(world: World) -> None:
    account = AccountFactory(
        owner=world.owner, province="上海市", city="上海", district="浦东新区", street="世纪大道100号"
    )
    ContactFactory(account=account, name="李雷")
    ActivityFactory(account=account, author=world.owner, subject="First call")
    AccountFactory(owner=world.owner, parent=account, name="Acme Child")
    client = as_(world.owner)
    body = client.get(url("account-detail", account.pk)).content.decode()
    assert "李雷" in body and "First call" in body and "Acme Child" in body
    assert "上海, 上海市" not in body
    client.post(reverse("core:set-language"), {"language": "zh-hans", "next": "/"})
    body = client.get(url("account-detail", account.pk)).content.decode()
    assert "上海市浦东新区世纪大道100号" in body  # a municipality is named once


def test_the_related_cards_count_only_beyond_a_page(world: World) -> None:
    """Fewer contacts than a card shows: their number is the rows read, with no count query.
    More: counted, without the teammate's contact, which the owner may not see."""
    from tandem.core import access
    from tandem.customers import selectors

    account = AccountFactory(owner=world.owner)
    ContactFactory.create_batch(3, account=account, owner=world.owner)
    actor = access.Actor.for_user(world.owner)
    with CaptureQueriesContext(connection) as few:
        related = selectors.account_related(actor, account, limit=5)
    assert related["contact_count"] == 3 and related["deal_count"] == 0
    assert not [q for q in few.captured_queries if "COUNT(" in q["sql"]]
    ContactFactory.create_batch(4, account=account, owner=world.owner)
    ContactFactory(account=account, owner=world.teammate)
    with CaptureQueriesContext(connection) as many:
        related = selectors.account_related(actor, account, limit=5)
    assert len(related["contacts"]) == 5 and related["contact_count"] == 7
    assert len([q for q in many.captured_queries if "COUNT(" in q["sql"]]) == 1


def test_the_account_page_shows_the_lifecycle_stages_with_dates_in_both_languages(world: World) -> None:
    client = as_(world.owner)
    client.post(url("account-create"), {"name": "Lifecycle Test Co", "lifecycle": "lead"})
    account = Account.objects.get(name="Lifecycle Test Co")
    client.post(url("account-lifecycle", account.pk), {"stage": "prospect"})
    body = client.get(url("account-detail", account.pk)).content.decode()
    history = body[body.index("lifecycle-history") :]
    assert history.index("Prospect") < history.index("Lead")  # newest first
    client.post(reverse("core:set-language"), {"language": "zh-hans", "next": "/"})
    body = client.get(url("account-detail", account.pk)).content.decode()
    history = body[body.index("lifecycle-history") :]
    assert history.index("潜在客户") < history.index("线索")


def test_the_timeline_pages_with_older_entries(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    for _ in range(55):
        ActivityFactory(account=account, author=world.owner)
    client = as_(world.owner)
    body = client.get(url("account-detail", account.pk)).content.decode()
    assert "timeline-more" in body
    page = client.get(url("account-detail", account.pk))
    cursor = page.context["next_cursor"]
    more = client.get(url("account-timeline", account.pk), {"before": cursor})
    assert more.status_code == 200
    assert more.content.decode().count("timeline-item") >= 5


def test_a_pool_member_sees_a_pool_customer_masked(world: World, pool_customer: Account) -> None:
    body = as_(world.owner).get(url("account-detail", pool_customer.pk)).content.decode()
    assert "+86 138****8000" in body
    assert "13800138000" not in body and "0013 8000" not in body
    assert "b***@acme.cn" in body and "buyer@acme.cn" not in body


def test_a_non_member_does_not_see_a_pool_customer(world: World, pool_customer: Account) -> None:
    assert as_(world.outsider).get(url("account-detail", pool_customer.pk)).status_code == 404


# --- Account forms --------------------------------------------------------------------------


def test_it_creates_an_account_owned_by_me(world: World) -> None:
    response = as_(world.owner).post(url("account-create"), {"name": "New Co", "phone": "138 0013 8001"})
    account = Account.objects.get(name="New Co")
    assert response.status_code == 302 and response["Location"] == url("account-detail", account.pk)
    assert account.owner == world.owner and account.phone == "+8613800138001"


def test_bad_account_input_re_renders_with_inline_errors(world: World) -> None:
    response = as_(world.owner).post(url("account-create"), {"name": "", "phone": "12", "email": "nope"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "name" in form.errors and "email" in form.errors
    response = as_(world.owner).post(url("account-create"), {"name": "Phone Co", "phone": "12"})
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert not Account.objects.filter(name="Phone Co").exists()


def test_a_same_name_account_is_blocked_and_shows_the_match(world: World) -> None:
    AccountFactory(owner=world.outsider, name="Acme Trading")
    response = as_(world.owner).post(url("account-create"), {"name": "Acme Trading"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "exists, owned by Olga Outsider" in body
    assert "confirm_duplicates" not in body
    assert Account.objects.filter(name="Acme Trading").count() == 1


def test_a_warning_duplicate_can_be_saved_anyway(world: World) -> None:
    AccountFactory(owner=world.owner, name="Zeta Shop", phone="+8613800138000")
    data = {"name": "Other Name Entirely", "phone": "13800138000"}
    client = as_(world.owner)
    response = client.post(url("account-create"), data)
    assert response.status_code == 400
    assert "Zeta Shop" in response.content.decode()
    assert 'name="confirm_duplicates"' in response.content.decode()
    response = client.post(url("account-create"), {**data, "confirm_duplicates": "on"})
    assert response.status_code == 302
    assert Account.objects.filter(name="Other Name Entirely").exists()


def test_a_stale_edit_answers_409_with_both_versions(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Old Name", city="Hangzhou")
    client = as_(world.owner)
    Account.objects.filter(pk=account.pk).update(version=2, city="Suzhou")
    response = client.post(url("account-edit", account.pk), {"name": "Mine", "city": "Ningbo", "version": 1})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this record" in body
    assert "Suzhou" in body and "Ningbo" in body
    assert response.context["form"]["version"].value() == "2"
    assert Account.objects.get(pk=account.pk).name == "Old Name"
    response = client.post(url("account-edit", account.pk), {"name": "Mine", "city": "Ningbo", "version": 2})
    assert response.status_code == 302
    assert Account.objects.get(pk=account.pk).city == "Ningbo"


def test_editing_someone_elses_account_answers_404_and_changes_nothing(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    before = state(account)
    assert as_(world.outsider).post(url("account-edit", account.pk), {"name": "Hacked"}).status_code == 404
    assert as_(world.teammate).get(url("account-edit", account.pk)).status_code == 404
    assert state(account) == before


def test_a_pool_member_may_see_but_not_edit_a_pool_customer(world: World, pool_customer: Account) -> None:
    before = state(pool_customer)
    response = as_(world.owner).post(url("account-edit", pool_customer.pk), {"name": "Mine now"})
    assert response.status_code == 403
    assert state(pool_customer) == before


def test_a_rep_may_not_delete_their_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    before = state(account)
    assert as_(world.owner).post(url("account-delete", account.pk)).status_code == 403
    assert state(account) == before


def test_the_manager_deletes_an_account_into_the_recycle_bin(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    response = as_(world.manager).post(url("account-delete", account.pk))
    assert response.status_code == 302
    assert Account.all_objects.get(pk=account.pk).deleted_at is not None


def test_it_changes_the_lifecycle_stage(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    as_(world.owner).post(url("account-lifecycle", account.pk), {"stage": "prospect"})
    assert Account.objects.get(pk=account.pk).lifecycle == "prospect"


def test_the_owner_releases_with_a_reason_and_a_missing_reason_is_an_inline_error(
    world: World, pool: Pool
) -> None:
    account = AccountFactory(owner=world.owner, pool=pool)
    client = as_(world.owner)
    response = client.post(url("account-release", account.pk), {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert Account.objects.get(pk=account.pk).owner == world.owner
    response = client.post(url("account-release", account.pk), {"reason": "No budget this year"})
    assert response.status_code == 302
    assert Account.objects.get(pk=account.pk).owner is None


def test_the_manager_assigns_and_a_rep_may_not(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    before = state(account)
    assert (
        as_(world.owner).post(url("account-assign", account.pk), {"owner": world.teammate.pk}).status_code
        == 403
    )
    assert state(account) == before
    response = as_(world.manager).post(url("account-assign", account.pk), {"owner": world.teammate.pk})
    assert response.status_code == 302
    assert Account.objects.get(pk=account.pk).owner == world.teammate


# --- Public pool ----------------------------------------------------------------------------


def test_a_member_claims_a_pool_customer_with_htmx(world: World, pool_customer: Account) -> None:
    response = as_(world.owner).post(url("account-claim", pool_customer.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content == b""  # the row goes away
    assert "is yours now" in json.loads(response["HX-Trigger"])["tandem:toast"]["value"]
    assert Account.objects.get(pk=pool_customer.pk).owner == world.owner


def test_a_second_claim_answers_with_a_toast_and_changes_nothing(
    world: World, pool_customer: Account
) -> None:
    as_(world.owner).post(url("account-claim", pool_customer.pk), HTTP_HX_REQUEST="true")
    before = state(pool_customer)
    response = as_(world.teammate).post(url("account-claim", pool_customer.pk), HTTP_HX_REQUEST="true")
    # The teammate no longer sees the (now owned) customer: 404, exactly as if missing.
    assert response.status_code == 404
    assert state(pool_customer) == before


def test_the_daily_claim_limit_is_shown_as_a_danger_toast(world: World, pool: Pool) -> None:
    Pool.objects.filter(pk=pool.pk).update(daily_claim_limit=1)
    first = AccountFactory(owner=None, pool=pool)
    second = AccountFactory(owner=None, pool=pool)
    client = as_(world.owner)
    client.post(url("account-claim", first.pk), HTTP_HX_REQUEST="true")
    response = client.post(url("account-claim", second.pk), HTTP_HX_REQUEST="true")
    toast = json.loads(response["HX-Trigger"])["tandem:toast"]
    assert toast["level"] == "danger" and "daily limit" in toast["value"]
    assert response["HX-Reswap"] == "none"
    assert Account.objects.get(pk=second.pk).owner is None


def test_a_non_member_cannot_claim_and_nothing_changes(world: World, pool_customer: Account) -> None:
    before = state(pool_customer)
    assert as_(world.outsider).post(url("account-claim", pool_customer.pk)).status_code == 404
    assert state(pool_customer) == before


def test_the_pool_list_shows_my_pools_with_counts(world: World, pool: Pool) -> None:
    AccountFactory(owner=None, pool=pool)
    AccountFactory(owner=None, pool=pool)
    PoolFactory(name="West pool", teams=[world.west_sales])
    body = as_(world.owner).get(url("pool-list")).content.decode()
    assert "East pool" in body and "West pool" not in body
    assert ">2<" in body.replace(" ", "")


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("manager", 200), ("outsider", 404), ("admin", 200)]
)
def test_the_pool_page_answers_per_person(
    world: World, pool_customer: Account, who: str, status: int
) -> None:
    response = as_(getattr(world, who)).get(url("pool-detail", pool_customer.pool_id))
    assert response.status_code == status


def test_the_pool_page_masks_contact_data_for_members(world: World, pool_customer: Account) -> None:
    body = as_(world.owner).get(url("pool-detail", pool_customer.pool_id)).content.decode()
    assert pool_customer.name in body and "+86 138****8000" in body and "0013 8000" not in body
    assert url("account-claim", pool_customer.pk) in body
    assert "Reclaim preview" not in body  # members are not pool administrators


def test_the_pool_administrator_sees_the_reclaim_preview_and_bulk_assign(world: World, pool: Pool) -> None:
    import datetime

    from django.utils import timezone

    owned = AccountFactory(owner=world.owner, pool=pool, name="Sleepy Co")
    Account.objects.filter(pk=owned.pk).update(
        owned_since=timezone.now() - datetime.timedelta(days=40), last_follow_up_at=None
    )
    AccountFactory(owner=None, pool=pool)
    body = as_(world.manager).get(url("pool-detail", pool.pk)).content.decode()
    assert "Reclaim preview" in body and "Sleepy Co" in body and "No follow-up for 40 days" in body
    assert 'value="assign"' in body


def test_the_pool_page_query_count_does_not_grow_with_rows(world: World, pool: Pool) -> None:
    client = as_(world.owner)
    for _ in range(5):
        AccountFactory(owner=None, pool=pool)
    client.get(url("pool-detail", pool.pk))
    with CaptureQueriesContext(connection) as few:
        client.get(url("pool-detail", pool.pk))
    for _ in range(45):
        AccountFactory(owner=None, pool=pool)
    with CaptureQueriesContext(connection) as many:
        client.get(url("pool-detail", pool.pk))
    assert len(many) == len(few)


# A pool's rules as its administrator fills them in.
POOL_RULES = {
    "name": "East pool",
    "is_active": "on",
    "days_without_follow_up": 20,
    "days_without_open_deal": 0,
    "days_without_won_deal": 0,
    "remind_days_before": 3,
    "max_owned_per_person": 50,
    "daily_claim_limit": 5,
    "cooldown_days": 7,
}


def test_a_pool_administrator_edits_the_rules_including_days_per_level(world: World, pool: Pool) -> None:
    level_a = AccountLevel.objects.get(code="A")
    data = {**POOL_RULES, f"level_{level_a.pk}": 90}
    response = as_(world.manager).post(url("pool-edit", pool.pk), data)
    assert response.status_code == 302
    pool.refresh_from_db()
    assert (
        pool.days_without_follow_up == 20 and pool.days_by_level == {"A": 90} and pool.daily_claim_limit == 5
    )


def test_bad_pool_rules_re_render_with_inline_errors(world: World, pool: Pool) -> None:
    response = as_(world.manager).post(url("pool-edit", pool.pk), {"name": "", "days_without_follow_up": -1})
    assert response.status_code == 400
    assert {"name", "days_without_follow_up"} <= set(response.context["form"].errors)


def test_pool_rules_past_a_hundred_years_or_a_million_are_refused_inline(world: World, pool: Pool) -> None:
    level_a = AccountLevel.objects.get(code="A")
    for field, value in (
        ("days_without_follow_up", "99999999999999999999999999"),
        ("days_without_open_deal", "36501"),
        ("days_without_won_deal", "2147483648"),
        ("remind_days_before", "99999999999"),
        ("cooldown_days", "36501"),
        ("max_owned_per_person", "1000001"),
        ("daily_claim_limit", "99999999999999999999999999"),
        (f"level_{level_a.pk}", "36501"),
    ):
        response = as_(world.manager).post(url("pool-edit", pool.pk), {**POOL_RULES, field: value})
        assert response.status_code == 400, field
        assert field in response.context["form"].errors
        pool.refresh_from_db()
        assert pool.days_without_follow_up == 30 and pool.days_by_level == {} and pool.daily_claim_limit == 0
    assert (
        as_(world.manager)
        .post(url("pool-edit", pool.pk), {**POOL_RULES, "cooldown_days": "36500"})
        .status_code
        == 302
    )


def test_the_pool_service_refuses_rules_it_cannot_keep(world: World, pool: Pool) -> None:
    from tandem.core.access import Actor
    from tandem.customers import pool_admin

    actor = Actor.for_user(world.manager)
    for data, field in (
        ({"cooldown_days": 36_501}, "cooldown_days"),
        ({"daily_claim_limit": 2**40}, "daily_claim_limit"),
        ({"days_without_won_deal": -1}, "days_without_won_deal"),
        ({"remind_days_before": "3"}, "remind_days_before"),
        ({"days_by_level": {"A": 10**9}}, "days_by_level"),
    ):
        with pytest.raises(ValidationError) as refused:
            pool_admin.pool_update(actor=actor, pool=pool, data=data)
        assert field in refused.value.message_dict
    pool.refresh_from_db()
    assert pool.cooldown_days == 0 and pool.days_by_level == {}


def test_a_member_may_not_edit_pool_rules_and_nothing_changes(world: World, pool: Pool) -> None:
    assert as_(world.owner).get(url("pool-edit", pool.pk)).status_code == 403
    response = as_(world.owner).post(url("pool-edit", pool.pk), {"name": "Mine", "days_without_follow_up": 1})
    assert response.status_code == 403
    pool.refresh_from_db()
    assert pool.name == "East pool" and pool.days_without_follow_up == 30


def test_only_administrators_create_pools(world: World) -> None:
    assert as_(world.manager).get(url("pool-create")).status_code == 403
    data = {"name": "North pool", "days_without_follow_up": 30, "remind_days_before": 3}
    for field in (
        "days_without_open_deal",
        "days_without_won_deal",
        "max_owned_per_person",
        "daily_claim_limit",
        "cooldown_days",
    ):
        data[field] = 0
    data["teams"] = [world.west_sales.pk]
    response = as_(world.admin).post(url("pool-create"), data)
    assert response.status_code == 302
    created = Pool.objects.get(name="North pool")
    assert list(created.teams.all()) == [world.west_sales]


def test_a_pool_administrator_manages_members(world: World, pool: Pool) -> None:
    client = as_(world.manager)
    response = client.post(url("pool-members", pool.pk), {"user": world.outsider.pk, "is_admin": ""})
    assert response.status_code == 302
    assert PoolMember.objects.filter(pool=pool, user=world.outsider, is_admin=False).exists()
    client.post(url("pool-member-admin", pool.pk, world.outsider.pk), {"is_admin": "1"})
    assert PoolMember.objects.get(pool=pool, user=world.outsider).is_admin
    client.post(url("pool-member-remove", pool.pk, world.outsider.pk))
    assert not PoolMember.objects.filter(pool=pool, user=world.outsider).exists()
    assert as_(world.owner).post(url("pool-members", pool.pk), {"user": world.teammate.pk}).status_code == 403
    assert not PoolMember.objects.filter(pool=pool, user=world.teammate).exists()


# --- Duplicates -----------------------------------------------------------------------------


def test_the_duplicates_page_pairs_editable_accounts_with_the_reason(world: World) -> None:
    AccountFactory(owner=world.owner, name="Acme One", phone="+8613800138000")
    AccountFactory(owner=world.teammate, name="Totally Different", phone="+8613800138000")
    AccountFactory(owner=world.outsider, name="West Copy", phone="+8613800138000")
    body = as_(world.manager).get(url("duplicates")).content.decode()
    assert "Acme One" in body and "Totally Different" in body and "West Copy" not in body
    assert "same phone" in body and "Merge into this one" in body
    assert as_(world.owner).get(url("duplicates")).content.decode().count("dup-pair") == 0


def test_the_duplicates_page_finds_similar_names(world: World) -> None:
    AccountFactory(owner=world.owner, name="上海艾克美贸易有限公司")
    AccountFactory(owner=world.owner, name="上海艾克美贸易有限公司分部")
    body = as_(world.owner).get(url("duplicates")).content.decode()
    assert "similar name" in body


def test_merging_from_the_duplicates_page_keeps_the_chosen_account(world: World) -> None:
    keep = AccountFactory(owner=world.owner, name="Keep Co", phone="+8613800138000")
    other = AccountFactory(owner=world.owner, name="Other Co", phone="+8613800138000")
    ContactFactory(account=other)
    response = as_(world.owner).post(url("account-merge"), {"keep": keep.pk, "merge": other.pk})
    assert response.status_code == 302 and response["Location"] == url("account-detail", keep.pk)
    assert Contact.objects.filter(account=keep).count() == 1
    assert Account.all_objects.get(pk=other.pk).deleted_at is not None


def test_an_outsider_cannot_merge_and_nothing_changes(world: World) -> None:
    keep = AccountFactory(owner=world.owner)
    other = AccountFactory(owner=world.owner)
    before = (state(keep), state(other), HistoryEntry.objects.count())
    response = as_(world.outsider).post(url("account-merge"), {"keep": keep.pk, "merge": other.pk})
    assert response.status_code == 404
    assert (state(keep), state(other), HistoryEntry.objects.count()) == before


def test_a_pool_member_cannot_merge_pool_customers(world: World, pool: Pool) -> None:
    keep = AccountFactory(owner=None, pool=pool)
    other = AccountFactory(owner=None, pool=pool)
    before = (state(keep), state(other))
    assert (
        as_(world.owner).post(url("account-merge"), {"keep": keep.pk, "merge": other.pk}).status_code == 403
    )
    assert (state(keep), state(other)) == before


# --- Contacts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("manager", 200), ("teammate", 404), ("outsider", 404)]
)
def test_the_contact_page_answers_per_person(world: World, who: str, status: int) -> None:
    contact = ContactFactory(owner=world.owner, name="韩梅梅", mobile="+8613900139000")
    response = as_(getattr(world, who)).get(url("contact-detail", contact.pk))
    assert response.status_code == status
    if status == 200:
        assert "+86 139 0013 9000" in response.content.decode()


def test_the_contact_list_searches_by_phone_and_hides_others(world: World) -> None:
    ContactFactory(owner=world.owner, name="韩梅梅", mobile="+8613900139000")
    ContactFactory(owner=world.owner, name="Li Lei", mobile="+8613700137000")
    ContactFactory(owner=world.outsider, name="West Person", mobile="+8613900139000")
    body = as_(world.owner).get(url("contact-list"), {"q": "139 0013"}).content.decode()
    assert "韩梅梅" in body and "Li Lei" not in body and "West Person" not in body


def test_the_contact_list_query_count_does_not_grow_with_rows(world: World) -> None:
    client = as_(world.manager)
    for _ in range(5):
        ContactFactory(owner=world.owner, account=AccountFactory(owner=world.owner))
    client.get(url("contact-list"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("contact-list"))
    for _ in range(45):
        ContactFactory(owner=world.owner, account=AccountFactory(owner=world.owner))
    with CaptureQueriesContext(connection) as many:
        client.get(url("contact-list"))
    assert len(many) == len(few)


def test_a_contact_can_only_be_linked_to_a_visible_account(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    west = AccountFactory(owner=world.outsider)
    client = as_(world.owner)
    response = client.post(url("contact-create"), {"name": "Wrong link", "account": west.pk})
    assert response.status_code == 400 and "account" in response.context["form"].errors
    assert not Contact.objects.filter(name="Wrong link").exists()
    response = client.post(
        url("contact-create"), {"name": "Right link", "account": mine.pk, "mobile": "13900139001"}
    )
    assert response.status_code == 302
    assert Contact.objects.get(name="Right link").account == mine


def test_the_account_search_offers_only_visible_accounts(world: World) -> None:
    AccountFactory(owner=world.owner, name="Acme East", phone="+8613800138000")
    AccountFactory(owner=world.outsider, name="Acme West")
    body = as_(world.owner).get(url("account-options"), {"q": "Acme"}).content.decode()
    assert "Acme East" in body and "Acme West" not in body
    body = as_(world.owner).get(url("account-options"), {"q": "138 0013"}).content.decode()
    assert "Acme East" in body


def test_a_stale_contact_edit_answers_409(world: World) -> None:
    contact = ContactFactory(owner=world.owner, name="Old")
    Contact.objects.filter(pk=contact.pk).update(version=3, title="CEO")
    response = as_(world.owner).post(
        url("contact-edit", contact.pk), {"name": "New", "title": "CTO", "version": 1}
    )
    assert response.status_code == 409
    assert "CEO" in response.content.decode() and "CTO" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).name == "Old"


def test_editing_someone_elses_contact_answers_404_and_a_rep_may_not_delete(world: World) -> None:
    contact = ContactFactory(owner=world.owner, name="Kept")
    assert as_(world.outsider).post(url("contact-edit", contact.pk), {"name": "X"}).status_code == 404
    assert as_(world.owner).post(url("contact-delete", contact.pk)).status_code == 403
    assert Contact.objects.get(pk=contact.pk).name == "Kept"


def test_the_pages_render_in_chinese(world: World, pool_customer: Account) -> None:
    client = as_(world.manager)
    client.post(reverse("core:set-language"), {"language": "zh-hans", "next": "/"})
    AccountFactory(owner=world.owner)
    for name, args in [
        ("account-list", ()),
        ("contact-list", ()),
        ("pool-list", ()),
        ("pool-detail", (pool_customer.pool_id,)),
        ("duplicates", ()),
        ("account-create", ()),
    ]:
        response = client.get(url(name, *args))
        assert response.status_code == 200, name
        assert 'lang="zh-hans"' in response.content.decode()


# --- Names per language (decision 0010) -------------------------------------------------------


def test_a_pool_is_named_in_each_language_and_read_in_the_readers(world: World, pool: Pool) -> None:
    data = {
        "name": "East pool",
        "name_en": "East pool",
        "name_zh_hans": "华东公海",
        "is_active": "on",
        "days_without_follow_up": 30,
        "days_without_open_deal": 0,
        "days_without_won_deal": 0,
        "remind_days_before": 3,
        "max_owned_per_person": 0,
        "daily_claim_limit": 0,
        "cooldown_days": 0,
    }
    assert as_(world.manager).post(url("pool-edit", pool.pk), data).status_code == 302
    pool.refresh_from_db()
    assert pool.names == {"en": "East pool", "zh-hans": "华东公海"}
    world.manager.language = "zh-hans"
    world.manager.save(update_fields=["language"])
    page = as_(world.manager).get(url("pool-detail", pool.pk)).content.decode()
    assert "华东公海" in page
    with translation.override("zh-hans"):
        assert pool.display_name == "华东公海"
    with translation.override("en"):
        assert pool.display_name == "East pool"


def test_a_member_may_not_rename_a_pool_in_another_language(world: World, pool: Pool) -> None:
    response = as_(world.owner).post(
        url("pool-edit", pool.pk),
        {"name": "East pool", "name_zh_hans": "我的公海", "days_without_follow_up": 30},
    )
    assert response.status_code == 403
    pool.refresh_from_db()
    assert pool.names == {}


def test_an_account_level_reads_in_the_readers_language_on_pages_and_in_the_api(world: World) -> None:
    level = AccountLevel.objects.get(code="A")
    level.names = {"en": "Key account", "zh-hans": "重点客户"}
    level.save(update_fields=["names"])
    account = AccountFactory(owner=world.owner, level=level)
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    page = as_(world.owner).get(url("account-detail", account.pk)).content.decode()
    assert "重点客户" in page
    api = as_(world.owner).get(f"/api/v1/accounts/{account.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.json()["level_name"] == "Key account"
