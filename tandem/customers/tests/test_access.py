"""Who sees which CRM records: the one access policy (tandem.core.access) over accounts,
contacts, leads, deals and follow-ups, plus the public-pool extension."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core import access
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

RESOURCES: dict[str, type[models.Model]] = {
    "account": Account,
    "contact": Contact,
    "lead": Lead,
    "deal": Deal,
    "activity": Activity,
}


def _make(resource: str, person: User) -> models.Model:
    if resource == "account":
        return AccountFactory(owner=person)
    if resource == "contact":
        return ContactFactory(owner=person)
    if resource == "lead":
        return LeadFactory(owner=person)
    if resource == "deal":
        return DealFactory(owner=person)
    return ActivityFactory(author=person)


def _seen(world: World, viewer: User, resource: str) -> set[int]:
    qs: Any = RESOURCES[resource].objects.all()
    return set(access.visible(world.actor(viewer), resource, qs).values_list("pk", flat=True))


@pytest.fixture
def records(world: World) -> dict[str, dict[str, models.Model]]:
    """One record of each kind owned by the owner, the teammate and the outsider."""
    return {
        resource: {
            "owner": _make(resource, world.owner),
            "teammate": _make(resource, world.teammate),
            "outsider": _make(resource, world.outsider),
        }
        for resource in RESOURCES
    }


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_it_shows_a_rep_only_their_own_records(
    world: World, records: dict[str, dict[str, models.Model]], resource: str
) -> None:
    assert _seen(world, world.owner, resource) == {records[resource]["owner"].pk}


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_it_shows_a_manager_their_team_subtree_but_not_a_sibling_team(
    world: World, records: dict[str, dict[str, models.Model]], resource: str
) -> None:
    mine = {records[resource]["owner"].pk, records[resource]["teammate"].pk}
    assert _seen(world, world.manager, resource) == mine
    assert _seen(world, world.east_manager, resource) == mine


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_it_hides_the_east_team_from_the_sibling_manager(
    world: World, records: dict[str, dict[str, models.Model]], resource: str
) -> None:
    assert _seen(world, world.sibling_manager, resource) == {records[resource]["outsider"].pk}


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_it_shows_the_director_everything(
    world: World, records: dict[str, dict[str, models.Model]], resource: str
) -> None:
    assert _seen(world, world.director, resource) == {r.pk for r in records[resource].values()}


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_it_hides_everything_from_a_deactivated_person(
    world: World, records: dict[str, dict[str, models.Model]], resource: str
) -> None:
    _make(resource, world.gone)
    assert _seen(world, world.gone, resource) == set()


def test_it_shows_support_the_accounts_and_contacts_of_their_team_only(world: World) -> None:
    supported = AccountFactory(owner=world.owner, team=world.support_team)
    supported_contact = ContactFactory(owner=world.owner, team=world.support_team)
    AccountFactory(owner=world.owner)
    ContactFactory(owner=world.owner)
    DealFactory(owner=world.owner, team=world.support_team)

    assert _seen(world, world.support, "account") == {supported.pk}
    assert _seen(world, world.support, "contact") == {supported_contact.pk}
    assert _seen(world, world.support, "deal") == set()
    assert _seen(world, world.support, "lead") == set()


def test_it_lets_support_view_but_not_edit_a_team_account(world: World) -> None:
    supported = AccountFactory(owner=world.owner, team=world.support_team)
    support = world.actor(world.support)
    assert access.can(support, "view", "account", supported)
    assert not access.can(support, "edit", "account", supported)


def test_it_lets_the_owner_and_manager_edit_but_not_the_teammate(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    assert access.can(world.actor(world.owner), "edit", "account", account)
    assert access.can(world.actor(world.manager), "edit", "account", account)
    assert not access.can(world.actor(world.teammate), "edit", "account", account)
    assert not access.can(world.actor(world.outsider), "edit", "account", account)
    assert not access.can(world.actor(world.sibling_manager), "edit", "account", account)


def test_it_lets_a_pool_member_see_unowned_pool_customers_but_not_edit_them(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    unowned = AccountFactory(owner=None, pool=pool)
    owned_by_teammate = AccountFactory(owner=world.teammate, pool=pool)
    member = world.actor(world.owner)

    assert _seen(world, world.owner, "account") == {unowned.pk}
    assert access.can(member, "view", "account", unowned)
    assert not access.can(member, "edit", "account", unowned)
    assert not access.can(member, "view", "account", owned_by_teammate)


def test_it_makes_everyone_in_a_member_team_and_below_a_pool_member(world: World) -> None:
    pool = PoolFactory(teams=[world.east])
    unowned = AccountFactory(owner=None, pool=pool)
    assert unowned.pk in _seen(world, world.owner, "account")
    assert unowned.pk in _seen(world, world.manager, "account")
    assert unowned.pk not in _seen(world, world.outsider, "account")


def test_it_hides_pool_customers_from_non_members_and_from_closed_pools(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    closed = PoolFactory(members=[world.owner], is_active=False)
    AccountFactory(owner=None, pool=pool)
    AccountFactory(owner=None, pool=closed)
    hidden_from_owner = _seen(world, world.owner, "account")

    assert _seen(world, world.outsider, "account") == set()
    assert _seen(world, world.teammate, "account") == set()
    assert len(hidden_from_owner) == 1


def test_it_counts_visibility_in_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    pool = PoolFactory(members=[world.manager])
    for _i in range(5):
        AccountFactory(owner=world.owner)
        AccountFactory(owner=None, pool=pool)
    actor = world.actor(world.manager)
    # The scope, the pools, one memoised EXISTS per grant by record (record teams, handoffs), the count.
    with django_assert_max_num_queries(6):
        small = access.visible(actor, "account", Account.objects.all()).count()
    for _i in range(45):
        AccountFactory(owner=world.teammate)
    actor = world.actor(world.manager)
    with django_assert_max_num_queries(6):
        large = access.visible(actor, "account", Account.objects.all()).count()
    assert (small, large) == (10, 55)
