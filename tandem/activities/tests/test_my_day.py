"""My day: follow-ups due (overdue, today, next seven days), live pool warnings, the page.

People come from the ``world`` fixture (tandem/conftest.py): the owner and their teammate in East
sales, the manager above them, an outsider in West sales.
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

from tandem.activities import selectors, services
from tandem.conftest import World
from tandem.core import access
from tandem.core.models import Notification
from tandem.customers import pools
from tandem.customers.models import Account, Pool
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

DAY = datetime.timedelta(days=1)
MY_DAY = "/follow-ups/my-day/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _due(owner: User, days_from_today: int, **kwargs: Any) -> Account:
    return AccountFactory(
        owner=owner, next_follow_up_on=timezone.localdate() + days_from_today * DAY, **kwargs
    )


@pytest.fixture
def pool(world: World) -> Pool:
    return PoolFactory(
        name="East pool", teams=[world.east_sales], admins=[world.manager], days_without_follow_up=30
    )


def _silent_for(account: Account, days: int) -> Account:
    Account.objects.filter(pk=account.pk).update(last_follow_up_at=timezone.now() - days * DAY)
    account.refresh_from_db()
    return account


# --- Selectors ------------------------------------------------------------------------------


def test_it_groups_my_follow_ups_into_overdue_today_and_the_next_seven_days(world: World) -> None:
    late = _due(world.owner, -3, name="Late")
    now = _due(world.owner, 0, name="Now")
    soon = _due(world.owner, 7, name="Soon")
    _due(world.owner, 8, name="Later")
    lead = LeadFactory(owner=world.owner, next_follow_up_on=timezone.localdate() - DAY)
    deal = DealFactory(owner=world.owner, next_follow_up_on=timezone.localdate())
    _due(world.teammate, -1, name="Not mine")

    day = selectors.my_day(actor=world.actor(world.owner))

    assert [(i.type, i.obj.pk) for i in day.groups["overdue"].items] == [
        ("account", late.pk),
        ("lead", lead.pk),
    ]
    assert {(i.type, i.obj.pk) for i in day.groups["today"].items} == {("account", now.pk), ("deal", deal.pk)}
    assert [i.obj.pk for i in day.groups["upcoming"].items] == [soon.pk]
    assert {n: g.count for n, g in day.groups.items()} == {"overdue": 2, "today": 2, "upcoming": 1}
    assert day.groups["overdue"].items[0].days == 3


def test_it_bounds_each_group_and_says_there_is_more(world: World) -> None:
    for _ in range(4):
        _due(world.owner, -2)
    day = selectors.my_day(actor=world.actor(world.owner), limit=3)
    assert (day.groups["overdue"].count, len(day.groups["overdue"].items), day.groups["overdue"].more) == (
        4,
        3,
        True,
    )


def test_it_shows_the_manager_a_reps_day_but_not_the_outsider(world: World) -> None:
    late = _due(world.owner, -1)

    manager = world.actor(world.manager)
    assert world.owner in selectors.person_choices(manager)
    person = selectors.person_for(manager, world.owner.pk)
    assert person == world.owner
    assert [i.obj.pk for i in selectors.my_day(actor=manager, person=person).groups["overdue"].items] == [
        late.pk
    ]

    outsider = world.actor(world.outsider)
    assert world.owner not in selectors.person_choices(outsider)
    assert selectors.person_for(outsider, world.owner.pk) == world.outsider


def test_it_shows_a_teammate_only_what_their_scope_shows(world: World) -> None:
    _due(world.owner, -1)
    teammate = world.actor(world.teammate)
    person = selectors.person_for(teammate, world.owner.pk)
    day = selectors.my_day(actor=teammate, person=person)
    visible = access.visible(teammate, "account", Account.objects.filter(owner=world.owner)).count()
    assert day.groups["overdue"].count == (visible if person == world.owner else 0)


def test_it_reads_my_day_in_a_number_of_queries_that_does_not_grow(world: World) -> None:
    actor = world.actor(world.owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.my_day(actor=actor)
        return len(ctx.captured_queries)

    for days in (-2, 0, 3):
        _due(world.owner, days)
        LeadFactory(owner=world.owner, next_follow_up_on=timezone.localdate() + days * DAY)
        DealFactory(owner=world.owner, next_follow_up_on=timezone.localdate() + days * DAY)
    queries()  # the first read warms the actor's caches
    few = queries()
    for _ in range(5):
        for days in (-2, 0, 3):
            _due(world.owner, days)
            LeadFactory(owner=world.owner, next_follow_up_on=timezone.localdate() + days * DAY)
            DealFactory(owner=world.owner, next_follow_up_on=timezone.localdate() + days * DAY)
    assert queries() == few


def test_a_follow_up_without_a_next_one_clears_what_was_due(world: World) -> None:
    account = _due(world.owner, -2)
    services.activity_create(actor=world.actor(world.owner), data={"account": account, "content": "Called"})
    account.refresh_from_db()
    assert account.next_follow_up_on is None
    assert selectors.my_day(actor=world.actor(world.owner)).groups["overdue"].count == 0


def test_a_follow_up_keeps_a_later_planned_date(world: World) -> None:
    account = _due(world.owner, 3)
    services.activity_create(actor=world.actor(world.owner), data={"account": account, "content": "Called"})
    account.refresh_from_db()
    assert account.next_follow_up_on == timezone.localdate() + 3 * DAY


# --- Live pool warnings ---------------------------------------------------------------------


def test_the_pool_warning_is_live_and_a_follow_up_answers_it(world: World, pool: Pool) -> None:
    account = _silent_for(AccountFactory(owner=world.owner, pool=pool, name="Quiet"), 28)
    pools.reclaim_run(pool=pool)
    notice = Notification.objects.get(recipient=world.owner, kind="account_reclaim_soon")
    owner = world.actor(world.owner)

    warnings = pools.reclaim_warnings(actor=owner, person=world.owner)
    assert [(w.account_id, w.days_left) for w in warnings] == [(account.pk, 2)]

    services.activity_create(actor=owner, data={"account": account, "content": "Visited"})

    assert pools.reclaim_warnings(actor=owner, person=world.owner) == []
    assert selectors.my_day(actor=owner).warnings == []
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_the_manager_sees_a_reps_warning_and_the_outsider_does_not(world: World, pool: Pool) -> None:
    account = _silent_for(AccountFactory(owner=world.owner, pool=pool), 29)
    assert [
        w.account_id for w in pools.reclaim_warnings(actor=world.actor(world.manager), person=world.owner)
    ] == [account.pk]
    assert pools.reclaim_warnings(actor=world.actor(world.outsider), person=world.owner) == []


def test_a_change_of_owner_resolves_the_stored_warning(world: World, pool: Pool) -> None:
    account = _silent_for(AccountFactory(owner=world.owner, pool=pool), 28)
    pools.reclaim_run(pool=pool)
    notice = Notification.objects.get(recipient=world.owner, kind="account_reclaim_soon")

    pools.account_release(actor=world.actor(world.owner), account=account, reason="Not a fit")

    notice.refresh_from_db()
    assert notice.read_at is not None
    assert pools.reclaim_warnings(actor=world.actor(world.owner), person=world.owner) == []


def test_a_follow_up_that_does_not_answer_the_rule_keeps_the_warning(world: World, pool: Pool) -> None:
    Pool.objects.filter(pk=pool.pk).update(days_without_follow_up=0, days_without_open_deal=30)
    pool.refresh_from_db()
    account = AccountFactory(owner=world.owner, pool=pool)
    Account.objects.filter(pk=account.pk).update(owned_since=timezone.now() - 28 * DAY)
    pools.reclaim_run(pool=pool)
    notice = Notification.objects.get(recipient=world.owner, kind="account_reclaim_soon")

    services.activity_create(actor=world.actor(world.owner), data={"account": account, "content": "Called"})

    notice.refresh_from_db()
    assert notice.read_at is None
    assert [
        w.account_id for w in pools.reclaim_warnings(actor=world.actor(world.owner), person=world.owner)
    ] == [account.pk]


# --- The page -------------------------------------------------------------------------------


def test_the_page_lists_my_groups_with_counts_and_actions(world: World) -> None:
    _due(world.owner, -1, name="Overdue Co", phone="+8613800138000")
    response = client_for(world.owner).get(MY_DAY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overdue Co" in html
    assert 'href="tel:+8613800138000"' in html
    assert "data-quick-followup" in html
    assert 'data-group-count="overdue"' in html


def test_the_page_lists_a_whole_group_a_page_at_a_time(world: World) -> None:
    for _ in range(3):
        _due(world.owner, -1)
    response = client_for(world.owner).get(MY_DAY, {"group": "overdue", "page": "abc"})
    assert response.status_code == 200
    assert response.content.decode().count("my-day-item") == 3


def test_the_manager_opens_a_reps_day_and_the_outsider_gets_their_own(world: World) -> None:
    _due(world.owner, -1, name="Rep Co")
    manager_page = client_for(world.manager).get(MY_DAY, {"person": world.owner.pk}).content.decode()
    assert "Rep Co" in manager_page
    assert "data-record=" in manager_page and "data-quick-followup data-record" not in manager_page
    outsider_page = client_for(world.outsider).get(MY_DAY, {"person": world.owner.pk})
    assert outsider_page.status_code == 200
    assert "Rep Co" not in outsider_page.content.decode()


def test_the_page_answers_404_to_someone_without_customers(world: World) -> None:
    actor = world.actor(world.support)
    expected = 200 if any(actor.has(r) for r in ("account", "lead", "deal")) else 404
    assert client_for(world.support).get(MY_DAY).status_code == expected


def test_the_page_reads_in_a_flat_number_of_queries(world: World) -> None:
    client = client_for(world.owner)
    _due(world.owner, -1)
    _due(world.owner, 2)
    client.get(MY_DAY)
    with CaptureQueriesContext(connection) as few:
        client.get(MY_DAY)
    for _ in range(6):
        _due(world.owner, -1)
        _due(world.owner, 2)
    with CaptureQueriesContext(connection) as many:
        client.get(MY_DAY)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_home_links_its_badge_to_my_day_and_shows_live_warnings(world: World, pool: Pool) -> None:
    _due(world.owner, -1)
    account = _silent_for(AccountFactory(owner=world.owner, pool=pool, name="Quiet Co"), 28)
    html = client_for(world.owner).get("/").content.decode()
    assert f'href="{MY_DAY}"' in html
    assert "Quiet Co" in html
    # Logged through the page as a person does: their home page's kept figures are computed again.
    client = client_for(world.owner)
    logged = client.post("/follow-ups/quick/", {"record": f"account:{account.pk}", "content": "Visited"})
    assert logged.status_code in (200, 302)
    assert "Quiet Co" not in client.get("/").content.decode()


def test_logging_from_my_day_tells_the_page_to_refresh(world: World) -> None:
    account = _due(world.owner, -1)
    response = client_for(world.owner).post(
        "/follow-ups/quick/", {"record": f"account:{account.pk}", "content": "Called"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "tandem:followup-logged" in json.loads(response["HX-Trigger"])
    page = client_for(world.owner).get(MY_DAY, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="my-day-groups")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" not in html and 'id="my-day-groups"' in html and account.name not in html
