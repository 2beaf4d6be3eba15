"""The organisation's web UI, page by page, for the named people of the ``world`` fixture."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms as django_forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.org.forms import TablerForm
from tandem.org.models import Membership, PersonTransfer, Position, Role, RoleGrant, Team, User
from tandem.org.tests.factories import PositionFactory, TeamFactory, UserFactory, join

pytestmark = pytest.mark.django_db


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def nobody() -> User:
    """A signed-in person whose only role grants nothing: every org record is invisible."""
    role = Role.objects.create(code="nothing", name="Nothing")
    user = UserFactory(username="nobody", display_name="Nora Nobody")
    user.roles.set([role])
    return user


# --- Org chart ------------------------------------------------------------------------------


def test_it_shows_the_administrator_every_team_with_edit_links(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:chart")))
    for team in (world.company, world.east, world.east_sales, world.west_sales, world.support_team):
        assert reverse("org:team-detail", args=[team.pk]) in body
    assert reverse("org:team-create") in body
    assert reverse("org:team-edit", args=[world.east_sales.pk]) in body


def test_it_shows_a_rep_their_team_and_ancestors_by_name_only(client: Client, world: World) -> None:
    response = as_(client, world.owner).get(reverse("org:chart"))
    body = html(response)
    assert response.status_code == 200
    assert reverse("org:team-detail", args=[world.east_sales.pk]) in body
    assert "East region" in body and "Company" in body
    assert reverse("org:team-detail", args=[world.east.pk]) not in body
    assert reverse("org:team-detail", args=[world.company.pk]) not in body
    assert "West sales" not in body
    assert reverse("org:team-create") not in body


def test_it_shows_a_manager_their_subtree_but_not_the_sibling_team(client: Client, world: World) -> None:
    body = html(as_(client, world.east_manager).get(reverse("org:chart")))
    assert reverse("org:team-detail", args=[world.east.pk]) in body
    assert reverse("org:team-detail", args=[world.east_sales.pk]) in body
    assert "West sales" not in body


def test_it_counts_only_active_members_on_the_chart(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:chart")))
    # East sales: manager, owner, teammate, two_teams active; gone is deactivated.
    assert "4 people" in body


def test_it_teaches_on_an_empty_chart(client: Client, db: None) -> None:
    user = UserFactory(username="lonely", roles=["sales-rep"])
    body = html(as_(client, user).get(reverse("org:chart")))
    assert "No teams to show yet." in body


def test_it_keeps_the_chart_query_count_flat_as_people_grow(client: Client, world: World) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            team = TeamFactory(name=f"Grown {Team.objects.count()}", parent=world.east_sales)
            person = UserFactory(roles=["sales-rep"])
            join(person, team)
            team.leader = person
            team.save(update_fields=["leader"])

    as_(client, world.admin)
    grow(5)
    few = count_queries(client, reverse("org:chart"))
    grow(35)
    many = count_queries(client, reverse("org:chart"))
    assert many == few


# --- People directory -----------------------------------------------------------------------


def test_it_lists_active_people_in_the_directory(client: Client, world: World) -> None:
    world.owner.phone = "+8613800138000"
    world.owner.save()
    body = html(as_(client, world.owner).get(reverse("org:people")))
    assert "Tom Teammate" in body and "Olga Outsider" in body
    assert "Gary Gone" not in body
    assert "+86 138 0013 8000" in body
    assert reverse("org:person-create") not in body


def test_it_includes_deactivated_people_when_asked(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:people"), {"inactive": "on"}))
    assert "Gary Gone" in body


def test_it_searches_name_username_email_and_phone(client: Client, world: World) -> None:
    world.teammate.phone = "+8613900139000"
    world.teammate.save()
    as_(client, world.admin)
    assert "Tom Teammate" in html(client.get(reverse("org:people"), {"q": "teammate"}))
    body = html(client.get(reverse("org:people"), {"q": "13900139"}))
    assert "Tom Teammate" in body and "Olga Outsider" not in body
    body = html(client.get(reverse("org:people"), {"q": "outsider@example"}))
    assert "Olga Outsider" in body and "Tom Teammate" not in body


def test_it_filters_people_by_team(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:people"), {"team": world.support_team.pk}))
    assert "Sue Support" in body and "Tina Two" in body
    assert "Tom Teammate" not in body


def test_it_ignores_a_team_filter_the_person_may_not_see(client: Client, world: World) -> None:
    response = as_(client, world.owner).get(reverse("org:people"), {"team": world.west_sales.pk})
    assert response.status_code == 200
    assert "Olga Outsider" in html(response)  # the filter is refused, the list stays whole


def test_it_sorts_people_by_position(client: Client, world: World) -> None:
    world.teammate.position = PositionFactory(title="AAA first")
    world.teammate.save()
    world.owner.position = PositionFactory(title="ZZZ last")
    world.owner.save()
    body = html(as_(client, world.admin).get(reverse("org:people"), {"sort": "position"}))
    assert body.index("Tom Teammate") < body.index("王小明")
    body = html(client.get(reverse("org:people"), {"sort": "-position"}))
    assert body.index("王小明") < body.index("Tom Teammate")


def test_it_answers_htmx_with_the_table_only(client: Client, world: World) -> None:
    response = as_(client, world.admin).get(reverse("org:people"), {"q": "Tom"}, HTTP_HX_REQUEST="true")
    body = html(response)
    assert "Tom Teammate" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_it_pages_the_directory_at_fifty(client: Client, world: World) -> None:
    for i in range(55):
        UserFactory(username=f"bulk{i:02}", display_name=f"Bulk {i:02}")
    body = html(as_(client, world.admin).get(reverse("org:people")))
    assert body.count('class="avatar avatar-sm') == 50 + 1  # 50 rows and the top bar's avatar
    assert "page=2" in body


def test_it_keeps_the_directory_query_count_flat_as_people_grow(client: Client, world: World) -> None:
    position = PositionFactory()

    def grow(n: int) -> None:
        for _ in range(n):
            person = UserFactory(position=position, manager=world.manager, phone="+8613800138000")
            join(person, world.east_sales, primary=True)
            join(person, world.support_team, primary=False)

    as_(client, world.admin)
    grow(5)
    few = count_queries(client, reverse("org:people"))
    grow(35)
    many = count_queries(client, reverse("org:people"))
    assert many == few


def test_it_shows_a_person_with_no_grant_an_empty_directory(client: Client, world: World) -> None:
    body = html(as_(client, nobody()).get(reverse("org:people")))
    assert "Olga Outsider" not in body


# --- Person profile -------------------------------------------------------------------------


def test_it_shows_a_person_their_own_profile_with_history(client: Client, world: World) -> None:
    HistoryEntry.objects.all().delete()
    from tandem.core import history

    history.record(actor=world.admin, obj=world.owner, action="update", changes={"phone": ["", "+86"]})
    body = html(as_(client, world.owner).get(reverse("org:person-detail", args=[world.owner.pk])))
    assert "History" in body and "+86" in body
    assert "East sales" in body and "primary" in body
    assert reverse("org:person-edit", args=[world.owner.pk]) not in body


def test_it_hides_a_colleagues_history_and_admin_actions(client: Client, world: World) -> None:
    body = html(as_(client, world.teammate).get(reverse("org:person-detail", args=[world.owner.pk])))
    assert "王小明" in body
    assert "History" not in body
    assert reverse("org:person-transfer", args=[world.owner.pk]) not in body


def test_it_links_only_the_teams_the_viewer_may_see(client: Client, world: World) -> None:
    body = html(as_(client, world.owner).get(reverse("org:person-detail", args=[world.two_teams.pk])))
    assert "Support" in body
    assert reverse("org:team-detail", args=[world.support_team.pk]) not in body
    assert reverse("org:team-detail", args=[world.east_sales.pk]) in body


def test_it_shows_a_manager_their_direct_reports(client: Client, world: World) -> None:
    body = html(as_(client, world.manager).get(reverse("org:person-detail", args=[world.manager.pk])))
    for name in ("王小明", "Tom Teammate", "Tina Two"):
        assert name in body
    assert "Gary Gone" not in body


def test_it_gives_the_administrator_every_person_action(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:person-detail", args=[world.owner.pk])))
    for name in ("person-edit", "person-transfer", "person-deactivate"):
        assert reverse(f"org:{name}", args=[world.owner.pk]) in body
    body = html(client.get(reverse("org:person-detail", args=[world.gone.pk])))
    assert reverse("org:person-reactivate", args=[world.gone.pk]) in body


def test_it_answers_404_for_a_missing_or_invisible_person(client: Client, world: World) -> None:
    assert as_(client, world.admin).get(reverse("org:person-detail", args=[999999])).status_code == 404
    assert as_(client, nobody()).get(reverse("org:person-detail", args=[world.owner.pk])).status_code == 404


# --- Person create / edit -------------------------------------------------------------------


def person_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "newbie",
        "display_name": "李新",
        "email": "newbie@example.com",
        "phone": "13800138000",
        "language": "zh-hans",
        "time_zone": "Asia/Shanghai",
        "manager": "",
        "position": "",
        "roles": [],
        "teams": [],
        "primary_team": "",
        "password": "",
    }
    data.update(overrides)
    return data


def test_it_lets_the_administrator_add_a_person_with_teams(client: Client, world: World) -> None:
    rep = Role.objects.get(code="sales-rep")
    response = as_(client, world.admin).post(
        reverse("org:person-create"),
        person_post(
            roles=[rep.pk],
            teams=[world.east_sales.pk, world.support_team.pk],
            primary_team=world.support_team.pk,
            manager=world.manager.pk,
        ),
    )
    person = User.objects.get(username="newbie")
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    assert person.phone == "+8613800138000"
    assert person.manager == world.manager
    assert list(person.roles.all()) == [rep]
    assert Membership.objects.get(user=person, is_primary=True).team == world.support_team
    assert Membership.objects.filter(user=person).count() == 2


def test_it_shows_inline_errors_for_a_bad_new_person(client: Client, world: World) -> None:
    before = User.objects.count()
    response = as_(client, world.admin).post(
        reverse("org:person-create"), person_post(display_name="  ", phone="12", email="not-an-email")
    )
    assert response.status_code == 400
    body = html(response)
    assert "invalid-feedback" in body
    assert "Enter a valid phone number" in body or "Enter a valid email" in body or "required" in body
    assert User.objects.count() == before


def test_it_refuses_a_taken_username_inline(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(reverse("org:person-create"), person_post(username="OWNER"))
    assert response.status_code == 400
    assert "This username is taken." in html(response)


def test_it_refuses_a_manager_adding_people(client: Client, world: World) -> None:
    before = User.objects.count()
    assert as_(client, world.manager).get(reverse("org:person-create")).status_code == 403
    assert client.post(reverse("org:person-create"), person_post()).status_code == 403
    assert User.objects.count() == before


def test_it_lets_the_administrator_edit_a_person_and_their_teams(client: Client, world: World) -> None:
    as_(client, world.admin)
    form = client.get(reverse("org:person-edit", args=[world.owner.pk]))
    assert form.status_code == 200 and 'value="王小明"' in html(form)
    response = client.post(
        reverse("org:person-edit", args=[world.owner.pk]),
        person_post(
            display_name="王小明",
            phone="(021) 6234-5678",
            language="en",
            teams=[world.east_sales.pk, world.support_team.pk],
            primary_team=world.east_sales.pk,
            manager=world.manager.pk,
            roles=[Role.objects.get(code="sales-rep").pk],
        ),
    )
    assert response.status_code == 302
    world.owner.refresh_from_db()
    assert world.owner.phone == "+862162345678"
    assert set(world.owner.memberships.values_list("team__name", flat=True)) == {"East sales", "Support"}


def test_it_refuses_a_circular_manager_inline_and_saves_nothing(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:person-edit", args=[world.manager.pk]),
        person_post(display_name="Mia Renamed", manager=world.owner.pk, teams=[world.east_sales.pk]),
    )
    assert response.status_code == 400
    assert "circular" in html(response)
    world.manager.refresh_from_db()
    assert world.manager.display_name == "Mia Manager"
    assert world.manager.manager == world.east_manager


def test_it_refuses_a_rep_editing_a_colleague(client: Client, world: World) -> None:
    as_(client, world.owner)
    assert client.get(reverse("org:person-edit", args=[world.teammate.pk])).status_code == 403
    response = client.post(
        reverse("org:person-edit", args=[world.teammate.pk]), person_post(display_name="Hacked")
    )
    assert response.status_code == 403
    world.teammate.refresh_from_db()
    assert world.teammate.display_name == "Tom Teammate"


# --- Transfers and deactivation -------------------------------------------------------------


def test_it_transfers_everything_a_person_owns(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:person-transfer", args=[world.manager.pk]),
        {"target": world.east_manager.pk, "reason": "New job", "reports": "successor"},
        follow=True,
    )
    assert response.status_code == 200
    record = PersonTransfer.objects.get()
    assert record.source == world.manager and record.kind == "active"
    assert User.objects.filter(manager=world.east_manager, pk=world.owner.pk).exists()
    assert "3 direct reports to Evan East" in html(response)


def test_it_requires_a_successor_to_transfer(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:person-transfer", args=[world.manager.pk]), {"target": ""}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in html(response)
    assert not PersonTransfer.objects.exists()


def test_it_refuses_a_manager_transferring_a_person(client: Client, world: World) -> None:
    as_(client, world.manager)
    assert client.get(reverse("org:person-transfer", args=[world.owner.pk])).status_code == 403
    response = client.post(
        reverse("org:person-transfer", args=[world.owner.pk]), {"target": world.teammate.pk}
    )
    assert response.status_code == 403
    assert not PersonTransfer.objects.exists()


def test_it_deactivates_a_person_after_handing_over_to_a_successor(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:person-deactivate", args=[world.manager.pk]),
        {"target": world.east_manager.pk, "reason": "Left"},
        follow=True,
    )
    world.manager.refresh_from_db()
    assert not world.manager.is_active
    assert PersonTransfer.objects.get().kind == "departure"
    body = html(response)
    # Their reports go to their own manager (here the successor too), the team has no leader.
    assert "was deactivated" in body and "3 direct reports to Evan East" in body
    assert "East sales without a leader" in body


def test_it_refuses_to_deactivate_without_a_successor(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(reverse("org:person-deactivate", args=[world.owner.pk]), {})
    assert response.status_code == 400
    assert "Choose a successor" in html(response)
    world.owner.refresh_from_db()
    assert world.owner.is_active


def test_it_refuses_an_outsider_deactivating_someone(client: Client, world: World) -> None:
    response = as_(client, world.outsider).post(
        reverse("org:person-deactivate", args=[world.owner.pk]), {"target": world.teammate.pk}
    )
    assert response.status_code == 403
    world.owner.refresh_from_db()
    assert world.owner.is_active


def test_it_reactivates_a_deactivated_person(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(reverse("org:person-reactivate", args=[world.gone.pk]))
    assert response.status_code == 302
    world.gone.refresh_from_db()
    assert world.gone.is_active


def test_it_refuses_a_rep_reactivating_someone(client: Client, world: World) -> None:
    response = as_(client, world.owner).post(reverse("org:person-reactivate", args=[world.gone.pk]))
    assert response.status_code == 403
    world.gone.refresh_from_db()
    assert not world.gone.is_active


# --- Teams ----------------------------------------------------------------------------------


def test_it_shows_a_team_with_members_primary_flags_and_history(client: Client, world: World) -> None:
    body = html(as_(client, world.owner).get(reverse("org:team-detail", args=[world.east_sales.pk])))
    assert "Mia Manager" in body and "Tina Two" in body and "Gary Gone" in body
    assert "History" in body
    assert reverse("org:team-edit", args=[world.east_sales.pk]) not in body
    # The parent is shown by name, but the rep may not open it.
    assert "East region" in body
    assert reverse("org:team-detail", args=[world.east.pk]) not in body


def test_it_shows_the_support_team_membership_as_secondary(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:team-detail", args=[world.support_team.pk])))
    assert "Tina Two" in body and "secondary" in body


def test_it_answers_404_for_a_team_outside_the_scope(client: Client, world: World) -> None:
    assert (
        as_(client, world.outsider).get(reverse("org:team-detail", args=[world.east_sales.pk])).status_code
        == 404
    )
    assert client.get(reverse("org:team-detail", args=[999999])).status_code == 404


def test_it_lets_a_manager_open_a_sub_team(client: Client, world: World) -> None:
    body = html(as_(client, world.east_manager).get(reverse("org:team-detail", args=[world.east.pk])))
    assert reverse("org:team-detail", args=[world.east_sales.pk]) in body


def test_it_lets_the_administrator_create_a_team(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:team-create"),
        {"name": "North sales", "parent": world.company.pk, "leader": world.teammate.pk, "description": ""},
    )
    team = Team.objects.get(name="North sales")
    assert response.status_code == 302
    assert team.parent == world.company and team.leader == world.teammate
    assert team.path == f"{world.company.path}{team.pk}/"


def test_it_shows_inline_errors_for_a_nameless_team(client: Client, world: World) -> None:
    before = Team.objects.count()
    response = as_(client, world.admin).post(reverse("org:team-create"), {"name": "  ", "parent": ""})
    assert response.status_code == 400
    assert "invalid-feedback" in html(response)
    assert Team.objects.count() == before


def test_it_refuses_a_rep_creating_a_team(client: Client, world: World) -> None:
    before = Team.objects.count()
    as_(client, world.owner)
    assert client.get(reverse("org:team-create")).status_code == 403
    assert client.post(reverse("org:team-create"), {"name": "Mine"}).status_code == 403
    assert Team.objects.count() == before


def test_it_moves_a_team_with_its_subtree(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:team-edit", args=[world.east.pk]),
        {"name": "East region", "parent": world.west.pk, "leader": world.east_manager.pk, "description": ""},
    )
    assert response.status_code == 302
    world.east_sales.refresh_from_db()
    assert world.east_sales.path.startswith(world.west.path)


def test_it_refuses_moving_a_team_under_its_own_sub_team(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:team-edit", args=[world.east.pk]),
        {"name": "East region", "parent": world.east_sales.pk, "leader": ""},
    )
    assert response.status_code == 400
    assert "invalid-feedback" in html(response)
    world.east.refresh_from_db()
    assert world.east.parent == world.company


def test_it_refuses_a_manager_editing_their_team(client: Client, world: World) -> None:
    response = as_(client, world.manager).post(
        reverse("org:team-edit", args=[world.east_sales.pk]), {"name": "Renamed"}
    )
    assert response.status_code == 403
    world.east_sales.refresh_from_db()
    assert world.east_sales.name == "East sales"


def test_it_explains_why_a_team_with_members_cannot_be_deleted(client: Client, world: World) -> None:
    response = as_(client, world.admin).post(
        reverse("org:team-delete", args=[world.west_sales.pk]), follow=True
    )
    assert "Move its members to another team first." in html(response)
    assert Team.objects.filter(pk=world.west_sales.pk).exists()


def test_it_moves_an_empty_team_to_the_recycle_bin(client: Client, world: World) -> None:
    empty = TeamFactory(name="Empty", parent=world.company)
    response = as_(client, world.admin).post(reverse("org:team-delete", args=[empty.pk]))
    assert response.status_code == 302
    assert Team.all_objects.get(pk=empty.pk).deleted_at is not None


def test_it_refuses_a_rep_deleting_a_team(client: Client, world: World) -> None:
    empty = TeamFactory(name="Empty", parent=world.east_sales)
    for who in (world.owner, world.manager):
        response = as_(client, who).post(reverse("org:team-delete", args=[empty.pk]))
        assert response.status_code in (403, 404)
    assert Team.objects.get(pk=empty.pk).deleted_at is None


def test_it_adds_and_removes_a_member_and_sets_the_primary_team(client: Client, world: World) -> None:
    as_(client, world.admin)
    url = reverse("org:team-member-add", args=[world.east_sales.pk])
    assert client.post(url, {"person": world.outsider.pk, "primary": ""}).status_code == 302
    assert Membership.objects.get(user=world.outsider, team=world.east_sales).is_primary is False
    primary_url = reverse("org:team-member-primary", args=[world.east_sales.pk, world.outsider.pk])
    assert client.post(primary_url).status_code == 302
    assert Membership.objects.get(user=world.outsider, is_primary=True).team == world.east_sales
    remove_url = reverse("org:team-member-remove", args=[world.east_sales.pk, world.outsider.pk])
    assert client.post(remove_url).status_code == 302
    assert list(Membership.objects.filter(user=world.outsider).values_list("team", "is_primary")) == [
        (world.west_sales.pk, True)
    ]


def test_it_shows_an_inline_error_when_adding_nobody(client: Client, world: World) -> None:
    before = Membership.objects.count()
    response = as_(client, world.admin).post(
        reverse("org:team-member-add", args=[world.east_sales.pk]), {"person": "999999"}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in html(response)
    assert Membership.objects.count() == before


def test_it_refuses_a_manager_changing_members(client: Client, world: World) -> None:
    before = list(Membership.objects.values_list("user", "team", "is_primary").order_by("pk"))
    as_(client, world.manager)
    add = client.post(
        reverse("org:team-member-add", args=[world.east_sales.pk]), {"person": world.support.pk}
    )
    remove = client.post(reverse("org:team-member-remove", args=[world.east_sales.pk, world.owner.pk]))
    assert add.status_code == 403 and remove.status_code == 403
    assert list(Membership.objects.values_list("user", "team", "is_primary").order_by("pk")) == before


# --- Positions ------------------------------------------------------------------------------


def test_it_lists_positions_with_holder_counts(client: Client, world: World) -> None:
    rep = PositionFactory(title="Sales rep")
    for person in (world.owner, world.teammate, world.gone):
        person.position = rep
        person.save()
    body = html(as_(client, world.outsider).get(reverse("org:positions")))
    assert "Sales rep" in body
    assert '<td class="num">2</td>' in body
    assert reverse("org:position-create") not in body


def test_a_position_titled_in_each_language_reads_in_each_persons_own(client: Client, world: World) -> None:
    form = html(as_(client, world.admin).get(reverse("org:position-create")))
    assert 'name="name_en"' in form and 'name="name_zh_hans"' in form
    response = as_(client, world.admin).post(
        reverse("org:position-create"), {"title": "销售代表", "name_en": "Sales Representative"}
    )
    assert response.status_code == 302
    rep = Position.objects.get(title="销售代表")
    assert rep.names == {"en": "Sales Representative"}
    world.owner.position = rep
    world.owner.save()
    english = html(as_(client, world.owner).get(reverse("core:home")))
    assert "Sales Representative" in english and "销售代表" not in english
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    chinese = html(as_(client, world.owner).get(reverse("core:home")))
    assert "销售代表" in chinese and "Sales Representative" not in chinese
    people = html(as_(client, world.admin).get(reverse("org:people")))
    assert ">Sales Representative</a>" in people
    too_long = as_(client, world.admin).post(
        reverse("org:position-edit", args=[rep.pk]), {"title": "销售代表", "name_en": "x" * 121}
    )
    assert too_long.status_code == 400
    rep.refresh_from_db()
    assert rep.names == {"en": "Sales Representative"}


def test_it_teaches_on_an_empty_position_list(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:positions")))
    assert "No positions yet." in body and reverse("org:position-create") in body


def test_it_shows_the_job_description(client: Client, world: World) -> None:
    boss = PositionFactory(title="Sales manager")
    rep = PositionFactory(
        title="Sales rep",
        summary="Finds and wins customers.",
        responsibilities="Claim leads\n- Log follow-ups",
        required_skills="Listening",
        performance_standards="Win rate ≥ 25%",
        reports_to=boss,
    )
    world.owner.position = rep
    world.owner.save()
    body = html(as_(client, world.teammate).get(reverse("org:position-detail", args=[rep.pk])))
    for text in (
        "Finds and wins customers.",
        "<li>Claim leads</li>",
        "<li>Log follow-ups</li>",
        "Listening",
        "Win rate ≥ 25%",
        "王小明",
        reverse("org:position-detail", args=[boss.pk]),
    ):
        assert text in body
    assert reverse("org:position-edit", args=[rep.pk]) not in body


def test_it_answers_404_for_an_invisible_position(client: Client, world: World) -> None:
    position = PositionFactory()
    assert as_(client, nobody()).get(reverse("org:position-detail", args=[position.pk])).status_code == 404


def test_it_lets_the_administrator_create_and_edit_a_position(client: Client, world: World) -> None:
    as_(client, world.admin)
    response = client.post(
        reverse("org:position-create"),
        {"title": "Account manager", "summary": "Keeps customers", "responsibilities": "Renew"},
    )
    position = Position.objects.get(title="Account manager")
    assert response.status_code == 302
    response = client.post(
        reverse("org:position-edit", args=[position.pk]), {"title": "Key account manager", "summary": ""}
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.title == "Key account manager" and position.summary == ""


def test_it_shows_inline_errors_for_a_bad_position(client: Client, world: World) -> None:
    position = PositionFactory(title="Rep")
    as_(client, world.admin)
    response = client.post(reverse("org:position-create"), {"title": "   "})
    assert response.status_code == 400 and "invalid-feedback" in html(response)
    response = client.post(
        reverse("org:position-edit", args=[position.pk]), {"title": "Rep 2", "reports_to": position.pk}
    )
    assert response.status_code == 400 and "invalid-feedback" in html(response)
    position.refresh_from_db()
    assert position.title == "Rep" and Position.objects.count() == 1


def test_it_refuses_a_rep_changing_a_position(client: Client, world: World) -> None:
    position = PositionFactory(title="Rep")
    as_(client, world.owner)
    assert client.post(reverse("org:position-create"), {"title": "Mine"}).status_code == 403
    assert client.post(reverse("org:position-edit", args=[position.pk]), {"title": "X"}).status_code == 403
    assert client.post(reverse("org:position-delete", args=[position.pk])).status_code == 403
    position.refresh_from_db()
    assert position.title == "Rep" and position.deleted_at is None and Position.objects.count() == 1


def test_it_explains_why_a_held_position_cannot_be_deleted(client: Client, world: World) -> None:
    position = PositionFactory(title="Rep")
    world.owner.position = position
    world.owner.save()
    response = as_(client, world.admin).post(reverse("org:position-delete", args=[position.pk]), follow=True)
    assert "People still hold this position" in html(response)
    position.refresh_from_db()
    assert position.deleted_at is None


# --- Roles ----------------------------------------------------------------------------------


def test_it_lists_roles_with_holder_counts_for_the_administrator(client: Client, world: World) -> None:
    body = html(as_(client, world.admin).get(reverse("org:roles")))
    assert "Sales rep" in body and "built-in" in body


@pytest.mark.parametrize("who", ["manager", "owner", "outsider"])
def test_it_refuses_the_roles_pages_to_non_administrators(client: Client, world: World, who: str) -> None:
    role = Role.objects.get(code="sales-rep")
    as_(client, getattr(world, who))
    assert client.get(reverse("org:roles")).status_code == 403
    response = client.post(reverse("org:role-edit", args=[role.pk]), {"name": "Boss", "is_admin": "on"})
    assert response.status_code in (403, 404)
    role.refresh_from_db()
    assert role.is_admin is False and role.name == "Sales rep"


def test_it_saves_the_grant_matrix(client: Client, world: World) -> None:
    role = Role.objects.get(code="sales-rep")
    RoleGrant.objects.create(role=role, resource="not-registered-yet", actions=["view"], scope="own")
    as_(client, world.admin)
    body = html(client.get(reverse("org:role-edit", args=[role.pk])))
    assert 'name="grant-team-actions"' in body and 'name="grant-user-scope"' in body
    response = client.post(
        reverse("org:role-edit", args=[role.pk]),
        {
            "name": "Sales rep",
            "description": "",
            "grant-user-actions": ["view", "edit"],
            "grant-user-scope": "team",
            "grant-team-actions": ["view"],
            "grant-team-scope": "subtree",
        },
    )
    assert response.status_code == 302
    grants = {g.resource: (g.actions, g.scope) for g in role.grants.all()}
    assert grants["user"] == (["view", "edit"], "team")
    assert grants["team"] == (["view"], "subtree")
    assert "position" not in grants
    # A grant waiting for an app that has not registered its resource stays.
    assert grants["not-registered-yet"] == (["view"], "own")


def test_it_shows_inline_errors_for_a_bad_role(client: Client, world: World) -> None:
    before = Role.objects.count()
    as_(client, world.admin)
    response = client.post(reverse("org:role-create"), {"name": " ", "grant-user-scope": "everywhere"})
    assert response.status_code == 400 and "invalid-feedback" in html(response)
    response = client.post(
        reverse("org:role-create"),
        {"name": "Auditor", "grant-user-actions": ["view"], "grant-user-scope": "everywhere"},
    )
    assert response.status_code == 400 and "Unknown data scope" in html(response)
    assert Role.objects.count() == before


def test_it_creates_and_deletes_a_custom_role(client: Client, world: World) -> None:
    as_(client, world.admin)
    response = client.post(
        reverse("org:role-create"),
        {"name": "Auditor", "code": "", "grant-user-actions": ["view"], "grant-user-scope": "all"},
    )
    role = Role.objects.get(code="auditor")
    assert response.status_code == 302
    assert role.grants.get().scope == "all"
    assert client.post(reverse("org:role-delete", args=[role.pk])).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()


def test_it_refuses_to_delete_a_built_in_role(client: Client, world: World) -> None:
    role = Role.objects.get(code="sales-rep")
    response = as_(client, world.admin).post(reverse("org:role-delete", args=[role.pk]), follow=True)
    assert "Built-in roles cannot be deleted" in html(response)
    assert Role.objects.filter(pk=role.pk).exists()


# --- Transfers log and navigation -----------------------------------------------------------


def test_it_logs_transfers_with_labelled_counts(client: Client, world: World) -> None:
    as_(client, world.admin)
    client.post(reverse("org:person-transfer", args=[world.manager.pk]), {"target": world.east_manager.pk})
    body = html(client.get(reverse("org:transfers")))
    assert "Mia Manager" in body and "Evan East" in body
    assert "3 direct reports keep Mia Manager as their manager" in body


def test_it_teaches_on_an_empty_transfers_log(client: Client, world: World) -> None:
    assert "No transfers yet." in html(as_(client, world.admin).get(reverse("org:transfers")))


@pytest.mark.parametrize("who", ["manager", "owner", "outsider"])
def test_it_refuses_the_transfers_log_to_non_administrators(client: Client, world: World, who: str) -> None:
    assert as_(client, getattr(world, who)).get(reverse("org:transfers")).status_code == 403


def test_it_shows_the_recycle_bin_in_the_administrators_navigation(client: Client, world: World) -> None:
    assert reverse("core:recycle-bin") in html(as_(client, world.admin).get(reverse("org:chart")))
    assert reverse("core:recycle-bin") not in html(as_(client, world.owner).get(reverse("org:chart")))


def test_an_optional_select_offers_a_plain_dash_not_djangos_dashes(world: World) -> None:
    class Sample(TablerForm):
        team = django_forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
        size = django_forms.ChoiceField(choices=[("", "---------"), ("s", "Small")], required=False)
        kept = django_forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="Any")

    html = str(Sample())
    assert "---------" not in html
    assert html.count('<option value="" selected>—</option>') == 2
    assert '<option value="" selected>Any</option>' in html


# --- Names per language (decision 0010) -------------------------------------------------------


def test_an_administrator_names_a_team_in_each_language_and_each_reader_reads_theirs(
    client: Client, world: World
) -> None:
    response = as_(client, world.admin).post(
        reverse("org:team-create"),
        {"name": "华东销售三部", "name_en": "East China Sales 3", "name_zh_hans": "华东销售三部"},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="华东销售三部")
    assert team.names == {"en": "East China Sales 3", "zh-hans": "华东销售三部"}
    english = html(client.get(team.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"))
    assert "East China Sales 3" in english
    world.admin.language = "zh-hans"
    world.admin.save(update_fields=["language"])
    assert "华东销售三部" in html(client.get(team.get_absolute_url()))
    api = client.get(f"/api/v1/teams/{team.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (api["display_name"], api["names"]["zh-hans"]) == ("East China Sales 3", "华东销售三部")


def test_a_manager_may_not_create_a_named_team_and_nothing_changes(client: Client, world: World) -> None:
    before = Team.objects.count()
    response = as_(client, world.manager).post(
        reverse("org:team-create"), {"name": "Mine", "name_zh_hans": "我的团队"}
    )
    assert response.status_code == 403
    assert Team.objects.count() == before


def test_a_built_in_roles_description_reads_in_the_readers_language_until_edited(
    client: Client, world: World
) -> None:
    rep = Role.objects.get(code="sales-rep")
    world.admin.language = "zh-hans"
    world.admin.save(update_fields=["language"])
    page = html(as_(client, world.admin).get(reverse("org:roles")))
    assert "公海" in page and "Works own customers and deals" not in page
    rep.description = "Our own words for reps"
    rep.save(update_fields=["description"])
    assert "Our own words for reps" in html(client.get(reverse("org:roles")))


def _job_description(page: str) -> str:
    """The job description card alone (the page's history keeps the texts as written)."""
    return page.split('class="card-body job-description"')[1].split("</div>")[0]


def test_a_job_description_is_written_and_read_in_each_language(client: Client, world: World) -> None:
    from tandem.org.demo import POSITIONS, position_data
    from tandem.org.services import position_create

    spec = POSITIONS[0]
    position = position_create(
        actor=world.actor(world.admin), data={"title": "销售总监", **position_data(spec)}
    )
    page = reverse("org:position-detail", args=[position.pk])
    as_(client, world.admin)
    english = _job_description(html(client.get(page, HTTP_ACCEPT_LANGUAGE="en")))
    assert "Set the annual sales strategy" in english and "制定年度销售战略" not in english
    # Written in English: the English description changes, the Chinese one stays.
    data = {"title": "销售总监", "summary": "Leads sales.", "responsibilities": "- Lead the regions"}
    assert client.post(reverse("org:position-edit", args=[position.pk]), data).status_code == 302
    position.refresh_from_db()
    assert position.descriptions["en"]["responsibilities"] == "- Lead the regions"
    assert "制定年度销售战略" in position.descriptions["zh-hans"]["responsibilities"]
    world.admin.language = "zh-hans"
    world.admin.save(update_fields=["language"])
    chinese = _job_description(html(client.get(page)))
    assert "制定年度销售战略" in chinese and "Lead the regions" not in chinese
