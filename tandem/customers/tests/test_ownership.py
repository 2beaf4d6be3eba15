"""Who a customer may be given to; its open deals and contacts going along; everyone told.

People: the world's (tandem/conftest.py), 曹阳 (support inside East sales, Chinese) and Lily
(a rep of West sales who also belongs to East sales), see tandem/core/tests/people.py.
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
from tandem.core.history import entries_for
from tandem.core.models import HistoryAction, Notification
from tandem.core.tests.people import cao, lily, speaks_chinese
from tandem.customers import bulk, pools, services
from tandem.customers.models import Account, Contact, Pool, PoolEvent
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import Role, RoleGrant, User
from tandem.org.tests.factories import UserFactory, join


def state(obj: Any) -> tuple[Any, ...]:
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return (fresh.owner_id, fresh.team_id, getattr(fresh, "version", None))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def titles(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


@pytest.fixture
def acme(world: World) -> dict[str, Any]:
    """Acme, the owner's customer, with what hangs on it."""
    account = AccountFactory(name="Acme", owner=world.owner)
    return {
        "account": account,
        "open_deal": DealFactory(name="Acme renewal", owner=world.owner, account=account),
        "won_deal": DealFactory(
            name="Acme 2025", owner=world.owner, account=account, stage=stage_named("Won")
        ),
        "teammates_deal": DealFactory(name="Acme add-on", owner=world.teammate, account=account),
        "contact": ContactFactory(name="Ann Acme", account=account, owner=world.owner),
        "teammates_contact": ContactFactory(name="Tim Acme", account=account, owner=world.teammate),
    }


@pytest.fixture
def pool(world: World) -> Pool:
    return PoolFactory(name="East pool", teams=[world.east_sales], admins=[world.manager])


# --- Who may receive it ---------------------------------------------------------------------


def test_it_refuses_to_give_a_customer_to_support_and_changes_nothing(
    world: World, acme: dict[str, Any]
) -> None:
    support = cao(world)
    before = {name: state(obj) for name, obj in acme.items()}
    with pytest.raises(ValidationError) as exc:
        pools.account_assign(actor=world.actor(world.manager), account=acme["account"], owner=support)
    assert exc.value.message_dict == {
        "owner": ["曹阳 may not own accounts: their roles do not let them open and edit them."]
    }
    assert {name: state(obj) for name, obj in acme.items()} == before
    assert not PoolEvent.objects.exists() and not Notification.objects.exists()


def test_it_refuses_someone_outside_the_managers_teams(world: World, acme: dict[str, Any]) -> None:
    before = state(acme["account"])
    with pytest.raises(ValidationError, match="outside the teams"):
        pools.account_assign(actor=world.actor(world.manager), account=acme["account"], owner=world.outsider)
    assert state(acme["account"]) == before


def test_a_pool_administrator_may_give_a_pool_customer_to_the_pools_members_who_may_own_it(
    world: World,
) -> None:
    support = cao(world)
    pool = PoolFactory(name="East pool", teams=[world.east_sales], admins=[world.owner])
    customer = AccountFactory(name="Pooled", owner=None, pool=pool)
    choices = {u.username for u in pools.owner_choices(world.actor(world.owner), account=customer)}
    assert choices == {"manager", "owner", "teammate", "two_teams"}
    with pytest.raises(ValidationError, match="may not own accounts"):
        pools.account_assign(actor=world.actor(world.owner), account=customer, owner=support)
    with pytest.raises(ValidationError, match="not a member of the pool East pool"):
        pools.account_assign(actor=world.actor(world.owner), account=customer, owner=world.outsider)
    assert state(customer)[0] is None
    pools.account_assign(actor=world.actor(world.owner), account=customer, owner=world.teammate)
    assert state(customer)[0] == world.teammate.pk


def test_support_in_a_pool_cannot_claim_its_customers(world: World, pool: Pool) -> None:
    support = cao(world)
    customer = AccountFactory(name="Pooled", owner=None, pool=pool)
    with pytest.raises(ValidationError, match="do not let you own customers"):
        pools.account_claim(actor=world.actor(support), account=customer)
    assert state(customer)[0] is None
    assert not PoolEvent.objects.exists()


# --- Open deals and contacts go along ------------------------------------------------------


def test_reassigning_a_customer_takes_the_previous_owners_open_deals_and_contacts_along(
    world: World, acme: dict[str, Any]
) -> None:
    pools.account_assign(actor=world.actor(world.manager), account=acme["account"], owner=world.two_teams)
    moved = (world.two_teams.pk, world.east_sales.pk)
    assert state(acme["account"])[:2] == moved
    assert state(acme["open_deal"]) == (*moved, 2)
    assert state(acme["contact"]) == (*moved, 2)
    # A closed deal stays with who won it; colleagues keep theirs.
    assert state(acme["won_deal"])[0] == world.owner.pk
    assert state(acme["teammates_deal"])[0] == world.teammate.pk
    assert state(acme["teammates_contact"])[0] == world.teammate.pk
    for record in (acme["open_deal"], acme["contact"]):
        [entry] = entries_for(record).filter(action=HistoryAction.UPDATE)
        assert entry.changes == {"owner": ["王小明", "Tina Two"]}
        assert entry.message == "Moved along with the account Acme"
    with translation.override("zh-hans"):
        assert (
            entries_for(acme["open_deal"]).get(action=HistoryAction.UPDATE).message_text
            == "随客户 Acme 一并转移"
        )


def test_it_tells_the_new_and_the_previous_owner_once_each_in_their_languages(
    world: World, acme: dict[str, Any]
) -> None:
    speaks_chinese(world.two_teams)
    pools.account_assign(
        actor=world.actor(world.manager), account=acme["account"], owner=world.two_teams, reason="Workload"
    )
    new = Notification.objects.get(recipient=world.two_teams)
    assert new.title == "Mia Manager 把客户「Acme」转给了你"
    assert new.body == "一并转移：1 个联系人 和 1 个商机。\nWorkload"
    previous = Notification.objects.get(recipient=world.owner)
    assert previous.title == "Mia Manager gave your account “Acme” to Tina Two"
    assert previous.body == "Along with it: 1 contact and 1 deal.\nWorkload"


def test_unticking_move_related_moves_the_customer_alone(world: World, acme: dict[str, Any]) -> None:
    pools.account_assign(
        actor=world.actor(world.manager), account=acme["account"], owner=world.two_teams, move_related=False
    )
    assert state(acme["account"])[0] == world.two_teams.pk
    assert state(acme["open_deal"])[0] == world.owner.pk
    assert state(acme["contact"])[0] == world.owner.pk


def test_it_refuses_the_whole_move_when_the_new_owner_may_not_own_deals(
    world: World, acme: dict[str, Any]
) -> None:
    keeper = Role.objects.create(code="key-accounts", name="Key accounts")
    for resource in ("account", "contact"):
        RoleGrant.objects.create(role=keeper, resource=resource, actions=["view", "edit"], scope="own")
    ken = UserFactory(username="ken", display_name="Ken Keeper", roles=["key-accounts"])
    join(ken, world.east_sales)
    before = {name: state(obj) for name, obj in acme.items()}
    with pytest.raises(ValidationError) as exc:
        pools.account_assign(actor=world.actor(world.manager), account=acme["account"], owner=ken)
    assert "move_related" in exc.value.message_dict
    assert {name: state(obj) for name, obj in acme.items()} == before
    # Without the deals, Ken may take the customer.
    pools.account_assign(
        actor=world.actor(world.manager), account=acme["account"], owner=ken, move_related=False
    )
    assert state(acme["account"])[0] == ken.pk


def test_the_assign_page_offers_moving_along_ticked_and_honours_an_untick(
    world: World, acme: dict[str, Any]
) -> None:
    client = client_for(world.manager)
    url = reverse("customers:account-assign", args=[acme["account"].pk])
    page = client.get(url).content.decode()
    assert 'name="move_related"' in page and "checked" in page[page.index('name="move_related"') - 200 :]
    assert "曹阳" not in page and "Sue Support" not in page
    response = client.post(url, {"owner": world.teammate.pk, "move_related_shown": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == acme["account"].get_absolute_url()
    assert state(acme["open_deal"])[0] == world.owner.pk


def test_the_assign_page_moves_along_and_says_so(world: World, acme: dict[str, Any]) -> None:
    response = client_for(world.manager).post(
        reverse("customers:account-assign", args=[acme["account"].pk]),
        {"owner": world.teammate.pk, "move_related_shown": "1", "move_related": "on"},
        follow=True,
    )
    assert (
        "Acme now belongs to Tom Teammate. Along with it: 1 contact and 1 deal." in response.content.decode()
    )
    assert state(acme["open_deal"])[0] == world.teammate.pk


def test_a_customer_given_out_of_sight_answers_with_the_list_and_where_it_went(
    world: World, acme: dict[str, Any]
) -> None:
    west_rep = lily(world)
    response = client_for(world.manager).post(
        reverse("customers:account-assign", args=[acme["account"].pk]), {"owner": west_rep.pk}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("customers:account-list")
    body = response.content.decode()
    assert "The account “Acme” went to Lily (West sales); you can no longer see it." in body


def test_a_refused_owner_is_an_inline_error_on_the_page(world: World, acme: dict[str, Any]) -> None:
    support = cao(world)
    before = state(acme["account"])
    response = client_for(world.manager).post(
        reverse("customers:account-assign", args=[acme["account"].pk]), {"owner": support.pk}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert state(acme["account"]) == before


# --- Bulk -------------------------------------------------------------------------------


def test_a_bulk_reassignment_moves_related_records_and_sums_up_the_notifications(world: World) -> None:
    speaks_chinese(world.teammate)
    accounts = [AccountFactory(name=f"Customer {i}", owner=world.owner) for i in range(3)]
    deals = [DealFactory(owner=world.owner, account=a) for a in accounts]
    result = bulk.account_bulk(
        actor=world.actor(world.manager), action="assign", ids=[a.pk for a in accounts], owner=world.teammate
    )
    assert result.done == 3
    assert {state(d)[0] for d in deals} == {world.teammate.pk}
    assert titles(world.teammate) == ["Mia Manager 把 3 个客户转给了你"]
    assert titles(world.owner) == ["Mia Manager gave 3 accounts of yours to Tom Teammate"]


def test_the_bulk_bar_honours_an_untick_of_moving_along(world: World, acme: dict[str, Any]) -> None:
    client_for(world.manager).post(
        reverse("customers:account-bulk"),
        {
            "action": "assign",
            "ids": [acme["account"].pk],
            "owner": world.teammate.pk,
            "move_related_shown": "1",
        },
    )
    assert state(acme["account"])[0] == world.teammate.pk
    assert state(acme["open_deal"])[0] == world.owner.pk


def test_a_bulk_reassignment_to_support_changes_nothing(world: World, acme: dict[str, Any]) -> None:
    support = cao(world)
    before = state(acme["account"])
    client_for(world.manager).post(
        reverse("customers:account-bulk"),
        {"action": "assign", "ids": [acme["account"].pk], "owner": support.pk},
    )
    assert state(acme["account"]) == before
    assert not Notification.objects.exists()


# --- Pools: release and claim tell who had it --------------------------------------------


def test_a_release_by_the_manager_tells_the_owner(world: World, pool: Pool) -> None:
    speaks_chinese(world.owner)
    account = AccountFactory(name="Acme", owner=world.owner, pool=pool)
    pools.account_release(actor=world.actor(world.manager), account=account, reason="No budget")
    assert titles(world.owner) == ["Mia Manager 把你的客户「Acme」退回了公海"]


def test_releasing_ones_own_customer_tells_nobody(world: World, pool: Pool) -> None:
    account = AccountFactory(name="Acme", owner=world.owner, pool=pool)
    pools.account_release(actor=world.actor(world.owner), account=account, reason="No budget")
    assert not Notification.objects.exists()


def test_a_claim_tells_the_customers_former_owner(world: World, pool: Pool) -> None:
    account = AccountFactory(name="Acme", owner=world.owner, pool=pool)
    pools.account_release(actor=world.actor(world.owner), account=account, reason="No budget")
    pools.account_claim(actor=world.actor(world.teammate), account=Account.objects.get(pk=account.pk))
    assert titles(world.owner) == ["Your former account “Acme” now belongs to Tom Teammate"]
    assert titles(world.teammate) == []


def test_a_contact_created_for_someone_else_tells_them(world: World) -> None:
    services.contact_create(actor=world.actor(world.manager), data={"name": "Ann"}, owner=world.teammate)
    assert titles(world.teammate) == ["Mia Manager gave you the contact “Ann”"]


# --- API ------------------------------------------------------------------------------------


def test_the_api_refuses_support_with_a_field_message_and_changes_nothing(
    world: World, acme: dict[str, Any]
) -> None:
    support = cao(world)
    before = state(acme["account"])
    response = api_for(world.manager).post(
        f"/api/v1/accounts/{acme['account'].pk}/assign/", {"owner": support.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["owner"]
    assert state(acme["account"]) == before


def test_the_api_moves_related_records_unless_told_not_to(world: World, acme: dict[str, Any]) -> None:
    response = api_for(world.manager).post(
        f"/api/v1/accounts/{acme['account'].pk}/assign/",
        {"owner": world.teammate.pk, "move_related": False},
        format="json",
    )
    assert response.status_code == 200 and response.json()["owner"] == world.teammate.pk
    assert state(acme["open_deal"])[0] == world.owner.pk
    other = AccountFactory(name="Other", owner=world.owner)
    deal = DealFactory(owner=world.owner, account=other)
    api_for(world.manager).post(
        f"/api/v1/accounts/{other.pk}/assign/", {"owner": world.teammate.pk}, format="json"
    )
    assert Deal.objects.get(pk=deal.pk).owner_id == world.teammate.pk


def test_the_api_says_where_a_customer_went_once_out_of_sight(world: World, acme: dict[str, Any]) -> None:
    west_rep = lily(world)
    response = api_for(world.manager).post(
        f"/api/v1/accounts/{acme['account'].pk}/assign/", {"owner": west_rep.pk}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["visible"] is False and body["owner"] == west_rep.pk and body["team_name"] == "West sales"
    assert "name" not in body and "phone" not in body
    assert Contact.objects.get(pk=acme["contact"].pk).owner_id == west_rep.pk


def test_a_customer_created_for_someone_out_of_sight_answers_with_the_list(world: World) -> None:
    west_rep = lily(world)
    response = client_for(world.manager).post(
        reverse("customers:account-create"),
        {"name": "Westwind Ltd", "owner": west_rep.pk, "lifecycle": "lead", "country": "CN"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("customers:account-list")
    assert "The account “Westwind Ltd” went to Lily (West sales); you can no longer see it." in (
        response.content.decode()
    )
    assert Account.objects.get(name="Westwind Ltd").owner == west_rep
