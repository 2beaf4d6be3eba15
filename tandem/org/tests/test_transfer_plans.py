"""Departure and on-the-job transfers that can be previewed, split and sent back to a pool.

The issue: a departure transfer of 13 customers and 28 deals told nobody, could not be checked
beforehand, went to one successor only, and made that successor the leader of the departed
person's team. 张三 (zhang) below is a rep of East sales reporting to the manager; he owns 13
accounts and 28 deals.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core import transfer
from tandem.core.history import entries_for
from tandem.core.models import HistoryAction, HistoryEntry, Notification
from tandem.core.tests.people import cao, speaks_chinese
from tandem.customers import pools
from tandem.customers.models import Account, Pool, PoolEvent
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.org import services
from tandem.org.models import PersonTransfer, Team, User
from tandem.org.tests.factories import UserFactory, join

DEPARTURE = PersonTransfer.Kind.DEPARTURE


@pytest.fixture
def zhang(world: World) -> User:
    person: User = UserFactory(
        username="zhang", display_name="张三", roles=["sales-rep"], manager=world.manager
    )
    join(person, world.east_sales)
    for i in range(13):
        AccountFactory(name=f"Customer {i}", owner=person)
    for i in range(28):
        DealFactory(name=f"Deal {i}", owner=person)
    return person


@pytest.fixture
def pool(world: World) -> Pool:
    return PoolFactory(name="East pool", teams=[world.east_sales], admins=[world.manager])


def owners(model: Any) -> dict[int | None, int]:
    out: dict[int | None, int] = {}
    for owner_id in model._base_manager.values_list("owner_id", flat=True):
        out[owner_id] = out.get(owner_id, 0) + 1
    return out


def titles(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def nothing_moved(zhang: User) -> bool:
    return (
        Account.objects.filter(owner=zhang).count() == 13
        and Deal.objects.filter(owner=zhang).count() == 28
        and not PersonTransfer.objects.exists()
        and not HistoryEntry.objects.filter(action=HistoryAction.TRANSFER).exists()
        and not Notification.objects.exists()
    )


# --- Preview --------------------------------------------------------------------------------


def test_a_departure_can_be_previewed_per_kind_of_record_before_anything_moves(
    world: World, zhang: User
) -> None:
    outcome = services.transfer_preview(
        actor=world.actor(world.admin), source=zhang, target=world.teammate, kind=DEPARTURE
    )
    assert {row.key: row.count for row in outcome.rows} == {
        "customers.Account.owner": 13,
        "customers.Contact.owner": 0,
        "leads.Lead.owner": 0,
        "deals.Deal.owner": 28,
    }
    assert all(row.to == world.teammate for row in outcome.rows)
    assert outcome.counts == {"customers.Account.owner": 13, "deals.Deal.owner": 28}
    assert nothing_moved(zhang)
    assert User.objects.get(pk=zhang.pk).is_active


def test_the_preview_refuses_what_the_transfer_would_refuse(world: World, zhang: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.transfer_preview(
            actor=world.actor(world.admin), source=zhang, target=world.support, kind=DEPARTURE
        )
    assert exc.value.message_dict["target"] == [
        "Sue Support may not own accounts: choose who receives them.",
        "Sue Support may not own deals: choose who receives them.",
    ]
    assert nothing_moved(zhang)


# --- Everyone who receives something is told, once, in their language ----------------------


def test_a_departure_tells_the_successor_once_in_their_language(world: World, zhang: User) -> None:
    speaks_chinese(world.teammate)
    services.user_deactivate(
        actor=world.actor(world.admin), user=zhang, successor=world.teammate, reason="离职"
    )
    assert titles(world.teammate) == ["你从 张三（已离职）接手了 13 个客户 和 28 个商机"]
    assert Notification.objects.get(recipient=world.teammate).kind == "transfer_received"
    assert titles(zhang) == []  # gone


def test_a_departure_told_in_english_to_an_english_successor(world: World, zhang: User) -> None:
    with translation.override("zh-hans"):
        services.user_deactivate(actor=world.actor(world.admin), user=zhang, successor=world.two_teams)
    assert titles(world.two_teams) == ["You received 13 accounts and 28 deals from 张三 (left)"]


def test_an_on_the_job_transfer_also_tells_the_person_whose_records_went(world: World, zhang: User) -> None:
    speaks_chinese(zhang)
    services.person_transfer(actor=world.actor(world.admin), source=zhang, target=world.teammate)
    assert titles(world.teammate) == ["You received 13 accounts and 28 deals from 张三"]
    assert titles(zhang) == ["你的记录已移交：13 个客户交给 Tom Teammate 和 28 个商机交给 Tom Teammate"]


# --- Split ----------------------------------------------------------------------------------


def test_a_departure_splits_accounts_and_deals_between_two_successors(world: World, zhang: User) -> None:
    record = services.user_deactivate(
        actor=world.actor(world.admin), user=zhang, successor=world.teammate, to={"deal": world.two_teams}
    )
    assert owners(Account) == {world.teammate.pk: 13}
    assert owners(Deal) == {world.two_teams.pk: 28}
    assert titles(world.teammate) == ["You received 13 accounts from 张三 (left)"]
    assert titles(world.two_teams) == ["You received 28 deals from 张三 (left)"]
    assert {(e["key"], e["count"], e["to_name"]) for e in record.split if e["count"]} >= {
        ("customers.Account.owner", 13, "Tom Teammate"),
        ("deals.Deal.owner", 28, "Tina Two"),
    }


def test_records_of_a_team_go_to_that_teams_person(world: World, zhang: User) -> None:
    west = list(Deal.objects.filter(owner=zhang)[:5])
    Deal.objects.filter(pk__in=[d.pk for d in west]).update(team=world.west_sales)
    services.user_deactivate(
        actor=world.actor(world.admin),
        user=zhang,
        successor=world.teammate,
        teams={world.west_sales.pk: world.outsider},
    )
    assert set(Deal.objects.filter(pk__in=[d.pk for d in west]).values_list("owner", "team")) == {
        (world.outsider.pk, world.west_sales.pk)
    }
    assert Deal.objects.filter(owner=world.teammate).count() == 23
    assert titles(world.outsider) == ["You received 5 deals from 张三 (left)"]


def test_customers_can_go_back_to_a_pool_where_its_rules_apply(world: World, zhang: User, pool: Pool) -> None:
    services.user_deactivate(
        actor=world.actor(world.admin),
        user=zhang,
        successor=world.teammate,
        reason="Left the company",
        pools={"account": pool},
    )
    customers = Account.objects.filter(pool=pool, owner__isnull=True)
    assert customers.count() == 13
    assert set(customers.values_list("previous_owner", "team")) == {(zhang.pk, None)}
    assert PoolEvent.objects.filter(kind=PoolEvent.Kind.RELEASE, from_owner=zhang).count() == 13
    entry = entries_for(customers.first()).get(action=HistoryAction.TRANSFER)
    assert entry.message == "张三 left; back to the pool East pool. Left the company"
    with translation.override("zh-hans"):
        assert entry.message_text == "张三 已离职，退回公海 East pool。Left the company"
    # The deals still went to the successor, who is told only about those.
    assert owners(Deal) == {world.teammate.pk: 28}
    assert titles(world.teammate) == ["You received 28 deals from 张三 (left)"]
    # Back in the pool, its members may claim them.
    claimed = pools.account_claim(actor=world.actor(world.two_teams), account=customers.first())
    assert claimed.owner == world.two_teams


@pytest.mark.parametrize(
    ("plan", "field", "message"),
    [
        ({"to": {"deal": "support"}}, "to_deal", "Sue Support may not own deals: choose who receives them."),
        ({"pools": {"account": "closed"}}, "pool_account", "This pool is closed."),
        (
            {"teams": {"west": "support"}},
            "team_west",
            "Sue Support may not own deals: choose who receives them.",
        ),
        (
            {"reports": "keep"},
            "reports",
            "Someone who leaves cannot keep direct reports: choose where they go.",
        ),
    ],
)
def test_a_plan_that_cannot_be_carried_out_moves_nothing(
    world: World, zhang: User, plan: dict[str, Any], field: str, message: str
) -> None:
    closed = PoolFactory(name="Closed", is_active=False)
    Deal.objects.filter(
        pk__in=list(Deal.objects.filter(owner=zhang).values_list("pk", flat=True)[:3])
    ).update(team=world.west_sales)
    names = {"support": world.support, "closed": closed}
    kwargs: dict[str, Any] = {}
    for key, value in plan.items():
        if key == "teams":
            kwargs["teams"] = {world.west_sales.pk: names[value["west"]]}
            field = field.replace("west", str(world.west_sales.pk))
        elif isinstance(value, dict):
            kwargs[key] = {k: names[v] for k, v in value.items()}
        else:
            kwargs[key] = value
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(
            actor=world.actor(world.admin), user=zhang, successor=world.teammate, **kwargs
        )
    assert exc.value.message_dict[field] == [message]
    assert nothing_moved(zhang)
    assert User.objects.get(pk=zhang.pk).is_active


def test_a_failure_midway_rolls_everything_back(
    world: World, zhang: User, pool: Pool, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> int:
        raise RuntimeError("disk full")

    original = transfer.POOL_RETURNS["customers.Account.owner"]
    monkeypatch.setitem(
        transfer.POOL_RETURNS,
        "customers.Account.owner",
        transfer.PoolReturn(original.key, original.pools, broken),
    )
    with pytest.raises(RuntimeError):
        services.user_deactivate(
            actor=world.actor(world.admin), user=zhang, successor=world.teammate, pools={"account": pool}
        )
    assert nothing_moved(zhang)
    assert User.objects.get(pk=zhang.pk).is_active


# --- Teams led and direct reports ----------------------------------------------------------


def test_a_departure_does_not_make_the_successor_a_leader_unless_asked(world: World) -> None:
    services.user_deactivate(actor=world.actor(world.admin), user=world.manager, successor=world.teammate)
    assert Team.objects.get(pk=world.east_sales.pk).leader is None
    # Their direct reports go to their own manager, not to the successor.
    assert set(User.objects.filter(manager=world.east_manager).values_list("username", flat=True)) == {
        "manager",
        "owner",
        "teammate",
        "two_teams",
    }
    record = PersonTransfer.objects.get()
    assert {(e["key"], e.get("rule"), e["to_name"]) for e in record.split} == {
        ("org.Team.leader", "cleared", None),
        ("org.User.manager", "manager", "Evan East"),
    }


def test_a_departure_makes_the_successor_leader_and_manager_when_asked(world: World) -> None:
    services.user_deactivate(
        actor=world.actor(world.admin),
        user=world.manager,
        successor=world.sibling_manager,
        lead_teams=True,
        reports="successor",
    )
    assert Team.objects.get(pk=world.east_sales.pk).leader == world.sibling_manager
    assert User.objects.filter(manager=world.sibling_manager).count() == 4  # outsider + the three reps
    assert titles(world.sibling_manager) == [
        "You received 1 team to lead and 3 direct reports from Mia Manager (left)"
    ]


def test_on_the_job_the_person_keeps_their_team_and_reports(world: World) -> None:
    services.person_transfer(actor=world.actor(world.admin), source=world.manager, target=world.teammate)
    assert Team.objects.get(pk=world.east_sales.pk).leader == world.manager
    assert User.objects.filter(manager=world.manager).count() == 3


def test_the_preview_says_where_the_direct_reports_go(world: World) -> None:
    outcome = services.transfer_preview(
        actor=world.actor(world.admin), source=world.manager, target=world.teammate, kind=DEPARTURE
    )
    [(to, reports)] = outcome.report_groups()
    assert to == world.east_manager and {r.username for r in reports} == {"owner", "teammate", "two_teams"}
    assert outcome.leadership == "cleared" and outcome.teams_led == [world.east_sales]


def test_a_person_without_a_manager_leaves_their_reports_without_one_and_the_preview_says_so(
    world: World,
) -> None:
    outcome = services.transfer_preview(
        actor=world.actor(world.admin), source=world.sibling_manager, target=world.manager, kind=DEPARTURE
    )
    assert outcome.report_groups() == [(None, [world.outsider])]


# --- API ------------------------------------------------------------------------------------


def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="admin"))
    return client


def test_the_api_previews_a_departure_without_moving_anything(world: World, zhang: User) -> None:
    response = api().post(
        f"/api/v1/users/{zhang.pk}/deactivate-preview/",
        {"successor": world.teammate.pk, "to": {"deal": world.two_teams.pk}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "departure" and body["counts"] == {
        "customers.Account.owner": 13,
        "deals.Deal.owner": 28,
    }
    rows = {r["resource"]: (r["count"], r["to_name"]) for r in body["records"]}
    assert rows["account"] == (13, "Tom Teammate") and rows["deal"] == (28, "Tina Two")
    assert body["reports"] == {"rule": "manager", "moves": [], "kept": []}
    assert nothing_moved(zhang)


def test_the_api_splits_a_departure_and_returns_customers_to_a_pool(
    world: World, zhang: User, pool: Pool
) -> None:
    response = api().post(
        f"/api/v1/users/{zhang.pk}/deactivate/",
        {"successor": world.teammate.pk, "pools": {"account": pool.pk}, "reason": "Left"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {(e["key"], e["count"], e["pool_name"], e["to_name"]) for e in body["split"]} == {
        ("customers.Account.owner", 13, "East pool", None),
        ("deals.Deal.owner", 28, None, "Tom Teammate"),
    }
    assert not User.objects.get(pk=zhang.pk).is_active


def test_the_api_names_the_input_at_fault(world: World, zhang: User) -> None:
    support = cao(world)
    response = api().post(
        f"/api/v1/users/{zhang.pk}/deactivate/",
        {"successor": world.teammate.pk, "to": {"deal": support.pk}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"to": {"deal": ["曹阳 may not own deals: choose who receives them."]}}
    assert nothing_moved(zhang)
    response = api().post(
        f"/api/v1/users/{zhang.pk}/transfer-preview/", {"target": support.pk}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["target"]


def test_only_administrators_may_preview(world: World, zhang: User) -> None:
    client = APIClient()
    client.force_authenticate(world.manager)
    response = client.post(
        f"/api/v1/users/{zhang.pk}/deactivate-preview/", {"successor": world.teammate.pk}, format="json"
    )
    assert response.status_code == 403


# --- Pages ----------------------------------------------------------------------------------


def admin_client(language: str = "en") -> Client:
    admin = User.objects.get(username="admin")
    User.objects.filter(pk=admin.pk).update(language=language)
    client = Client()
    client.force_login(admin)
    return client


def test_the_deactivate_page_shows_what_the_person_owns_and_previews_the_plan(
    world: World, zhang: User
) -> None:
    client = admin_client()
    url = reverse("org:person-deactivate", args=[zhang.pk])
    page = client.get(url).content.decode()
    assert 'Accounts <span class="num">13</span>' in page and 'Deals <span class="num">28</span>' in page
    response = client.post(url, {"target": world.teammate.pk, "to_deal": world.two_teams.pk, "preview": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview: nothing has moved yet" in body
    assert "Tina Two" in body[body.index('id="transfer-preview"') :]
    assert nothing_moved(zhang)


def test_the_deactivate_page_carries_out_a_split(world: World, zhang: User, pool: Pool) -> None:
    response = admin_client().post(
        reverse("org:person-deactivate", args=[zhang.pk]),
        {"target": world.teammate.pk, "pool_account": pool.pk, "reason": "Left"},
        follow=True,
    )
    body = response.content.decode()
    assert (
        "张三 was deactivated. 13 accounts back to the pool East pool and 28 deals to Tom Teammate." in body
    )
    assert not User.objects.get(pk=zhang.pk).is_active


def test_the_deactivate_page_refuses_support_inline_in_chinese(world: World, zhang: User) -> None:
    response = admin_client("zh-hans").post(
        reverse("org:person-deactivate", args=[zhang.pk]), {"target": world.support.pk}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Sue Support 不能负责客户：请选择由谁接收。" in body
    assert "拆分给多人，或将客户退回公海" in body
    assert nothing_moved(zhang)


def test_the_transfers_log_shows_the_split(world: World, zhang: User, pool: Pool) -> None:
    services.user_deactivate(
        actor=world.actor(world.admin), user=zhang, successor=world.teammate, pools={"account": pool}
    )
    body = admin_client("zh-hans").get(reverse("org:transfers")).content.decode()
    assert "13 个客户退回公海 East pool" in body and "28 个商机交给 Tom Teammate" in body


def test_the_page_offers_routing_by_team_only_when_records_span_several_teams(
    world: World, zhang: User
) -> None:
    client = admin_client()
    url = reverse("org:person-deactivate", args=[zhang.pk])
    assert 'name="team_' not in client.get(url).content.decode()
    west = list(Deal.objects.filter(owner=zhang).values_list("pk", flat=True)[:5])
    Deal.objects.filter(pk__in=west).update(team=world.west_sales)
    page = client.get(url).content.decode()
    assert f'name="team_{world.west_sales.pk}"' in page and "West sales (5 records)" in page
    client.post(url, {"target": world.teammate.pk, f"team_{world.west_sales.pk}": world.outsider.pk})
    assert set(Deal.objects.filter(pk__in=west).values_list("owner", flat=True)) == {world.outsider.pk}
    assert Deal.objects.filter(owner=world.teammate).count() == 23


def test_the_api_refuses_ids_no_database_can_hold_without_an_error(world: World, zhang: User) -> None:
    for body, field in (({"to": {"deal": 2**70}}, "to"), ({"teams": {str(2**70): world.owner.pk}}, "teams")):
        response = api().post(
            f"/api/v1/users/{zhang.pk}/deactivate-preview/",
            {"successor": world.teammate.pk, **body},
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()) == [field]
