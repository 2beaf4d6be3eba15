"""The access policy as a matrix: every seeded role x every registered resource x every action.

The expected answers come from ``tandem.org.roles.BUILTIN_GRANTS`` (what the seeded roles
declare), so a change to a grant or to the policy that disagrees with it fails here by name:
``test_it_applies_the_declared_grant[sales-rep-team-manage]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.http import Http404

from tandem.conftest import World
from tandem.core import access
from tandem.core.access import ACTIONS, ALL, OWN, SUBTREE, TEAM, Actor
from tandem.org import services
from tandem.org.models import Position, Role, RoleGrant, Team, User
from tandem.org.roles import ADMIN, BUILTIN_GRANTS, BUILTIN_ROLE_NAMES
from tandem.org.tests.factories import PositionFactory, TeamFactory, UserFactory, join

ROLE_CODES = sorted(BUILTIN_ROLE_NAMES)
RESOURCE_NAMES = sorted(access.RESOURCES)


def open_to_parties(resource: str, action: str) -> bool:
    """Records every signed-in person may view when they are a party (approvals): no grant needed."""
    return action == "view" and access.RESOURCES[resource].open_to_parties


def expected_scope(role: str, resource: str, action: str) -> str | None:
    if role == ADMIN:
        return ALL
    actions, scope = BUILTIN_GRANTS.get(role, {}).get(resource, ([], None))
    return scope if action in actions else None


def actor_with_roles(*codes: str) -> Actor:
    user = UserFactory(roles=list(codes))
    return Actor.for_user(User.objects.get(pk=user.pk))


def names(qs: Any) -> set[str]:
    return {str(o) for o in qs}


def custom_role(code: str, grants: Mapping[str, tuple[list[str], str]], *, is_admin: bool = False) -> Role:
    """A role written through the service, as an administrator would."""
    admin = Actor.for_user(UserFactory(username=f"admin-for-{code}", roles=[ADMIN]))
    return services.role_create(
        actor=admin,
        code=code,
        name=code,
        is_admin=is_admin,
        grants={r: {"actions": a, "scope": s} for r, (a, s) in grants.items()},
    )


def only_role(user: User, role: Role) -> Actor:
    user.roles.set([role])
    return Actor.for_user(User.objects.get(pk=user.pk))


# --- The declared matrix --------------------------------------------------------------------


def test_it_registers_the_organisation_resources() -> None:
    assert {"user", "team", "position", "role"} <= set(access.RESOURCES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_CODES)
def test_it_seeds_every_builtin_role_with_its_declared_grants(role: str) -> None:
    seeded = Role.objects.get(code=role)
    assert seeded.is_builtin
    assert seeded.is_admin is (role == ADMIN)
    stored = {g.resource: (sorted(g.actions), g.scope) for g in RoleGrant.objects.filter(role=seeded)}
    declared = {r: (sorted(a), s) for r, (a, s) in BUILTIN_GRANTS.get(role, {}).items()}
    assert stored == declared


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
@pytest.mark.parametrize("role", ROLE_CODES)
def test_it_applies_the_declared_grant(role: str, resource: str, action: str) -> None:
    actor = actor_with_roles(role)
    expected = expected_scope(role, resource, action)

    assert actor.scope_for(resource, action) == expected
    assert actor.has(resource, action) is (expected is not None)
    assert access.can(actor, action, resource) is (expected is not None or open_to_parties(resource, action))
    model = ORG_MODELS.get(resource)
    if model is not None:
        qs = model._default_manager.all()
        shown = access.visible(actor, resource, qs, action)
        if expected is None:
            assert not shown.exists()
        elif expected == ALL:
            assert shown.count() == qs.count()


ORG_MODELS: dict[str, type[Any]] = {"user": User, "team": Team, "position": Position, "role": Role}


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("resource", [*RESOURCE_NAMES, "not-yet-registered"])
def test_it_gives_the_administrator_everything(resource: str, action: str) -> None:
    actor = actor_with_roles(ADMIN)
    assert actor.is_admin
    assert actor.scope_for(resource, action) == ALL
    assert access.can(actor, action, resource)


@pytest.mark.django_db
def test_it_makes_a_superuser_an_administrator_without_a_role() -> None:
    user = UserFactory(is_superuser=True)
    actor = Actor.for_user(user)
    assert actor.is_admin
    assert access.can(actor, "manage", "role")


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_it_gives_a_person_without_roles_nothing(resource: str, action: str) -> None:
    actor = actor_with_roles()
    assert actor.scope_for(resource, action) is None
    assert access.can(actor, action, resource) is open_to_parties(resource, action)


# --- Scoped visibility with the named people ------------------------------------------------


def test_it_lets_a_manager_see_their_sub_teams_but_not_a_sibling_team(world: World) -> None:
    TeamFactory(name="East sales A", parent=world.east_sales)
    actor = world.actor(world.manager)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"East sales", "East sales A"}
    assert not access.can(actor, "view", "team", world.west_sales)
    sibling = world.actor(world.sibling_manager)
    assert names(access.visible(sibling, "team", Team.objects.all())) == {"West sales"}


def test_it_lets_the_region_manager_see_the_region_and_its_sales_team(world: World) -> None:
    actor = world.actor(world.east_manager)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"East region", "East sales"}
    assert access.can(actor, "view", "team", world.east_sales)
    assert not access.can(actor, "view", "team", world.west)


def test_it_lets_a_person_in_two_teams_see_both(world: World) -> None:
    actor = world.actor(world.two_teams)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"East sales", "Support"}


def test_it_gives_the_deactivated_person_nothing(world: World) -> None:
    actor = Actor.for_user(world.gone)
    assert actor.user is None
    assert actor.id is None
    assert not actor.is_admin
    assert actor.grants == {}
    for resource in RESOURCE_NAMES:
        if resource in ORG_MODELS:
            assert not access.visible(actor, resource, ORG_MODELS[resource].objects.all()).exists()
        for action in ACTIONS:
            assert not access.can(actor, action, resource)


def test_it_treats_no_person_as_anonymous(db: None) -> None:
    assert Actor.for_user(None).user is None
    assert not Actor.for_user(None).has("team")


def test_it_lets_the_director_see_every_team_and_person(world: World) -> None:
    actor = world.actor(world.director)
    assert access.visible(actor, "team", Team.objects.all()).count() == Team.objects.count()
    assert access.visible(actor, "user", User.objects.all()).count() == User.objects.count()
    assert not access.can(actor, "manage", "team", world.west_sales)


def test_it_lets_the_outsider_see_west_sales_only(world: World) -> None:
    actor = world.actor(world.outsider)
    assert names(access.visible(actor, "team", Team.objects.all())) == {"West sales"}
    with pytest.raises(Http404):
        access.get_visible_or_404(actor, "team", Team.objects.all(), pk=world.east_sales.pk)


def test_it_counts_led_teams_as_the_leaders_own(world: World) -> None:
    led = TeamFactory(name="Task force", parent=world.company, leader=world.teammate)
    actor = world.actor(world.teammate)
    assert led.pk in actor.team_ids
    assert "Task force" in names(access.visible(actor, "team", Team.objects.all()))


def test_it_leaves_teams_in_the_recycle_bin_out_of_the_subtree(world: World) -> None:
    binned = TeamFactory(name="Old East", parent=world.east)
    Team.all_objects.filter(pk=binned.pk).update(deleted_at="2026-01-01T00:00:00Z")
    actor = world.actor(world.east_manager)
    assert binned.pk not in actor.subtree_team_ids


# --- visible() on people, per scope ---------------------------------------------------------


def test_it_shows_people_sharing_a_team_under_team_scope(world: World) -> None:
    actor = only_role(world.owner, custom_role("people-team", {"user": (["view"], TEAM)}))
    assert names(access.visible(actor, "user", User.objects.all())) == {
        "Mia Manager",
        "王小明",
        "Tom Teammate",
        "Tina Two",
        "Gary Gone",
    }
    assert not access.can(actor, "view", "user", world.east_manager)
    assert access.can(actor, "view", "user", world.teammate)


def test_it_shows_both_teams_people_under_team_scope_for_a_person_in_two_teams(world: World) -> None:
    actor = only_role(world.two_teams, custom_role("people-team", {"user": (["view"], TEAM)}))
    visible_people = names(access.visible(actor, "user", User.objects.all()))
    assert {"Sue Support", "王小明"} <= visible_people
    assert "Olga Outsider" not in visible_people


def test_it_shows_the_subtree_people_under_subtree_scope(world: World) -> None:
    actor = only_role(world.east_manager, custom_role("people-subtree", {"user": (["view"], SUBTREE)}))
    assert names(access.visible(actor, "user", User.objects.all())) == {
        "Evan East",
        "Mia Manager",
        "王小明",
        "Tom Teammate",
        "Tina Two",
        "Gary Gone",
    }


def test_it_shows_only_oneself_under_own_scope(world: World) -> None:
    actor = only_role(world.owner, custom_role("people-own", {"user": (["view"], OWN)}))
    assert names(access.visible(actor, "user", User.objects.all())) == {"王小明"}


def test_it_shows_positions_held_in_the_team_under_team_scope(world: World) -> None:
    rep = PositionFactory(title="Sales rep")
    director = PositionFactory(title="Sales director")
    PositionFactory(title="Nobody holds this")
    User.objects.filter(pk=world.teammate.pk).update(position=rep)
    User.objects.filter(pk=world.director.pk).update(position=director)
    actor = only_role(world.owner, custom_role("positions-team", {"position": (["view"], TEAM)}))
    assert names(access.visible(actor, "position", Position.objects.all())) == {"Sales rep"}


def test_it_shows_only_the_own_position_under_own_scope(world: World) -> None:
    mine = PositionFactory(title="Mine")
    theirs = PositionFactory(title="Theirs")
    User.objects.filter(pk=world.owner.pk).update(position=mine)
    User.objects.filter(pk=world.teammate.pk).update(position=theirs)
    actor = only_role(world.owner, custom_role("positions-own", {"position": (["view"], OWN)}))
    assert names(access.visible(actor, "position", Position.objects.all())) == {"Mine"}


def test_it_shows_a_rep_only_the_roles_they_hold(world: World) -> None:
    actor = world.actor(world.owner)
    assert names(access.visible(actor, "role", Role.objects.all())) == {"Sales rep"}
    manager = world.actor(world.manager)
    assert access.visible(manager, "role", Role.objects.all()).count() == Role.objects.count()


# --- Roles combine; changes take effect for new actors ---------------------------------------


def test_it_combines_several_roles_with_the_widest_scope_per_action(world: World) -> None:
    narrow = custom_role("narrow", {"team": (["view", "edit"], SUBTREE), "user": (["view"], OWN)})
    wide = custom_role("wide", {"team": (["view"], ALL), "user": (["export"], TEAM)})
    world.owner.roles.set([narrow, wide])
    actor = world.actor(world.owner)
    assert actor.scope_for("team", "view") == ALL
    assert actor.scope_for("team", "edit") == SUBTREE
    assert actor.scope_for("user", "view") == OWN
    assert actor.scope_for("user", "export") == TEAM
    assert actor.scope_for("team", "delete") is None


def test_it_combines_a_builtin_role_with_a_custom_one(world: World) -> None:
    extra = custom_role("team-editor", {"team": (["edit"], TEAM)})
    world.owner.roles.add(extra)
    actor = world.actor(world.owner)
    assert actor.scope_for("team", "view") == TEAM
    assert access.can(actor, "edit", "team", world.east_sales)
    assert not access.can(actor, "edit", "team", world.west_sales)


def test_it_applies_a_role_change_to_a_new_actor_but_not_to_one_already_built(world: World) -> None:
    admin = world.actor(world.admin)
    before = world.actor(world.owner)
    rep = Role.objects.get(code="sales-rep")
    services.role_update(
        actor=admin,
        role=rep,
        name=rep.name,
        grants={"team": {"actions": ["view", "manage"], "scope": "team"}},
    )
    after = world.actor(world.owner)
    assert not before.has("team", "manage")
    assert after.scope_for("team", "manage") == TEAM
    assert after.scope_for("user", "view") is None  # the grant was replaced, not added to


def test_it_makes_everyone_holding_a_role_an_administrator_once_it_is_marked_so(world: World) -> None:
    admin = world.actor(world.admin)
    rep = Role.objects.get(code="sales-rep")
    services.role_update(actor=admin, role=rep, name=rep.name, is_admin=True)
    actor = world.actor(world.teammate)
    assert actor.is_admin
    assert access.can(actor, "manage", "team", world.west_sales)


def test_it_takes_an_administrator_role_away_for_the_next_actor(world: World) -> None:
    admin_actor = world.actor(world.admin)
    services.user_update(
        actor=admin_actor, user=world.admin, data={"roles": [Role.objects.get(code="sales-rep")]}
    )
    assert not world.actor(world.admin).is_admin


# --- 404 for invisible and missing alike -------------------------------------------------------


@pytest.mark.parametrize("lookup", ["invisible", "missing", "garbage"])
def test_it_raises_404_for_invisible_missing_and_malformed_alike(world: World, lookup: str) -> None:
    actor = world.actor(world.outsider)
    pk: Any = {"invisible": world.east_sales.pk, "missing": 999_999, "garbage": "abc"}[lookup]
    with pytest.raises(Http404):
        access.get_visible_or_404(actor, "team", Team.objects.all(), pk=pk)


def test_it_returns_a_visible_record(world: World) -> None:
    actor = world.actor(world.outsider)
    assert access.get_visible_or_404(actor, "team", Team.objects.all(), pk=world.west_sales.pk) == (
        world.west_sales
    )


def test_it_raises_404_for_a_team_in_the_recycle_bin(world: World) -> None:
    binned = TeamFactory(name="Binned", parent=world.west)
    Team.all_objects.filter(pk=binned.pk).update(deleted_at="2026-01-01T00:00:00Z")
    actor = world.actor(world.admin)
    with pytest.raises(Http404):
        access.get_visible_or_404(actor, "team", Team.objects.all(), pk=binned.pk)


def test_it_answers_require_with_permission_denied(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    actor = world.actor(world.owner)
    access.require(actor, "view", "team", world.east_sales)
    with pytest.raises(PermissionDenied):
        access.require(actor, "manage", "team", world.east_sales)
    with pytest.raises(PermissionDenied):
        access.require_admin(actor)


def test_it_joins_a_new_member_to_a_teams_scope(world: World) -> None:
    newcomer = UserFactory(username="newcomer", display_name="Nina New", roles=["sales-rep"])
    assert names(access.visible(Actor.for_user(newcomer), "team", Team.objects.all())) == set()
    join(newcomer, world.west_sales)
    assert names(access.visible(Actor.for_user(newcomer), "team", Team.objects.all())) == {"West sales"}
