"""The organisation's REST API: /api/v1/users/, teams/, positions/, roles/, me/.

People come from the ``world`` fixture (see tandem/conftest.py): a rep (owner) and their
teammate in East sales under their manager, the East region's manager above, a sibling team's
manager and an outsider in West sales, an administrator, a deactivated rep (gone).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.org.models import Membership, PersonTransfer, Position, Role, Team, User
from tandem.org.tests.factories import PositionFactory, TeamFactory, UserFactory, join
from tandem.security import services as security_services

USERS = "/api/v1/users/"
TEAMS = "/api/v1/teams/"
POSITIONS = "/api/v1/positions/"
ROLES = "/api/v1/roles/"
ME = "/api/v1/me/"


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """The API activates the caller's language for the thread; other tests expect English."""
    yield
    translation.activate("en")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def names(response: Any, key: str = "name") -> set[str]:
    return {row[key] for row in response.json()["results"]}


def person_state(user: User) -> dict[str, Any]:
    """What a person's record holds, less the sign-in time that signing in as them changes."""
    state = User.objects.filter(pk=user.pk).values().get()
    state.pop("last_login")
    return state


def team_state(team: Team) -> tuple[Any, ...]:
    fresh = Team.all_objects.get(pk=team.pk)
    return (fresh.name, fresh.description, fresh.parent_id, fresh.leader_id, fresh.path, fresh.deleted_at)


# --- Authentication and language -----------------------------------------------------------


@pytest.mark.parametrize("url", [USERS, TEAMS, POSITIONS, ROLES, ME])
def test_it_answers_401_as_json_without_credentials(api: APIClient, world: World, url: str) -> None:
    response = api.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_it_accepts_an_api_token(api: APIClient, world: World) -> None:
    _token, key = security_services.token_create(actor=world.actor(world.owner), name="script")
    response = api.get(ME, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["username"] == "owner"


def test_it_answers_a_404_in_chinese_when_asked_with_accept_language(world: World) -> None:
    response = as_(world.owner).get(f"{TEAMS}{world.west_sales.pk}/", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_it_answers_in_the_persons_language_without_accept_language(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    response = as_(world.owner).get(f"{TEAMS}{world.west_sales.pk}/")
    assert response.json() == {"detail": "未找到。"}


def test_it_prefers_accept_language_over_the_persons_setting(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    response = as_(world.owner).get(f"{TEAMS}{world.west_sales.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"detail": "Not found."}


def test_it_gives_field_errors_in_chinese(world: World) -> None:
    response = as_(world.admin).post(TEAMS, {"parent": 999999}, format="json", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == ["该字段是必填项。"]
    assert "999999" in body["parent"][0] and "对象不存在" in body["parent"][0]


def test_it_gives_a_service_message_in_chinese(world: World) -> None:
    response = as_(world.owner).patch(
        ME, {"email": "not-an-address"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-Hans"
    )
    assert response.status_code == 400
    assert response.json()["email"] == ["请输入合法的邮件地址。"]


# --- Teams: reads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("owner", {"East sales"}),
        ("teammate", {"East sales"}),
        ("manager", {"East sales"}),
        ("east_manager", {"East region", "East sales"}),
        ("sibling_manager", {"West sales"}),
        ("outsider", {"West sales"}),
        ("two_teams", {"East sales", "Support"}),
        ("director", {"Company", "East region", "East sales", "West region", "West sales", "Support"}),
        ("admin", {"Company", "East region", "East sales", "West region", "West sales", "Support"}),
    ],
)
def test_it_lists_the_teams_each_person_may_see(world: World, person: str, expected: set[str]) -> None:
    response = as_(getattr(world, person)).get(TEAMS)
    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_it_shows_a_team_with_its_leader_path_and_head_count(world: World) -> None:
    response = as_(world.owner).get(f"{TEAMS}{world.east_sales.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": world.east_sales.pk,
        "name": "East sales",
        "names": {},
        "display_name": "East sales",
        "description": "",
        "parent": world.east.pk,
        "leader": world.manager.pk,
        "leader_name": "Mia Manager",
        "path": world.east_sales.path,
        "depth": 2,
        # manager, owner, teammate, two_teams; gone is deactivated
        "head_count": 4,
    }


def test_it_answers_an_invisible_team_exactly_like_a_missing_one(world: World) -> None:
    client = as_(world.owner)
    invisible = client.get(f"{TEAMS}{world.west_sales.pk}/")
    missing = client.get(f"{TEAMS}999999/")
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


def test_it_answers_a_malformed_id_with_a_json_404(world: World) -> None:
    response = as_(world.owner).get(f"{TEAMS}abc/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_it_filters_teams_by_parent_and_name(world: World) -> None:
    client = as_(world.admin)
    assert names(client.get(TEAMS, {"parent": world.company.pk})) == {"East region", "West region", "Support"}
    assert names(client.get(TEAMS, {"q": "sales"})) == {"East sales", "West sales"}


def test_it_refuses_an_invalid_or_invisible_parent_filter(world: World) -> None:
    client = as_(world.owner)
    assert client.get(TEAMS, {"parent": "abc"}).status_code == 400
    invisible = client.get(TEAMS, {"parent": world.west.pk})
    missing = client.get(TEAMS, {"parent": 999999})
    assert invisible.status_code == missing.status_code == 400
    assert list(invisible.json()) == ["parent"]


def test_it_orders_teams_by_a_whitelisted_field_only(world: World) -> None:
    client = as_(world.admin)
    response = client.get(TEAMS, {"ordering": "-name"})
    assert [row["name"] for row in response.json()["results"]][:2] == ["West sales", "West region"]
    refused = client.get(TEAMS, {"ordering": "leader__password"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["ordering"]


def test_it_lists_teams_in_a_constant_number_of_queries(world: World) -> None:
    client = as_(world.admin)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(TEAMS, {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for n in range(5):
        team = TeamFactory(name=f"Extra {n}", parent=world.west, leader=UserFactory())
        join(UserFactory(), team)
    few = count_queries()
    for n in range(5, 40):
        team = TeamFactory(name=f"Extra {n}", parent=world.west, leader=UserFactory())
        join(UserFactory(), team)
    assert count_queries() == few


# --- Teams: writes ---------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["owner", "manager", "east_manager", "director"])
def test_it_refuses_with_403_a_visible_team_edit_by_a_non_administrator(world: World, person: str) -> None:
    before = team_state(world.east_sales)
    client = as_(getattr(world, person))
    response = client.patch(f"{TEAMS}{world.east_sales.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert client.delete(f"{TEAMS}{world.east_sales.pk}/").status_code == 403
    assert team_state(world.east_sales) == before


def test_it_answers_404_to_an_edit_of_an_invisible_team(world: World) -> None:
    before = team_state(world.west_sales)
    client = as_(world.owner)
    assert client.patch(f"{TEAMS}{world.west_sales.pk}/", {"name": "X"}, format="json").status_code == 404
    assert client.delete(f"{TEAMS}{world.west_sales.pk}/").status_code == 404
    assert client.patch(f"{TEAMS}999999/", {"name": "X"}, format="json").status_code == 404
    assert team_state(world.west_sales) == before


def test_it_refuses_team_creation_to_a_manager_and_creates_nothing(world: World) -> None:
    count = Team.all_objects.count()
    response = as_(world.manager).post(TEAMS, {"name": "Shadow team"}, format="json")
    assert response.status_code == 403
    assert Team.all_objects.count() == count


def test_it_lets_an_administrator_create_a_team_under_a_parent(world: World) -> None:
    response = as_(world.admin).post(
        TEAMS,
        {
            "name": "East key accounts",
            "parent": world.east.pk,
            "leader": world.teammate.pk,
            "description": "KA",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    team = Team.objects.get(pk=body["id"])
    assert body["path"] == f"{world.east.path}{team.pk}/"
    assert body["depth"] == 2
    assert body["leader_name"] == "Tom Teammate"
    assert body["head_count"] == 1  # the leader joins the team
    assert HistoryEntry.objects.filter(object_id=team.pk, action="create").exists()


def test_it_moves_a_team_with_its_whole_subtree(world: World) -> None:
    client = as_(world.admin)
    child = client.post(
        TEAMS, {"name": "East inside sales", "parent": world.east_sales.pk}, format="json"
    ).json()
    response = client.patch(f"{TEAMS}{world.east_sales.pk}/", {"parent": world.west.pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["parent"] == world.west.pk
    assert body["path"] == f"{world.west.path}{world.east_sales.pk}/"
    assert body["name"] == "East sales"  # untouched by a partial update
    assert body["leader"] == world.manager.pk
    moved_child = Team.objects.get(pk=child["id"])
    assert moved_child.path == f"{world.west.path}{world.east_sales.pk}/{moved_child.pk}/"
    assert moved_child.depth == 3


def test_it_refuses_to_move_a_team_under_its_own_sub_team(world: World) -> None:
    before = team_state(world.east)
    response = as_(world.admin).patch(
        f"{TEAMS}{world.east.pk}/", {"parent": world.east_sales.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["parent"]
    assert team_state(world.east) == before


def test_it_replaces_a_team_with_put(world: World) -> None:
    response = as_(world.admin).put(
        f"{TEAMS}{world.support_team.pk}/",
        {"name": "Customer support", "description": "L1 and L2"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Customer support"
    assert response.json()["parent"] == world.company.pk
    put_without_name = as_(world.admin).put(f"{TEAMS}{world.support_team.pk}/", {}, format="json")
    assert put_without_name.status_code == 400
    assert list(put_without_name.json()) == ["name"]


def test_it_validates_team_input_with_field_messages(world: World) -> None:
    client = as_(world.admin)
    count = Team.all_objects.count()
    assert list(client.post(TEAMS, {"name": "   "}, format="json").json()) == ["name"]
    assert list(client.post(TEAMS, {"name": "x" * 121}, format="json").json()) == ["name"]
    assert list(client.post(TEAMS, {"name": "A", "leader": "abc"}, format="json").json()) == ["leader"]
    assert list(client.post(TEAMS, {"name": "A", "parent": 999999}, format="json").json()) == ["parent"]
    assert Team.all_objects.count() == count


def test_it_refuses_to_delete_a_team_that_has_members(world: World) -> None:
    response = as_(world.admin).delete(f"{TEAMS}{world.west_sales.pk}/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert Team.objects.filter(pk=world.west_sales.pk).exists()


def test_it_moves_an_empty_team_to_the_recycle_bin(world: World) -> None:
    client = as_(world.admin)
    team = TeamFactory(name="Empty", parent=world.company)
    assert client.delete(f"{TEAMS}{team.pk}/").status_code == 204
    assert client.get(f"{TEAMS}{team.pk}/").status_code == 404
    assert Team.all_objects.get(pk=team.pk).deleted_at is not None


def test_it_shows_a_visible_teams_history_and_hides_an_invisible_ones(world: World) -> None:
    as_(world.admin).patch(f"{TEAMS}{world.east_sales.pk}/", {"description": "Shanghai"}, format="json")
    response = as_(world.owner).get(f"{TEAMS}{world.east_sales.pk}/history/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    entry = body["results"][0]
    assert entry["action"] == "update"
    assert entry["actor"] == world.admin.pk
    assert entry["actor_name"] == "Ada Admin"
    assert entry["changes"] == {"description": ["", "Shanghai"]}
    assert as_(world.owner).get(f"{TEAMS}{world.west_sales.pk}/history/").status_code == 404


# --- Users -----------------------------------------------------------------------------------


def test_it_lists_people_in_pages_with_a_count(world: World) -> None:
    response = as_(world.owner).get(USERS, {"page_size": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "count_is_estimate", "next", "previous", "results"}
    assert body["count"] == User.objects.count() and body["count_is_estimate"] is False
    assert len(body["results"]) == 5
    assert body["next"] is not None and body["previous"] is None


@pytest.mark.parametrize("size", ["0", "201", "abc", "-1"])
def test_it_refuses_a_bad_page_size(world: World, size: str) -> None:
    response = as_(world.owner).get(USERS, {"page_size": size})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_it_shows_a_person_with_teams_roles_manager_and_position(world: World) -> None:
    position = PositionFactory(title="Sales rep")
    User.objects.filter(pk=world.owner.pk).update(position=position, phone="+8613800138000")
    response = as_(world.teammate).get(f"{USERS}{world.owner.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": world.owner.pk,
        "username": "owner",
        "display_name": "王小明",
        "email": "owner@example.com",
        "phone": "+8613800138000",
        "language": "en",
        "time_zone": "Asia/Shanghai",
        "is_active": True,
        "manager": world.manager.pk,
        "manager_name": "Mia Manager",
        "position": position.pk,
        "position_title": "Sales rep",
        "teams": [{"id": world.east_sales.pk, "name": "East sales", "is_primary": True}],
        "roles": ["sales-rep"],
        "initials": "王",
    }


def test_it_leaves_out_the_teams_and_roles_a_person_may_not_see(world: World) -> None:
    as_owner = as_(world.owner).get(f"{USERS}{world.two_teams.pk}/").json()
    assert as_owner["teams"] == [{"id": world.east_sales.pk, "name": "East sales", "is_primary": True}]
    as_admin = as_(world.admin).get(f"{USERS}{world.two_teams.pk}/").json()
    assert [t["name"] for t in as_admin["teams"]] == ["East sales", "Support"]
    # A rep sees only the roles they hold themselves.
    assert as_(world.owner).get(f"{USERS}{world.manager.pk}/").json()["roles"] == []
    assert as_(world.owner).get(f"{USERS}{world.teammate.pk}/").json()["roles"] == ["sales-rep"]
    assert as_(world.admin).get(f"{USERS}{world.manager.pk}/").json()["roles"] == ["sales-manager"]


def test_it_limits_people_to_a_roles_data_scope(world: World) -> None:
    role = Role.objects.create(code="team-only", name="Team only")
    role.grants.create(resource="user", actions=["view"], scope="team")
    role.grants.create(resource="team", actions=["view"], scope="team")
    person = UserFactory(
        username="scoped", display_name="Sid Scoped", roles=["team-only"], manager=world.director
    )
    join(person, world.west_sales)
    client = as_(person)
    response = client.get(USERS, {"page_size": 200})
    assert names(response, "username") == {"scoped", "sibling_manager", "outsider"}
    assert client.get(f"{USERS}{world.owner.pk}/").status_code == 404
    # The manager is someone this person may not see: left out, like a missing one.
    me = client.get(f"{USERS}{person.pk}/").json()
    assert me["manager"] is None and me["manager_name"] is None


def test_it_filters_people(world: World) -> None:
    position = PositionFactory(title="Engineer")
    User.objects.filter(pk=world.support.pk).update(position=position)
    client = as_(world.admin)
    assert names(client.get(USERS, {"q": "tom"}), "username") == {"teammate"}
    assert names(client.get(USERS, {"q": "OWNER@example"}), "username") == {"owner"}
    assert names(client.get(USERS, {"team": world.support_team.pk}), "username") == {"support", "two_teams"}
    assert names(client.get(USERS, {"manager": world.sibling_manager.pk}), "username") == {"outsider"}
    assert names(client.get(USERS, {"position": position.pk}), "username") == {"support"}
    assert names(client.get(USERS, {"is_active": "false"}), "username") == {"gone"}
    assert "gone" not in names(client.get(USERS, {"is_active": "true", "page_size": 200}), "username")
    by_code = names(client.get(USERS, {"role": "sales-manager"}), "username")
    assert by_code == {"east_manager", "manager", "sibling_manager"}
    role_id = Role.objects.get(code="sales-manager").pk
    assert names(client.get(USERS, {"role": role_id}), "username") == by_code


@pytest.mark.parametrize(
    "params",
    [
        {"is_active": "maybe"},
        {"team": "abc"},
        {"team": 999999},
        {"manager": "x"},
        {"position": 999999},
        {"role": "no-such-role"},
        {"ordering": "password"},
        {"ordering": "display_name,email"},
    ],
)
def test_it_answers_400_to_an_invalid_people_filter(world: World, params: dict[str, Any]) -> None:
    response = as_(world.admin).get(USERS, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_it_refuses_a_team_filter_on_an_invisible_team_like_a_missing_one(world: World) -> None:
    client = as_(world.owner)
    invisible = client.get(USERS, {"team": world.west_sales.pk})
    missing = client.get(USERS, {"team": 999999})
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["team"] == [
        m.replace("999999", str(world.west_sales.pk)) for m in missing.json()["team"]
    ]


def test_it_orders_people(world: World) -> None:
    response = as_(world.admin).get(USERS, {"ordering": "-username", "page_size": 3})
    assert [row["username"] for row in response.json()["results"]] == ["two_teams", "teammate", "support"]


def test_it_lists_people_in_a_constant_number_of_queries(world: World) -> None:
    client = as_(world.owner)
    roles = list(Role.objects.filter(code__in=["sales-rep", "sales-manager"]))
    position = PositionFactory()

    def add_people(n: int) -> None:
        for _ in range(n):
            person = UserFactory(manager=world.manager, position=position)
            person.roles.set(roles)
            join(person, world.east_sales)
            join(person, world.support_team, primary=False)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(USERS, {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add_people(5)
    few = count_queries()
    add_people(35)
    assert count_queries() == few


def test_it_lets_an_administrator_create_a_person(world: World) -> None:
    position = PositionFactory(title="Account manager")
    response = as_(world.admin).post(
        USERS,
        {
            "username": "lily",
            "display_name": "李丽",
            "email": "Lily@Example.com",
            "phone": "138 0013 8000",
            "language": "zh-hans",
            "manager": world.manager.pk,
            "position": position.pk,
            "roles": ["account-manager", Role.objects.get(code="sales-rep").pk],
            "teams": [world.east_sales.pk, world.support_team.pk],
            "primary_team": world.support_team.pk,
            "password": "a-long-and-unusual-passphrase",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "lily@example.com"
    assert body["phone"] == "+8613800138000"
    assert body["roles"] == ["account-manager", "sales-rep"]
    assert body["teams"][0] == {"id": world.support_team.pk, "name": "Support", "is_primary": True}
    assert "password" not in body
    assert User.objects.get(username="lily").check_password("a-long-and-unusual-passphrase")


def test_it_refuses_person_creation_to_a_manager_and_creates_nothing(world: World) -> None:
    count = User.objects.count()
    response = as_(world.manager).post(USERS, {"username": "x", "display_name": "X"}, format="json")
    assert response.status_code == 403
    assert User.objects.count() == count


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"display_name": "No username"}, "username"),
        ({"username": "owner", "display_name": "Twin"}, "username"),
        ({"username": "bad name!", "display_name": "X"}, "username"),
        ({"username": "new1", "display_name": "X", "email": "not-an-email"}, "email"),
        ({"username": "new2", "display_name": "X", "phone": "12"}, "phone"),
        ({"username": "new3", "display_name": "X", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"username": "new4", "display_name": "X", "manager": 999999}, "manager"),
        ({"username": "new5", "display_name": "X", "roles": ["no-such-role"]}, "roles"),
        ({"username": "new6", "display_name": "X", "teams": [999999]}, "teams"),
        ({"username": "new7", "display_name": "X", "password": "123"}, "password"),
    ],
)
def test_it_validates_a_new_person_with_field_messages(
    world: World, payload: dict[str, Any], field: str
) -> None:
    count = User.objects.count()
    response = as_(world.admin).post(USERS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == count


def test_it_lets_an_administrator_edit_a_persons_manager_roles_and_teams(world: World) -> None:
    response = as_(world.admin).patch(
        f"{USERS}{world.owner.pk}/",
        {"manager": world.east_manager.pk, "roles": ["sales-manager"], "teams": [world.east.pk]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["manager"] == world.east_manager.pk
    assert body["roles"] == ["sales-manager"]
    assert body["teams"] == [{"id": world.east.pk, "name": "East region", "is_primary": True}]
    assert body["display_name"] == "王小明"


def test_it_keeps_the_primary_team_when_teams_are_added(world: World) -> None:
    response = as_(world.admin).patch(
        f"{USERS}{world.owner.pk}/", {"teams": [world.support_team.pk, world.east_sales.pk]}, format="json"
    )
    assert response.status_code == 200
    primary = Membership.objects.get(user=world.owner, is_primary=True)
    assert primary.team == world.east_sales


def test_it_refuses_a_circular_reporting_line(world: World) -> None:
    response = as_(world.admin).patch(
        f"{USERS}{world.manager.pk}/", {"manager": world.owner.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["manager"]
    assert User.objects.get(pk=world.manager.pk).manager == world.east_manager


@pytest.mark.parametrize("person", ["owner", "teammate", "manager", "sibling_manager", "director"])
def test_it_refuses_with_403_a_person_edit_by_a_non_administrator(world: World, person: str) -> None:
    before = person_state(world.owner)
    response = as_(getattr(world, person)).patch(
        f"{USERS}{world.owner.pk}/", {"display_name": "Hacked", "roles": ["administrator"]}, format="json"
    )
    assert response.status_code == 403
    assert person_state(world.owner) == before
    assert list(User.objects.get(pk=world.owner.pk).roles.values_list("code", flat=True)) == ["sales-rep"]


def test_it_deactivates_a_person_and_hands_everything_to_the_successor(world: World) -> None:
    manager_session = as_(world.manager)
    assert manager_session.get(ME).status_code == 200
    _token, key = security_services.token_create(actor=world.actor(world.manager), name="script")

    response = as_(world.admin).post(
        f"{USERS}{world.manager.pk}/deactivate/",
        {"successor": world.east_manager.pk, "reason": "Left the company"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "departure"
    assert body["source"] == world.manager.pk and body["target"] == world.east_manager.pk
    assert body["source_name"] == "Mia Manager" and body["target_name"] == "Evan East"
    assert body["counts"] == {"org.Team.leader": 1, "org.User.manager": 3}
    assert body["reason"] == "Left the company"
    assert "at" in body
    assert set(User.objects.filter(manager=world.east_manager).values_list("username", flat=True)) == {
        "owner",
        "teammate",
        "two_teams",
        "manager",
    }
    # Leading the team does not come with the records unless asked: East sales has no leader now.
    assert Team.objects.get(pk=world.east_sales.pk).leader is None
    manager = User.objects.get(pk=world.manager.pk)
    assert not manager.is_active and manager.deactivated_at is not None
    # The person can no longer authenticate, with a session or with a token.
    assert manager_session.get(ME).status_code == 401
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "successor"), ({"successor": None}, "successor"), ({"successor": 999999}, "successor")],
)
def test_it_needs_a_successor_to_deactivate(world: World, payload: dict[str, Any], field: str) -> None:
    response = as_(world.admin).post(f"{USERS}{world.owner.pk}/deactivate/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert User.objects.get(pk=world.owner.pk).is_active


def test_it_refuses_a_deactivated_successor(world: World) -> None:
    response = as_(world.admin).post(
        f"{USERS}{world.owner.pk}/deactivate/", {"successor": world.gone.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["successor"]
    assert User.objects.get(pk=world.owner.pk).is_active
    assert not PersonTransfer.objects.exists()


def test_it_refuses_deactivation_to_a_manager_and_changes_nothing(world: World) -> None:
    response = as_(world.manager).post(
        f"{USERS}{world.owner.pk}/deactivate/", {"successor": world.teammate.pk}, format="json"
    )
    assert response.status_code == 403
    assert User.objects.get(pk=world.owner.pk).is_active
    assert not PersonTransfer.objects.exists()


def test_it_reactivates_a_person(world: World) -> None:
    response = as_(world.admin).post(f"{USERS}{world.gone.pk}/reactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert as_(world.owner).post(f"{USERS}{world.gone.pk}/reactivate/").status_code == 403


def test_it_transfers_everything_a_person_owns_to_an_active_colleague(world: World) -> None:
    response = as_(world.admin).post(
        f"{USERS}{world.sibling_manager.pk}/transfer/",
        {"target": world.manager.pk, "reason": "Reorg", "lead_teams": True, "reports": "successor"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "active"
    assert body["counts"] == {"org.Team.leader": 1, "org.User.manager": 1}
    assert User.objects.get(pk=world.outsider.pk).manager == world.manager
    assert User.objects.get(pk=world.sibling_manager.pk).is_active


def test_it_refuses_a_transfer_to_the_person_themselves(world: World) -> None:
    response = as_(world.admin).post(
        f"{USERS}{world.manager.pk}/transfer/", {"target": world.manager.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["target"]
    assert not PersonTransfer.objects.exists()


def test_it_shows_a_persons_history(world: World) -> None:
    as_(world.admin).patch(f"{USERS}{world.owner.pk}/", {"phone": "13800138000"}, format="json")
    response = as_(world.teammate).get(f"{USERS}{world.owner.pk}/history/", {"page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["changes"] == {"phone": ["", "+8613800138000"]}
    assert as_(world.teammate).get(f"{USERS}999999/history/").status_code == 404


# --- Positions -------------------------------------------------------------------------------


def test_it_lists_positions_with_their_holder_count(world: World) -> None:
    position = PositionFactory(title="Sales rep")
    User.objects.filter(pk__in=[world.owner.pk, world.teammate.pk, world.gone.pk]).update(position=position)
    PositionFactory(title="Account manager")
    response = as_(world.outsider).get(POSITIONS)
    assert response.status_code == 200
    counts = {row["title"]: row["holder_count"] for row in response.json()["results"]}
    assert counts == {"Account manager": 0, "Sales rep": 2}
    assert names(as_(world.outsider).get(POSITIONS, {"q": "acc"}), "title") == {"Account manager"}
    assert as_(world.outsider).get(POSITIONS, {"ordering": "holders"}).status_code == 400


def test_it_lets_an_administrator_write_a_job_description(world: World) -> None:
    client = as_(world.admin)
    manager_position = PositionFactory(title="Sales manager")
    created = client.post(
        POSITIONS,
        {
            "title": "Sales rep",
            "summary": "Finds and wins customers.",
            "responsibilities": "Claim from the public pool; log follow-ups.",
            "required_skills": "Negotiation",
            "performance_standards": "Monthly bookings",
            "reports_to": manager_position.pk,
        },
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    updated = client.patch(f"{POSITIONS}{pk}/", {"required_skills": "Negotiation, CRM"}, format="json")
    assert updated.status_code == 200
    body = updated.json()
    assert body["required_skills"] == "Negotiation, CRM"
    assert body["summary"] == "Finds and wins customers."
    assert body["reports_to"] == manager_position.pk
    assert client.patch(f"{POSITIONS}{pk}/", {"reports_to": pk}, format="json").status_code == 400
    assert client.patch(f"{POSITIONS}{pk}/", {"reports_to": 999999}, format="json").status_code == 400
    assert client.delete(f"{POSITIONS}{pk}/").status_code == 204
    assert not Position.objects.filter(pk=pk).exists()


def test_it_refuses_position_writes_to_a_rep_and_changes_nothing(world: World) -> None:
    position = PositionFactory(title="Sales rep")
    client = as_(world.owner)
    assert client.post(POSITIONS, {"title": "Chief"}, format="json").status_code == 403
    assert client.patch(f"{POSITIONS}{position.pk}/", {"title": "Chief"}, format="json").status_code == 403
    assert client.delete(f"{POSITIONS}{position.pk}/").status_code == 403
    assert list(Position.all_objects.values_list("title", "deleted_at")) == [("Sales rep", None)]


# --- Roles -----------------------------------------------------------------------------------


def test_it_shows_a_rep_only_their_own_roles(world: World) -> None:
    client = as_(world.owner)
    response = client.get(ROLES)
    assert {row["code"] for row in response.json()["results"]} == {"sales-rep"}
    manager_role = Role.objects.get(code="sales-manager")
    assert client.get(f"{ROLES}{manager_role.pk}/").status_code == 404


def test_it_shows_a_role_with_its_grants(world: World) -> None:
    role = Role.objects.get(code="sales-rep")
    body = as_(world.owner).get(f"{ROLES}{role.pk}/").json()
    assert body["code"] == "sales-rep"
    assert body["name"] == "Sales rep"
    assert body["is_builtin"] is True and body["is_admin"] is False
    assert {"resource": "team", "actions": ["view"], "scope": "team"} in body["grants"]
    zh = as_(world.owner).get(f"{ROLES}{role.pk}/", HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    assert zh["code"] == "sales-rep"


def test_it_lets_an_administrator_create_and_edit_a_role_with_grants(world: World) -> None:
    client = as_(world.admin)
    created = client.post(
        ROLES,
        {
            "code": "regional-analyst",
            "name": "Regional analyst",
            "grants": [
                {"resource": "team", "actions": ["view"], "scope": "subtree"},
                {"resource": "user", "actions": ["view", "export"], "scope": "all"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["grants"] == [
        {"resource": "team", "actions": ["view"], "scope": "subtree"},
        {"resource": "user", "actions": ["view", "export"], "scope": "all"},
    ]
    pk = body["id"]
    updated = client.patch(
        f"{ROLES}{pk}/",
        {"grants": [{"resource": "team", "actions": ["view"], "scope": "all"}]},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["grants"] == [{"resource": "team", "actions": ["view"], "scope": "all"}]
    assert updated.json()["name"] == "Regional analyst"
    assert client.delete(f"{ROLES}{pk}/").status_code == 204
    assert not Role.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    "grants",
    [
        [{"resource": "team", "actions": ["fly"], "scope": "all"}],
        [{"resource": "team", "actions": ["view"], "scope": "galaxy"}],
        [{"resource": "spaceships", "actions": ["view"], "scope": "all"}],
        [
            {"resource": "team", "actions": ["view"], "scope": "all"},
            {"resource": "team", "actions": ["edit"], "scope": "own"},
        ],
        "not a list",
    ],
)
def test_it_refuses_bad_grants_with_a_grants_message(world: World, grants: Any) -> None:
    count = Role.objects.count()
    response = as_(world.admin).post(ROLES, {"name": "Broken", "grants": grants}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["grants"]
    assert Role.objects.count() == count


def test_it_refuses_to_delete_a_built_in_role(world: World) -> None:
    role = Role.objects.get(code="sales-rep")
    response = as_(world.admin).delete(f"{ROLES}{role.pk}/")
    assert response.status_code == 400
    assert Role.objects.filter(pk=role.pk).exists()


def test_it_refuses_role_writes_to_a_director_and_changes_nothing(world: World) -> None:
    role = Role.objects.get(code="sales-director")
    client = as_(world.director)
    before = list(role.grants.values_list("resource", "actions", "scope"))
    response = client.patch(f"{ROLES}{role.pk}/", {"is_admin": True}, format="json")
    assert response.status_code == 403
    assert client.post(ROLES, {"name": "Mine"}, format="json").status_code == 403
    role.refresh_from_db()
    assert role.is_admin is False
    assert list(role.grants.values_list("resource", "actions", "scope")) == before
    assert not Role.objects.filter(name="Mine").exists()


# --- Me --------------------------------------------------------------------------------------


def test_it_shows_me_with_my_teams_roles_and_effective_grants(world: World) -> None:
    response = as_(world.two_teams).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "two_teams"
    assert body["manager"] == world.manager.pk
    assert body["manager_name"] == "Mia Manager"
    assert body["teams"] == [
        {"id": world.east_sales.pk, "name": "East sales", "is_primary": True},
        {"id": world.support_team.pk, "name": "Support", "is_primary": False},
    ]
    assert body["roles"] == ["sales-rep"]
    assert body["is_admin"] is False
    assert body["grants"]["team"] == {"view": "team"}
    assert body["grants"]["user"] == {"view": "all"}
    assert "manage" not in body["grants"]["user"]


def test_it_shows_an_administrator_every_grant_everywhere(world: World) -> None:
    body = as_(world.admin).get(ME).json()
    assert body["is_admin"] is True
    assert body["grants"]["team"]["manage"] == "all"
    assert body["grants"]["role"]["view"] == "all"


def test_it_lets_me_edit_my_own_profile(world: World) -> None:
    response = as_(world.owner).patch(
        ME,
        {
            "display_name": "王小明 Xiaoming",
            "phone": "(021) 6234-5678",
            "language": "zh-hans",
            "time_zone": "UTC",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    owner = User.objects.get(pk=world.owner.pk)
    assert (owner.display_name, owner.language, owner.time_zone) == ("王小明 Xiaoming", "zh-hans", "UTC")
    assert owner.phone == "+862162345678"
    assert response.json()["language"] == "zh-hans"


def test_it_ignores_fields_i_may_not_change_about_myself(world: World) -> None:
    response = as_(world.owner).patch(
        ME,
        {"roles": ["administrator"], "is_active": False, "username": "root", "manager": None},
        format="json",
    )
    assert response.status_code == 200
    owner = User.objects.get(pk=world.owner.pk)
    assert owner.username == "owner" and owner.is_active and owner.manager == world.manager
    assert list(owner.roles.values_list("code", flat=True)) == ["sales-rep"]


@pytest.mark.parametrize(
    "payload",
    [{"email": "nope"}, {"language": "fr"}, {"time_zone": "Nowhere/City"}, {"display_name": "x" * 151}],
)
def test_it_refuses_a_bad_profile_value_and_changes_nothing(world: World, payload: dict[str, str]) -> None:
    before = person_state(world.owner)
    response = as_(world.owner).patch(ME, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == list(payload)
    assert person_state(world.owner) == before


# --- OpenAPI ---------------------------------------------------------------------------------


def test_it_serves_an_openapi_schema_with_the_organisation(world: World) -> None:
    response = as_(world.owner).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ["/api/v1/users/", "/api/v1/teams/{id}/", "/api/v1/me/", "/api/v1/users/{id}/deactivate/"]:
        assert path in text


def test_it_serves_swagger_ui_without_a_cdn_or_inline_script(world: World) -> None:
    api = as_(world.owner)
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "<script" in html
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening
        body = tag.split(">", 1)[1].split("</script>", 1)[0]
        assert body.strip() == ""
    init_script = html.split('<script src="')[-1].split('"', 1)[0]
    assert init_script.startswith("/api/docs/")
    assert api.get(init_script).status_code == 200


def test_it_accepts_a_role_back_in_the_shape_it_was_read(world: World) -> None:
    client = as_(world.admin)
    role = Role.objects.get(code="sales-rep")
    before = list(role.grants.order_by("resource").values_list("resource", "actions", "scope"))
    body = client.get(f"{ROLES}{role.pk}/").json()
    response = client.put(f"{ROLES}{role.pk}/", body, format="json")
    assert response.status_code == 200
    assert response.json() == body
    assert list(role.grants.order_by("resource").values_list("resource", "actions", "scope")) == before


def test_it_has_no_delete_for_people(world: World) -> None:
    response = as_(world.admin).delete(f"{USERS}{world.owner.pk}/")
    assert response.status_code == 405
    assert User.objects.filter(pk=world.owner.pk, is_active=True).exists()


def test_a_position_carries_its_title_in_each_language(world: World) -> None:
    created = as_(world.admin).post(
        POSITIONS, {"title": "客户经理", "names": {"en": "Account Manager"}}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["names"] == {"en": "Account Manager"}
    position = Position.objects.get(pk=body["id"])
    english = as_(world.admin).get(f"{POSITIONS}{position.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["display_name"] == "Account Manager" and english["title"] == "客户经理"
    world.owner.position = position
    world.owner.save()
    assert as_(world.owner).get(ME, HTTP_ACCEPT_LANGUAGE="en").json()["position_title"] == "Account Manager"
    kept = as_(world.admin).patch(
        f"{POSITIONS}{position.pk}/", {"summary": "Keeps customers."}, format="json"
    )
    assert kept.status_code == 200 and kept.json()["names"] == {"en": "Account Manager"}
    bad = as_(world.admin).patch(
        f"{POSITIONS}{position.pk}/", {"names": {"de": "Kundenbetreuer"}}, format="json"
    )
    assert bad.status_code == 400 and "names" in bad.json()
    position.refresh_from_db()
    assert position.names == {"en": "Account Manager"}
