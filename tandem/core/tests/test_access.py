from __future__ import annotations

import pytest
from django.http import Http404

from tandem.conftest import World
from tandem.core import access
from tandem.org.models import Team, User


def names(qs) -> set[str]:
    return {str(o) for o in qs}


def test_it_lets_a_rep_see_only_their_own_teams(world: World) -> None:
    actor = world.actor(world.owner)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"East sales"}


def test_it_lets_a_manager_see_their_subtree_but_not_a_sibling_team(world: World) -> None:
    actor = world.actor(world.east_manager)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"East region", "East sales"}


def test_it_lets_a_person_in_two_teams_see_both(world: World) -> None:
    actor = world.actor(world.two_teams)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"East sales", "Support"}


def test_it_gives_a_deactivated_person_nothing(world: World) -> None:
    actor = world.actor(world.gone)
    assert actor.user is None
    assert not access.visible(actor, "team", Team.objects.all()).exists()
    assert not access.visible(actor, "user", User.objects.all()).exists()


def test_it_answers_404_for_an_invisible_team_like_a_missing_one(world: World) -> None:
    actor = world.actor(world.outsider)
    with pytest.raises(Http404):
        access.get_visible_or_404(actor, "team", Team.objects.all(), pk=world.east_sales.pk)
    with pytest.raises(Http404):
        access.get_visible_or_404(actor, "team", Team.objects.all(), pk=999999)


def test_it_lets_an_administrator_see_and_manage_everything(world: World) -> None:
    actor = world.actor(world.admin)
    assert access.visible(actor, "team", Team.objects.all()).count() == Team.objects.count()
    assert access.can(actor, "manage", "team", world.west_sales)


def test_it_refuses_a_rep_managing_their_own_team(world: World) -> None:
    actor = world.actor(world.owner)
    assert access.can(actor, "view", "team", world.east_sales)
    assert not access.can(actor, "manage", "team", world.east_sales)


def test_a_loaded_subtree_names_a_team_and_the_teams_below_it_without_a_query(
    world: World, django_assert_num_queries
) -> None:
    from tandem.kpis.engine import subtree_team_ids

    actor = world.actor(world.east_manager)
    assert actor.known_subtree(world.east.pk) == sorted([world.east.pk, world.east_sales.pk])  # read with it
    actor.__dict__.pop("subtree_team_paths")  # as for an actor whose roles give no subtree scope
    assert actor.known_subtree(world.east.pk) is None  # not loaded yet: the caller uses a subquery
    assert actor.subtree_team_ids == {world.east.pk, world.east_sales.pk}
    with django_assert_num_queries(0):
        assert actor.known_subtree(world.east.pk) == sorted([world.east.pk, world.east_sales.pk])
        assert actor.known_subtree(world.east_sales.pk) == [world.east_sales.pk]
        assert actor.known_subtree(world.west.pk) is None  # outside their subtree
    # Same teams as the subquery it stands for.
    assert set(Team.objects.filter(pk__in=subtree_team_ids(world.east.pk))) == set(
        Team.objects.filter(pk__in=subtree_team_ids(world.east.pk, actor))
    )


def test_an_actor_is_read_in_one_query_with_every_role_grant_and_team(
    world: World, django_assert_num_queries
) -> None:
    """Roles with and without grants, the widest scope of two roles, the teams someone is in and
    the teams they lead (a deleted team neither), each once."""
    from django.utils import timezone

    from tandem.org.models import Role, RoleGrant

    before = access.Actor.for_user(User.objects.get(pk=world.manager.pk))
    bare = Role.objects.create(code="no-grants", name="No grants")
    wide = Role.objects.create(code="wide-accounts", name="Wide accounts")
    RoleGrant.objects.create(role=wide, resource="account", actions=["view"], scope="all")
    world.manager.roles.add(bare, wide)
    gone = Team.objects.create(name="Closed", parent=world.east, leader=world.manager)
    gone.deleted_at = timezone.now()
    gone.save()
    user = User.objects.get(pk=world.manager.pk)

    with django_assert_num_queries(1):
        actor = access.Actor.for_user(user)

    assert not actor.is_admin
    assert actor.team_ids == {world.east_sales.pk}  # member and leader of it: once; not the deleted team
    assert actor.team_paths == (world.east_sales.path,)
    assert actor.scope_for("account") == "all"  # the widest of their roles' grants
    assert {k: v for k, v in actor.grants.items() if k != "account"} == {
        k: v for k, v in before.grants.items() if k != "account"
    }
    world.manager.roles.add(Role.objects.get(is_admin=True))
    assert access.Actor.for_user(User.objects.get(pk=world.manager.pk)).is_admin
