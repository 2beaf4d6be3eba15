"""Who may own a record (access.may_own, owners_q) and whom an assigner may give one to
(access.owner_candidates, owner_refusal): the one place that decides, for every owner picker."""

from __future__ import annotations

import pytest
from django.utils import translation

from tandem.conftest import World
from tandem.core import access
from tandem.core.tests.people import cao, lily
from tandem.org.models import Role, RoleGrant, User
from tandem.org.tests.factories import UserFactory, join

CRM = ("account", "contact", "lead", "deal")


def usernames(qs: object) -> set[str]:
    return {u.username for u in qs}


@pytest.mark.parametrize("resource", CRM)
def test_it_lets_only_people_who_may_open_and_edit_a_kind_of_record_own_it(
    world: World, resource: str
) -> None:
    support = cao(world)
    for person in (world.owner, world.manager, world.director, world.admin, world.outsider):
        assert access.may_own(person, resource), person
    for person in (support, world.support, world.gone):
        assert not access.may_own(person, resource), person


def test_it_needs_both_view_and_edit_but_they_may_come_from_two_roles(world: World) -> None:
    viewer = Role.objects.create(code="viewer", name="Viewer")
    RoleGrant.objects.create(role=viewer, resource="deal", actions=["view"], scope="team")
    editor = Role.objects.create(code="editor", name="Editor")
    RoleGrant.objects.create(role=editor, resource="deal", actions=["edit", "create"], scope="own")
    only_views = UserFactory(username="only_views", roles=["viewer"])
    both = UserFactory(username="both", roles=["viewer", "editor"])
    assert not access.may_own(only_views, "deal")
    assert access.may_own(both, "deal")
    owners = User.objects.filter(access.owners_q("deal"))
    assert "both" in usernames(owners) and "only_views" not in usernames(owners)


@pytest.mark.parametrize("resource", CRM)
def test_the_query_agrees_with_the_check_for_everyone(world: World, resource: str) -> None:
    cao(world)
    by_query = usernames(User.objects.filter(is_active=True).filter(access.owners_q(resource)))
    by_check = {u.username for u in User.objects.all() if access.may_own(u, resource)}
    assert by_query == by_check


def test_a_manager_may_give_deals_to_the_people_of_their_teams_who_may_own_them(world: World) -> None:
    cao(world)
    lily(world)
    candidates = usernames(access.owner_candidates(world.actor(world.manager), "deal"))
    # Not 曹阳 (support), nor the outsider (West sales), nor gone (deactivated).
    assert candidates == {"manager", "owner", "teammate", "two_teams", "lily"}


def test_a_director_may_give_deals_to_everyone_who_may_own_them(world: World) -> None:
    cao(world)
    candidates = usernames(access.owner_candidates(world.actor(world.director), "deal"))
    assert candidates == {
        "admin",
        "director",
        "east_manager",
        "manager",
        "owner",
        "teammate",
        "two_teams",
        "sibling_manager",
        "outsider",
    }


def test_a_rep_may_give_records_to_nobody_but_themselves(world: World) -> None:
    assert usernames(access.owner_candidates(world.actor(world.owner), "deal")) == {"owner"}
    assert usernames(access.owner_candidates(world.actor(world.support), "deal")) == set()


def test_it_says_why_someone_may_not_be_given_a_record(world: World) -> None:
    support = cao(world)
    manager = world.actor(world.manager)
    assert access.owner_refusal(manager, "deal", world.teammate) is None
    assert access.owner_refusal(manager, "deal", support) == (
        "曹阳 may not own deals: their roles do not let them open and edit them."
    )
    assert access.owner_refusal(manager, "deal", world.outsider) == (
        "Olga Outsider is outside the teams you may give deals to."
    )
    assert access.owner_refusal(manager, "deal", world.gone) == "The owner must be an active person."
    assert access.owner_refusal(world.actor(world.owner), "deal", world.teammate) == (
        "You may not give records to someone else."
    )
    with translation.override("zh-hans"):
        assert access.owner_refusal(manager, "deal", support) == (
            "曹阳 不能负责商机：其角色不能查看和编辑这类记录。"
        )


def test_membership_of_a_team_in_reach_is_enough(world: World) -> None:
    # two_teams is in East sales and Support: the East sales manager may give them deals.
    assert access.owner_refusal(world.actor(world.manager), "deal", world.two_teams) is None
    newcomer = UserFactory(username="newcomer", roles=["sales-rep"])
    join(newcomer, world.west_sales)
    assert access.owner_refusal(world.actor(world.manager), "deal", newcomer) is not None
