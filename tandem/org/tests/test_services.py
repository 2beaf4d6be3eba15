"""Writes to the organisation: teams, positions, people, transfers, roles.

Every denied call raises ``PermissionDenied`` and changes nothing; bad input raises a
``ValidationError`` that names the field.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.conftest import World
from tandem.core.access import Actor
from tandem.core.models import HistoryAction, HistoryEntry
from tandem.core.services import record_purge, record_restore, record_soft_delete
from tandem.org import services
from tandem.org.models import Membership, PersonTransfer, Position, Role, RoleGrant, Team, User
from tandem.org.roles import BUILTIN_GRANTS, MANAGER, REP
from tandem.org.tests.factories import PositionFactory, TeamFactory, UserFactory


def history_of(obj: Any, action: str | None = None) -> list[HistoryEntry]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    qs = HistoryEntry.objects.filter(content_type=ct, object_id=obj.pk)
    if action:
        qs = qs.filter(action=action)
    return list(qs)


def field_errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def team_state() -> list[tuple[int, str, str, int, int | None]]:
    return list(Team.all_objects.order_by("pk").values_list("pk", "name", "path", "depth", "parent_id"))


@pytest.fixture
def admin(world: World) -> Actor:
    return world.actor(world.admin)


def deep_tree(world: World) -> tuple[Team, Team, Team, Team]:
    """Four levels under East region: a > b > c > d."""
    a = TeamFactory(name="A", parent=world.east)
    b = TeamFactory(name="B", parent=a)
    c = TeamFactory(name="C", parent=b)
    d = TeamFactory(name="D", parent=c)
    return a, b, c, d


# --- Teams ------------------------------------------------------------------------------------


def test_it_creates_a_team_under_a_parent_with_path_depth_and_leader(world: World, admin: Actor) -> None:
    team = services.team_create(
        actor=admin, name="  East key accounts ", parent=world.east, leader=world.teammate
    )
    assert team.name == "East key accounts"
    assert team.path == f"{world.east.path}{team.pk}/"
    assert team.depth == world.east.depth + 1
    membership = Membership.objects.get(user=world.teammate, team=team)
    assert membership.is_primary is False  # teammate's primary team stays East sales
    [entry] = history_of(team, HistoryAction.CREATE)
    assert entry.actor == world.admin
    assert entry.changes["name"] == [None, "East key accounts"]
    assert entry.changes["parent"] == [None, "East region"]


def test_it_creates_a_root_team(admin: Actor) -> None:
    team = services.team_create(actor=admin, name="Partners")
    assert (team.path, team.depth) == (f"/{team.pk}/", 0)


def test_it_refuses_a_team_without_a_name(world: World, admin: Actor) -> None:
    before = team_state()
    with pytest.raises(ValidationError) as exc:
        services.team_create(actor=admin, name="   ", parent=world.east)
    assert "name" in field_errors(exc)
    assert team_state() == before


@pytest.mark.parametrize("person", ["owner", "manager", "director", "gone"])
def test_it_refuses_team_create_to_anyone_but_an_administrator(world: World, person: str) -> None:
    before = team_state()
    with pytest.raises(PermissionDenied):
        services.team_create(actor=world.actor(getattr(world, person)), name="Rogue", parent=world.east)
    assert team_state() == before


def test_it_updates_a_team_and_records_only_what_changed(world: World, admin: Actor) -> None:
    services.team_update(
        actor=admin, team=world.west_sales, name="West sales", parent=world.west, leader=world.outsider
    )
    [entry] = history_of(world.west_sales, HistoryAction.UPDATE)
    assert entry.changes == {"leader": ["Sam Sibling", "Olga Outsider"]}


def test_it_records_no_history_when_an_update_changes_nothing(world: World, admin: Actor) -> None:
    services.team_update(
        actor=admin,
        team=world.west_sales,
        name="West sales",
        parent=world.west,
        leader=world.sibling_manager,
    )
    assert history_of(world.west_sales, HistoryAction.UPDATE) == []


def test_it_moves_a_team_with_its_whole_subtree(world: World, admin: Actor) -> None:
    a, b, c, d = deep_tree(world)
    assert (b.depth, c.depth, d.depth) == (3, 4, 5)
    services.team_update(actor=admin, team=b, name="B", parent=world.support_team, leader=None)
    for team in (a, b, c, d):
        team.refresh_from_db()
    assert b.path == f"{world.support_team.path}{b.pk}/"
    assert c.path == f"{b.path}{c.pk}/"
    assert d.path == f"{c.path}{d.pk}/"
    assert (b.depth, c.depth, d.depth) == (2, 3, 4)
    assert (a.path, a.depth) == (f"{world.east.path}{a.pk}/", 2)  # the old parent stays put
    # Support's leader now has the moved subtree below them; the east manager no longer does.
    assert {b.pk, c.pk, d.pk} <= world.actor(world.support).subtree_team_ids
    assert not {b.pk, c.pk, d.pk} & world.actor(world.east_manager).subtree_team_ids
    [entry] = history_of(b, HistoryAction.UPDATE)
    assert entry.changes["parent"] == ["A", "Support"]


def test_it_moves_a_subtree_up_to_the_root(world: World, admin: Actor) -> None:
    _a, _b, c, d = deep_tree(world)
    services.team_update(actor=admin, team=c, name="C", parent=None, leader=None)
    d.refresh_from_db()
    assert (c.path, c.depth) == (f"/{c.pk}/", 0)
    assert (d.path, d.depth) == (f"/{c.pk}/{d.pk}/", 1)


@pytest.mark.parametrize("target", ["self", "child", "grandchild", "deepest"])
def test_it_refuses_to_move_a_team_under_itself_or_a_descendant(
    world: World, admin: Actor, target: str
) -> None:
    a, b, c, d = deep_tree(world)
    new_parent = {"self": a, "child": b, "grandchild": c, "deepest": d}[target]
    before = team_state()
    with pytest.raises(ValidationError) as exc:
        services.team_update(actor=admin, team=a, name="A", parent=new_parent, leader=None)
    assert "parent" in field_errors(exc)
    assert team_state() == before


def test_it_refuses_to_create_a_team_beyond_the_depth_limit(admin: Actor) -> None:
    parent = None
    for level in range(services.MAX_TEAM_DEPTH):
        parent = services.team_create(actor=admin, name=f"Level {level}", parent=parent)
    assert parent is not None and parent.depth == services.MAX_TEAM_DEPTH - 1
    count = Team.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.team_create(actor=admin, name="Too deep", parent=parent)
    assert "parent" in field_errors(exc)
    assert Team.objects.count() == count


def test_it_refuses_a_move_that_would_push_the_subtree_beyond_the_depth_limit(
    world: World, admin: Actor
) -> None:
    a, _b, _c, _d = deep_tree(world)  # depths 2..5
    chain = None
    for level in range(services.MAX_TEAM_DEPTH - 3):
        chain = services.team_create(actor=admin, name=f"Chain {level}", parent=chain)
    assert chain is not None
    before = team_state()
    with pytest.raises(ValidationError) as exc:
        services.team_update(actor=admin, team=a, name="A", parent=chain, leader=None)
    assert "parent" in field_errors(exc)
    assert team_state() == before


def test_it_refuses_team_update_to_a_manager_and_changes_nothing(world: World) -> None:
    before = team_state()
    with pytest.raises(PermissionDenied):
        services.team_update(
            actor=world.actor(world.manager),
            team=world.east_sales,
            name="Renamed",
            parent=world.west,
            leader=None,
        )
    assert team_state() == before


def test_it_refuses_to_delete_a_team_with_sub_teams_or_members(world: World, admin: Actor) -> None:
    with pytest.raises(ValidationError):
        services.team_delete(actor=admin, team=world.east)  # has East sales under it
    with pytest.raises(ValidationError):
        services.team_delete(actor=admin, team=world.west_sales)  # has members
    assert Team.objects.filter(pk__in=[world.east.pk, world.west_sales.pk]).count() == 2


def test_it_moves_an_empty_team_to_the_recycle_bin_and_restores_it_intact(world: World, admin: Actor) -> None:
    team = services.team_create(actor=admin, name="Pilot", parent=world.west, leader=None)
    team.description = "A trial team"
    team.save()
    path, depth, parent_id = team.path, team.depth, team.parent_id

    services.team_delete(actor=admin, team=team)
    assert not Team.objects.filter(pk=team.pk).exists()
    binned = Team.all_objects.get(pk=team.pk)
    assert binned.deleted_by == world.admin
    assert history_of(team, HistoryAction.DELETE)

    record_restore(actor=admin, obj=binned)
    restored = Team.objects.get(pk=team.pk)
    assert (restored.path, restored.depth, restored.parent_id) == (path, depth, parent_id)
    assert restored.description == "A trial team"
    assert restored.deleted_by is None
    assert history_of(team, HistoryAction.RESTORE)


def test_it_refuses_team_delete_to_a_rep_and_changes_nothing(world: World, admin: Actor) -> None:
    team = services.team_create(actor=admin, name="Pilot", parent=world.east_sales)
    with pytest.raises(PermissionDenied):
        services.team_delete(actor=world.actor(world.owner), team=team)
    assert Team.objects.filter(pk=team.pk).exists()


def test_it_purges_a_binned_team_for_administrators_only(world: World, admin: Actor) -> None:
    team = services.team_create(actor=admin, name="Pilot", parent=world.west)
    services.team_delete(actor=admin, team=team)
    binned = Team.all_objects.get(pk=team.pk)
    for person in (world.director, world.manager, world.owner):
        with pytest.raises(PermissionDenied):
            record_purge(actor=world.actor(person), obj=binned)
    assert Team.all_objects.filter(pk=team.pk).exists()

    record_purge(actor=admin, obj=binned)
    assert not Team.all_objects.filter(pk=team.pk).exists()
    [entry] = history_of(team, HistoryAction.PURGE)
    assert entry.object_repr == "Pilot"


def test_it_refuses_to_purge_a_record_that_is_not_in_the_bin(world: World, admin: Actor) -> None:
    with pytest.raises(PermissionDenied):
        record_purge(actor=admin, obj=world.west)
    assert Team.objects.filter(pk=world.west.pk).exists()


def test_it_refuses_to_purge_a_team_whose_binned_sub_teams_still_point_at_it(
    world: World, admin: Actor
) -> None:
    parent = services.team_create(actor=admin, name="Old parent", parent=world.company)
    child = services.team_create(actor=admin, name="Old child", parent=parent)
    services.team_delete(actor=admin, team=child)
    services.team_delete(actor=admin, team=parent)
    binned = Team.all_objects.get(pk=parent.pk)

    with pytest.raises(ValidationError) as exc:
        record_purge(actor=admin, obj=binned)
    assert "Old child" in " ".join(exc.value.messages)
    assert Team.all_objects.filter(pk__in=[parent.pk, child.pk]).count() == 2
    assert history_of(parent, HistoryAction.PURGE) == []


def test_it_lets_a_role_with_team_delete_restore_but_not_purge(world: World, admin: Actor) -> None:
    team = services.team_create(actor=admin, name="Pilot", parent=world.east_sales)
    services.team_delete(actor=admin, team=team)
    binned = Team.all_objects.get(pk=team.pk)
    binner = services.role_create(
        actor=admin, code="binner", name="Binner", grants={"team": {"actions": ["delete"], "scope": "all"}}
    )
    world.teammate.roles.add(binner)
    teammate = world.actor(world.teammate)
    with pytest.raises(PermissionDenied):
        record_purge(actor=teammate, obj=binned)
    record_restore(actor=teammate, obj=binned)
    assert Team.objects.filter(pk=team.pk).exists()


def test_it_refuses_restore_to_someone_without_delete_rights(world: World, admin: Actor) -> None:
    team = services.team_create(actor=admin, name="Pilot", parent=world.east_sales)
    services.team_delete(actor=admin, team=team)
    binned = Team.all_objects.get(pk=team.pk)
    with pytest.raises(PermissionDenied):
        record_restore(actor=world.actor(world.manager), obj=binned)
    assert not Team.objects.filter(pk=team.pk).exists()


def test_it_refuses_soft_delete_to_someone_without_delete_rights(world: World) -> None:
    position = PositionFactory(title="Spare")
    with pytest.raises(PermissionDenied):
        record_soft_delete(actor=world.actor(world.director), obj=position)
    assert Position.objects.filter(pk=position.pk).exists()


# --- Memberships -----------------------------------------------------------------------------


def memberships(user: User) -> dict[str, bool]:
    return dict(Membership.objects.filter(user=user).values_list("team__name", "is_primary"))


def test_it_makes_the_first_team_primary_when_none_is_given(world: World, admin: Actor) -> None:
    services.membership_set(
        actor=admin, user=world.outsider, teams=[world.west, world.west_sales], primary=None
    )
    assert memberships(world.outsider) == {"West region": True, "West sales": False}


def test_it_adds_the_primary_team_when_it_is_not_among_the_teams(world: World, admin: Actor) -> None:
    services.membership_set(actor=admin, user=world.outsider, teams=[world.west], primary=world.support_team)
    assert memberships(world.outsider) == {"West region": False, "Support": True}


def test_it_keeps_exactly_one_primary_team_when_the_primary_changes(world: World, admin: Actor) -> None:
    services.membership_set(
        actor=admin,
        user=world.two_teams,
        teams=[world.east_sales, world.support_team],
        primary=world.support_team,
    )
    assert memberships(world.two_teams) == {"East sales": False, "Support": True}
    assert history_of(world.two_teams, HistoryAction.UPDATE) == []  # same teams: nothing to record


def test_it_removes_all_teams_and_records_the_change(world: World, admin: Actor) -> None:
    services.membership_set(actor=admin, user=world.outsider, teams=[], primary=None)
    assert memberships(world.outsider) == {}
    [entry] = history_of(world.outsider, HistoryAction.UPDATE)
    assert entry.changes == {"teams": [["West sales"], []]}


def test_it_refuses_membership_changes_to_a_manager(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_set(
            actor=world.actor(world.manager), user=world.owner, teams=[world.west_sales], primary=None
        )
    assert memberships(world.owner) == {"East sales": True}


# --- Positions -------------------------------------------------------------------------------


def test_it_creates_updates_and_deletes_a_position(world: World, admin: Actor) -> None:
    position = services.position_create(
        actor=admin,
        data={"title": " Key account manager ", "responsibilities": "Renewals", "summary": None},
    )
    assert position.title == "Key account manager"
    assert position.summary == ""
    assert history_of(position, HistoryAction.CREATE)

    boss = PositionFactory(title="Head of sales")
    services.position_update(
        actor=admin, position=position, data={"title": "Key account manager", "reports_to": boss}
    )
    [entry] = history_of(position, HistoryAction.UPDATE)
    assert entry.changes == {"reports_to": [None, "Head of sales"], "responsibilities": ["Renewals", ""]}

    services.position_delete(actor=admin, position=position)
    assert not Position.objects.filter(pk=position.pk).exists()
    assert Position.all_objects.filter(pk=position.pk).exists()


def test_it_refuses_a_position_without_a_title_or_reporting_to_itself(admin: Actor) -> None:
    with pytest.raises(ValidationError) as exc:
        services.position_create(actor=admin, data={"title": ""})
    assert "title" in field_errors(exc)
    position = PositionFactory(title="Rep")
    with pytest.raises(ValidationError) as exc:
        services.position_update(
            actor=admin, position=position, data={"title": "Rep", "reports_to": position}
        )
    assert "reports_to" in field_errors(exc)
    position.refresh_from_db()
    assert position.reports_to is None


def test_it_refuses_to_delete_a_position_people_still_hold(world: World, admin: Actor) -> None:
    position = PositionFactory(title="Rep")
    User.objects.filter(pk=world.owner.pk).update(position=position)
    with pytest.raises(ValidationError):
        services.position_delete(actor=admin, position=position)
    assert Position.objects.filter(pk=position.pk).exists()


@pytest.mark.parametrize("person", ["owner", "manager", "director"])
def test_it_refuses_position_writes_to_non_administrators(world: World, person: str) -> None:
    actor = world.actor(getattr(world, person))
    position = PositionFactory(title="Rep")
    count = Position.objects.count()
    with pytest.raises(PermissionDenied):
        services.position_create(actor=actor, data={"title": "New"})
    with pytest.raises(PermissionDenied):
        services.position_update(actor=actor, position=position, data={"title": "Renamed"})
    with pytest.raises(PermissionDenied):
        services.position_delete(actor=actor, position=position)
    position.refresh_from_db()
    assert position.title == "Rep"
    assert Position.objects.count() == count


# --- People ----------------------------------------------------------------------------------


def test_it_creates_a_person_with_roles_teams_and_a_normalised_phone(world: World, admin: Actor) -> None:
    rep = Role.objects.get(code=REP)
    user = services.user_create(
        actor=admin,
        username="lily",
        display_name="李丽",
        email="Lily@Example.COM ",
        phone="+86 138 0013 8000",
        password="a-long-and-unusual-passphrase",
        manager=world.manager,
        roles=[rep],
        teams=[world.east_sales],
    )
    assert user.phone == "+8613800138000"
    assert user.email == "lily@example.com"
    assert user.check_password("a-long-and-unusual-passphrase")
    assert list(user.roles.all()) == [rep]
    assert memberships(user) == {"East sales": True}
    assert history_of(user, HistoryAction.CREATE)
    assert "East sales" in {t.name for t in Team.objects.filter(pk__in=Actor.for_user(user).team_ids)}


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("(021) 6234-5678", "+862162345678"),
        ("", ""),
    ],
)
def test_it_accepts_phone_numbers_as_people_type_them(admin: Actor, raw: str, stored: str) -> None:
    user = services.user_create(actor=admin, username="p", display_name="P", phone=raw)
    assert user.phone == stored


@pytest.mark.parametrize("raw", ["abc", "12", "call me"])
def test_it_refuses_a_phone_that_is_not_a_number(admin: Actor, raw: str) -> None:
    count = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=admin, username="p", display_name="P", phone=raw)
    assert "phone" in field_errors(exc)
    assert User.objects.count() == count


@pytest.mark.parametrize("username", ["owner", "OWNER", " owner "])
def test_it_refuses_a_taken_username(world: World, admin: Actor, username: str) -> None:
    count = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=admin, username=username, display_name="Copy")
    assert "username" in field_errors(exc)
    assert User.objects.count() == count


@pytest.mark.parametrize("password", ["123", "password", "12345678901"])
def test_it_refuses_a_weak_password(admin: Actor, password: str) -> None:
    count = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=admin, username="weak", display_name="Weak", password=password)
    assert "password" in field_errors(exc)
    assert User.objects.count() == count


@pytest.mark.parametrize(
    ("field", "value"),
    [("display_name", "  "), ("email", "not-an-email"), ("language", "fr"), ("time_zone", "Mars/Olympus")],
)
def test_it_refuses_bad_profile_values_with_a_field_error(admin: Actor, field: str, value: str) -> None:
    kwargs: dict[str, Any] = {"username": "newbie", "display_name": "Newbie", field: value}
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=admin, **kwargs)
    assert field in field_errors(exc)
    assert not User.objects.filter(username="newbie").exists()


def test_it_creates_a_person_without_a_password_who_cannot_sign_in(admin: Actor) -> None:
    user = services.user_create(actor=admin, username="sso", display_name="SSO")
    assert not user.has_usable_password()


@pytest.mark.parametrize("person", ["manager", "director", "owner"])
def test_it_refuses_user_create_to_non_administrators(world: World, person: str) -> None:
    count = User.objects.count()
    with pytest.raises(PermissionDenied):
        services.user_create(actor=world.actor(getattr(world, person)), username="x", display_name="X")
    assert User.objects.count() == count


def test_it_updates_a_person_and_records_old_and_new_values(world: World, admin: Actor) -> None:
    position = PositionFactory(title="Senior rep")
    services.user_update(
        actor=admin,
        user=world.owner,
        data={
            "display_name": "王小明",
            "phone": "13800138000",
            "position": position,
            "manager": world.east_manager,
        },
    )
    world.owner.refresh_from_db()
    assert world.owner.phone == "+8613800138000"
    [entry] = history_of(world.owner, HistoryAction.UPDATE)
    assert entry.changes == {
        "phone": ["", "+8613800138000"],
        "manager": ["Mia Manager", "Evan East"],
        "position": [None, "Senior rep"],
    }


def test_it_records_a_role_change_on_a_person(world: World, admin: Actor) -> None:
    services.user_update(actor=admin, user=world.owner, data={"roles": [Role.objects.get(code=MANAGER)]})
    entries = history_of(world.owner, HistoryAction.UPDATE)
    assert {"roles": [[REP], [MANAGER]]} in [e.changes for e in entries]


@pytest.mark.parametrize("new_manager", ["owner", "teammate_reporting_to_owner", "grand_report"])
def test_it_refuses_a_circular_reporting_line(world: World, admin: Actor, new_manager: str) -> None:
    boss: User
    if new_manager == "owner":
        boss = world.owner
    elif new_manager == "teammate_reporting_to_owner":
        User.objects.filter(pk=world.teammate.pk).update(manager=world.owner)
        boss = User.objects.get(pk=world.teammate.pk)
    else:
        User.objects.filter(pk=world.teammate.pk).update(manager=world.owner)
        intern = UserFactory(username="intern", manager=User.objects.get(pk=world.teammate.pk))
        boss = User.objects.get(pk=intern.pk)
    with pytest.raises(ValidationError) as exc:
        services.user_update(actor=admin, user=world.owner, data={"manager": boss})
    assert "manager" in field_errors(exc)
    world.owner.refresh_from_db()
    assert world.owner.manager == world.manager


def test_it_refuses_user_update_to_a_manager_and_changes_nothing(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=world.actor(world.manager), user=world.owner, data={"display_name": "Renamed"}
        )
    world.owner.refresh_from_db()
    assert world.owner.display_name == "王小明"


def test_it_lets_a_person_update_their_own_profile(world: World) -> None:
    actor = world.actor(world.teammate)
    services.profile_update(
        actor=actor,
        data={"display_name": " Tom T. ", "language": "zh-hans", "time_zone": "Europe/London", "phone": ""},
    )
    world.teammate.refresh_from_db()
    assert (world.teammate.display_name, world.teammate.language, world.teammate.time_zone) == (
        "Tom T.",
        "zh-hans",
        "Europe/London",
    )
    [entry] = history_of(world.teammate, HistoryAction.UPDATE)
    assert entry.actor == world.teammate
    assert entry.changes["display_name"] == ["Tom Teammate", "Tom T."]


def test_it_ignores_fields_a_person_may_not_change_on_their_own_profile(world: World) -> None:
    services.profile_update(
        actor=world.actor(world.teammate), data={"manager": world.teammate, "is_superuser": True}
    )
    world.teammate.refresh_from_db()
    assert world.teammate.manager == world.manager
    assert not world.teammate.is_superuser


def test_it_refuses_a_bad_profile_value_and_keeps_the_old_one(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.profile_update(actor=world.actor(world.teammate), data={"language": "klingon"})
    assert "language" in field_errors(exc)
    world.teammate.refresh_from_db()
    assert world.teammate.language == "en"


def test_it_refuses_a_profile_update_without_a_person(db: None) -> None:
    with pytest.raises(ValidationError):
        services.profile_update(actor=Actor.anonymous(), data={"display_name": "Ghost"})


# --- Transfers and deactivation --------------------------------------------------------------


def test_it_transfers_direct_reports_and_led_teams_with_history(world: World, admin: Actor) -> None:
    record = services.person_transfer(
        actor=admin,
        source=world.manager,
        target=world.sibling_manager,
        reason="Reorganisation",
        lead_teams=True,
        reports="successor",
    )
    assert record.kind == PersonTransfer.Kind.ACTIVE
    assert record.counts == {"org.Team.leader": 1, "org.User.manager": 3}
    assert record.actor == world.admin
    for person in (world.owner, world.teammate, world.two_teams):
        person.refresh_from_db()
        assert person.manager == world.sibling_manager
        [entry] = history_of(person, HistoryAction.TRANSFER)
        assert entry.changes == {"manager": ["Mia Manager", "Sam Sibling"]}
        assert entry.message == "Reorganisation"
    world.east_sales.refresh_from_db()
    assert world.east_sales.leader == world.sibling_manager
    [team_entry] = history_of(world.east_sales, HistoryAction.TRANSFER)
    assert team_entry.changes == {"leader": ["Mia Manager", "Sam Sibling"]}
    [source_entry] = history_of(world.manager, HistoryAction.TRANSFER)
    assert source_entry.changes == {"successor": [None, "Sam Sibling"]}


def test_it_moves_nothing_when_the_source_owns_nothing(world: World, admin: Actor) -> None:
    record = services.person_transfer(actor=admin, source=world.outsider, target=world.teammate)
    assert record.counts == {}


def test_it_never_makes_the_successor_their_own_manager(world: World, admin: Actor) -> None:
    record = services.person_transfer(
        actor=admin, source=world.manager, target=world.owner, reports="successor"
    )
    world.owner.refresh_from_db()
    world.teammate.refresh_from_db()
    assert world.owner.manager == world.manager
    assert world.teammate.manager == world.owner
    assert record.counts["org.User.manager"] == 2


def test_it_never_closes_a_circle_when_the_successor_reports_to_the_source_indirectly(
    world: World, admin: Actor
) -> None:
    # owner -> manager -> east_manager; east_manager hands over to owner.
    services.person_transfer(actor=admin, source=world.east_manager, target=world.owner)
    for person in User.objects.all():
        seen: set[int] = set()
        current: User | None = person
        while current is not None:
            assert current.pk not in seen, f"circular reporting line through {person}"
            seen.add(current.pk)
            current = current.manager


@pytest.mark.parametrize("target", ["self", "inactive"])
def test_it_refuses_a_transfer_to_self_or_an_inactive_person(world: World, admin: Actor, target: str) -> None:
    successor = world.manager if target == "self" else world.gone
    with pytest.raises(ValidationError) as exc:
        services.person_transfer(actor=admin, source=world.manager, target=successor)
    assert "target" in field_errors(exc)
    assert PersonTransfer.objects.count() == 0
    world.owner.refresh_from_db()
    assert world.owner.manager == world.manager


def test_it_refuses_a_transfer_to_a_manager_and_moves_nothing(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.person_transfer(
            actor=world.actor(world.east_manager), source=world.manager, target=world.east_manager
        )
    assert PersonTransfer.objects.count() == 0
    assert User.objects.filter(manager=world.manager).count() == 3


def test_it_deactivates_a_person_after_handing_everything_to_a_successor(world: World, admin: Actor) -> None:
    record = services.user_deactivate(
        actor=admin, user=world.manager, successor=world.east_manager, reason="Left the company"
    )
    assert record.kind == PersonTransfer.Kind.DEPARTURE
    world.manager.refresh_from_db()
    assert not world.manager.is_active
    assert world.manager.deactivated_at is not None
    assert User.objects.filter(manager=world.manager).count() == 0
    actor = Actor.for_user(world.manager)
    assert actor.user is None
    assert not actor.has("team")
    update = history_of(world.manager, HistoryAction.UPDATE)
    assert update and update[0].changes["is_active"] == [True, False]


def test_it_requires_a_successor_to_deactivate(world: World, admin: Actor) -> None:
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(actor=admin, user=world.manager, successor=None)
    assert "successor" in field_errors(exc)
    world.manager.refresh_from_db()
    assert world.manager.is_active


def test_it_refuses_self_deactivation(world: World, admin: Actor) -> None:
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=admin, user=world.admin, successor=world.director)
    world.admin.refresh_from_db()
    assert world.admin.is_active
    assert PersonTransfer.objects.count() == 0


def test_it_refuses_deactivation_to_a_manager(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=world.actor(world.manager), user=world.owner, successor=world.teammate)
    world.owner.refresh_from_db()
    assert world.owner.is_active


def test_it_reactivates_a_person(world: World, admin: Actor) -> None:
    services.user_reactivate(actor=admin, user=world.gone)
    world.gone.refresh_from_db()
    assert world.gone.is_active
    assert Actor.for_user(world.gone).user == world.gone


# --- Roles -----------------------------------------------------------------------------------


def grants_of(role: Role) -> dict[str, tuple[list[str], str]]:
    return {g.resource: (g.actions, g.scope) for g in RoleGrant.objects.filter(role=role)}


def test_it_creates_a_role_with_cleaned_grants(admin: Actor) -> None:
    role = services.role_create(
        actor=admin,
        code="",
        name="Regional analyst",
        grants={
            "team": {"actions": ["export", "view", "view"], "scope": "subtree"},
            "user": {"actions": ["view"]},
            "position": {"actions": [], "scope": "all"},
        },
    )
    assert role.code == "regional-analyst"
    assert grants_of(role) == {"team": (["view", "export"], "subtree"), "user": (["view"], "own")}
    assert history_of(role, HistoryAction.CREATE)


@pytest.mark.parametrize(
    "grants",
    [
        {"spaceship": {"actions": ["view"], "scope": "all"}},
        {"team": {"actions": ["fly"], "scope": "all"}},
        {"team": {"actions": ["view"], "scope": "galaxy"}},
        {"team": "view"},
        {"team": {"actions": "view"}},
        {"team": {"actions": [["view"]]}},
        {"team": {"actions": ["view"], "scope": ["all"]}},
    ],
)
def test_it_refuses_unknown_resources_actions_and_scopes(admin: Actor, grants: dict[str, Any]) -> None:
    count = Role.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.role_create(actor=admin, code="odd", name="Odd", grants=grants)
    assert "grants" in field_errors(exc)
    assert Role.objects.count() == count


def test_it_refuses_a_duplicate_role_code(admin: Actor) -> None:
    with pytest.raises(ValidationError) as exc:
        services.role_create(actor=admin, code="sales-rep", name="Another rep")
    assert "code" in field_errors(exc)


def test_it_updates_a_role_and_records_the_grant_change(admin: Actor) -> None:
    role = services.role_create(
        actor=admin, code="viewer", name="Viewer", grants={"team": {"actions": ["view"], "scope": "team"}}
    )
    services.role_update(
        actor=admin,
        role=role,
        name="Viewer",
        grants={"team": {"actions": ["view"], "scope": "all"}, "user": {"actions": ["view"], "scope": "all"}},
    )
    assert grants_of(role) == {"team": (["view"], "all"), "user": (["view"], "all")}
    changes = [e.changes for e in history_of(role, HistoryAction.UPDATE)]
    assert {"grants": [{"team": "view@team"}, {"team": "view@all", "user": "view@all"}]} in changes


def test_it_keeps_the_grants_when_an_update_passes_none(admin: Actor) -> None:
    role = Role.objects.get(code=REP)
    before = grants_of(role)
    services.role_update(actor=admin, role=role, name="Sales rep", description="Front line")
    assert grants_of(role) == before


def test_it_refuses_to_delete_a_builtin_role(admin: Actor) -> None:
    role = Role.objects.get(code=MANAGER)
    with pytest.raises(ValidationError):
        services.role_delete(actor=admin, role=role)
    assert Role.objects.filter(code=MANAGER).exists()


def test_it_refuses_to_delete_a_role_people_hold(world: World, admin: Actor) -> None:
    role = services.role_create(actor=admin, code="temp", name="Temp")
    world.owner.roles.add(role)
    with pytest.raises(ValidationError):
        services.role_delete(actor=admin, role=role)
    assert Role.objects.filter(pk=role.pk).exists()


def test_it_deletes_an_unused_custom_role_with_a_history_entry(admin: Actor) -> None:
    role = services.role_create(
        actor=admin, code="temp", name="Temp", grants={"team": {"actions": ["view"], "scope": "all"}}
    )
    pk = role.pk
    services.role_delete(actor=admin, role=role)
    assert not Role.objects.filter(pk=pk).exists()
    assert not RoleGrant.objects.filter(role_id=pk).exists()
    ct = ContentType.objects.get_for_model(Role)
    assert HistoryEntry.objects.filter(content_type=ct, object_id=pk, action=HistoryAction.PURGE).exists()


@pytest.mark.parametrize("person", ["director", "manager", "owner"])
def test_it_refuses_role_writes_to_non_administrators(world: World, person: str) -> None:
    actor = world.actor(getattr(world, person))
    rep = Role.objects.get(code=REP)
    before = (Role.objects.count(), grants_of(rep))
    with pytest.raises(PermissionDenied):
        services.role_create(actor=actor, code="mine", name="Mine")
    with pytest.raises(PermissionDenied):
        services.role_update(actor=actor, role=rep, name="Boss", is_admin=True)
    with pytest.raises(PermissionDenied):
        services.role_delete(actor=actor, role=rep)
    rep.refresh_from_db()
    assert not rep.is_admin
    assert (Role.objects.count(), grants_of(rep)) == before


def test_it_syncs_builtin_roles_idempotently(db: None) -> None:
    before = {r.code: grants_of(r) for r in Role.objects.filter(is_builtin=True)}
    services.role_sync_builtin()
    services.role_sync_builtin()
    after = {r.code: grants_of(r) for r in Role.objects.filter(is_builtin=True)}
    assert after == before
    assert Role.objects.filter(is_builtin=True).count() == len(before)


def test_it_keeps_an_administrators_edit_on_sync_and_undoes_it_on_reset(admin: Actor) -> None:
    rep = Role.objects.get(code=REP)
    services.role_update(
        actor=admin, role=rep, name="Sales rep", grants={"team": {"actions": ["manage"], "scope": "all"}}
    )
    edited = grants_of(rep)
    services.role_sync_builtin()
    assert grants_of(rep) == edited
    services.role_sync_builtin(reset=True)
    assert grants_of(rep) == {r: (a, s) for r, (a, s) in BUILTIN_GRANTS[REP].items()}


def test_it_restores_the_administrator_flag_on_reset(admin: Actor) -> None:
    role = Role.objects.get(code="administrator")
    Role.objects.filter(pk=role.pk).update(is_admin=False)  # e.g. edited in the database by hand
    services.role_sync_builtin()
    role.refresh_from_db()
    assert not role.is_admin  # a plain sync keeps the administrator's edit
    services.role_sync_builtin(reset=True)
    role.refresh_from_db()
    assert role.is_admin
    rep = Role.objects.get(code=REP)
    assert not rep.is_admin


def test_it_recreates_a_missing_builtin_role_on_sync(db: None) -> None:
    Role.objects.filter(code=REP).delete()
    services.role_sync_builtin()
    rep = Role.objects.get(code=REP)
    assert rep.is_builtin
    assert grants_of(rep) == {r: (a, s) for r, (a, s) in BUILTIN_GRANTS[REP].items()}


def test_it_revokes_a_deactivated_persons_api_tokens(world: World) -> None:
    from tandem.security.models import ApiToken, hash_key

    token = ApiToken.objects.create(user=world.teammate, name="laptop", prefix="abc", key_hash=hash_key("k1"))
    services.user_deactivate(actor=world.actor(world.admin), user=world.teammate, successor=world.manager)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_it_refuses_to_deactivate_someone_already_deactivated(world: World) -> None:
    transfers = PersonTransfer.objects.count()
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=world.actor(world.admin), user=world.gone, successor=world.manager)
    assert PersonTransfer.objects.count() == transfers


def test_it_keeps_the_builtin_administrator_role_administering(world: World) -> None:
    role = Role.objects.get(code="administrator")
    with pytest.raises(ValidationError) as caught:
        services.role_update(actor=world.actor(world.admin), role=role, name=role.name, is_admin=False)
    assert "is_admin" in caught.value.message_dict
    role.refresh_from_db()
    assert role.is_admin
