"""Shell pages: home, language switch, recycle bin, error pages, health check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from tandem.conftest import World
from tandem.core.i18n import compile_all
from tandem.core.models import HistoryAction, HistoryEntry
from tandem.org import services
from tandem.org.models import Position, Team, User
from tandem.org.tests.factories import PositionFactory, TeamFactory

BACKEND = "django.contrib.auth.backends.ModelBackend"
BIN = "/recycle-bin/"


@pytest.fixture(scope="module", autouse=True)
def _compiled_messages() -> Iterator[None]:
    """Pages are checked in both languages: compile the catalogues (as `make` does) and reload them."""
    compile_all()
    trans_real._translations = {}
    trans_real._default = None
    yield
    translation.activate(settings.LANGUAGE_CODE)


def signed_in(user: User, language: str | None = None) -> Client:
    if language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.refresh_from_db()
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def binned_team(world: World, name: str = "Pilot", parent: Team | None = None) -> Team:
    admin = world.actor(world.admin)
    team = services.team_create(actor=admin, name=name, parent=parent or world.west)
    services.team_delete(actor=admin, team=team)
    return Team.all_objects.get(pk=team.pk)


# --- Home -----------------------------------------------------------------------------------


def test_it_shows_a_rep_their_team_and_position(world: World) -> None:
    position = PositionFactory(title="Key account rep", summary="Grows the top 20 accounts.")
    User.objects.filter(pk=world.owner.pk).update(position=position)
    response = signed_in(world.owner).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "East sales" in body
    assert "Key account rep" in body
    assert "Mia Manager" in body  # the manager
    assert "Sales rep" in body  # the role


def test_it_shows_a_manager_their_direct_reports(world: World) -> None:
    body = signed_in(world.manager).get("/").content.decode()
    for name in ("王小明", "Tom Teammate", "Tina Two"):
        assert name in body


def test_it_shows_a_person_in_two_teams_both(world: World) -> None:
    body = signed_in(world.two_teams).get("/").content.decode()
    assert "East sales" in body
    assert "Support" in body


def test_it_shows_a_person_without_a_team_how_to_get_one(db: None) -> None:
    from tandem.org.tests.factories import UserFactory

    loner = UserFactory(username="loner", roles=["sales-rep"])
    body = signed_in(loner).get("/").content.decode()
    assert "You are not in a team yet" in body


def test_it_shows_home_in_chinese_to_a_chinese_speaker(world: World) -> None:
    body = signed_in(world.owner, language="zh-hans").get("/").content.decode()
    assert "我的团队" in body
    assert 'lang="zh-hans"' in body


def test_it_sends_a_signed_out_visitor_to_sign_in(db: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


def test_it_builds_home_with_a_bounded_number_of_queries(world: World) -> None:
    client = signed_in(world.manager)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(30):
        from tandem.org.tests.factories import UserFactory, join

        join(UserFactory(username=f"extra{n}", manager=world.manager), world.east_sales)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few)


# --- Language switch ------------------------------------------------------------------------


def test_it_stores_the_persons_language_and_sets_the_cookie(world: World) -> None:
    client = signed_in(world.owner)
    response = client.post(reverse("core:set-language"), {"language": "zh-hans", "next": "/org/people/"})
    assert response.status_code == 302
    assert response["Location"] == "/org/people/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    world.owner.refresh_from_db()
    assert world.owner.language == "zh-hans"
    assert HistoryEntry.objects.filter(object_id=world.owner.pk, action=HistoryAction.UPDATE).exists()
    assert "我的团队" in client.get("/").content.decode()


def test_it_switches_back_to_english(world: World) -> None:
    client = signed_in(world.owner, language="zh-hans")
    client.post(reverse("core:set-language"), {"language": "en"})
    world.owner.refresh_from_db()
    assert world.owner.language == "en"
    assert "My teams" in client.get("/").content.decode()


def test_it_sets_only_the_cookie_before_sign_in(db: None) -> None:
    response = Client().post(reverse("core:set-language"), {"language": "zh-hans"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x"])
def test_it_never_redirects_to_another_site(world: World, next_url: str) -> None:
    response = signed_in(world.owner).post(reverse("core:set-language"), {"language": "en", "next": next_url})
    assert response["Location"] == "/"


def test_it_falls_back_to_the_default_language_for_an_unknown_one(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    response = signed_in(world.owner).post(reverse("core:set-language"), {"language": "klingon"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == settings.LANGUAGE_CODE
    world.owner.refresh_from_db()
    assert world.owner.language == settings.LANGUAGE_CODE


def test_it_refuses_a_language_switch_by_get(world: World) -> None:
    assert signed_in(world.owner).get(reverse("core:set-language")).status_code == 405


# --- Recycle bin ----------------------------------------------------------------------------


def test_it_lists_binned_teams_and_positions_for_an_administrator(world: World) -> None:
    team = binned_team(world, "Pilot")
    position = PositionFactory(title="Retired position")
    services.position_delete(actor=world.actor(world.admin), position=position)
    response = signed_in(world.admin).get(BIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pilot" in body
    assert "Retired position" in body
    assert "Ada Admin" in body  # deleted by
    assert reverse("core:recycle-purge", args=["org.team", team.pk]) in body


def test_it_leaves_live_records_out_of_the_bin(world: World) -> None:
    body = signed_in(world.admin).get(BIN).content.decode()
    assert "West sales" not in body


def test_it_hides_binned_teams_from_people_who_may_not_delete_them(world: World) -> None:
    binned_team(world, "Pilot")
    for person in (world.owner, world.manager, world.director, world.outsider):
        response = signed_in(person).get(BIN)
        assert response.status_code in (200, 404)
        assert "Pilot" not in response.content.decode()


def test_it_answers_404_to_a_person_with_nothing_to_restore(world: World) -> None:
    # Every built-in role may delete its own tasks (and so restore them); a person whose roles
    # delete nothing has no recycle bin.
    from tandem.org.tests.factories import UserFactory

    viewer = UserFactory(username="viewer", roles=[])
    response = signed_in(viewer).get(BIN)
    assert response.status_code == 404
    assert signed_in(world.support).get(BIN).status_code == 200  # their own deleted tasks


def test_it_restores_a_binned_team(world: World) -> None:
    team = binned_team(world)
    client = signed_in(world.admin)
    response = client.post(reverse("core:recycle-restore", args=["org.team", team.pk]))
    assert response.status_code == 302
    assert Team.objects.filter(pk=team.pk).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Pilot was restored."]


@pytest.mark.parametrize("person", ["owner", "manager", "outsider", "director"])
def test_it_answers_404_to_a_restore_by_someone_who_may_not(world: World, person: str) -> None:
    team = binned_team(world)
    response = signed_in(getattr(world, person)).post(
        reverse("core:recycle-restore", args=["org.team", team.pk])
    )
    assert response.status_code in (403, 404)
    assert not Team.objects.filter(pk=team.pk).exists()


def test_it_answers_404_for_an_unknown_kind_or_a_live_record(world: World) -> None:
    client = signed_in(world.admin)
    assert client.post(reverse("core:recycle-restore", args=["org.nothing", 1])).status_code == 404
    live = reverse("core:recycle-restore", args=["org.team", world.west.pk])
    assert client.post(live).status_code == 404
    assert client.post(reverse("core:recycle-restore", args=["org.team", 999_999])).status_code == 404


def test_it_purges_a_binned_team_for_an_administrator(world: World) -> None:
    team = binned_team(world)
    response = signed_in(world.admin).post(reverse("core:recycle-purge", args=["org.team", team.pk]))
    assert response.status_code == 302
    assert not Team.all_objects.filter(pk=team.pk).exists()
    assert HistoryEntry.objects.filter(object_id=team.pk, action=HistoryAction.PURGE).exists()


def test_it_refuses_a_purge_to_someone_who_may_restore_but_is_no_administrator(world: World) -> None:
    team = binned_team(world)
    role = services.role_create(
        actor=world.actor(world.admin),
        code="binner",
        name="Binner",
        grants={"team": {"actions": ["view", "delete"], "scope": "all"}},
    )
    world.teammate.roles.add(role)
    client = signed_in(world.teammate)
    assert "Pilot" in client.get(BIN).content.decode()
    response = client.post(reverse("core:recycle-purge", args=["org.team", team.pk]))
    assert response.status_code == 403
    assert Team.all_objects.filter(pk=team.pk).exists()


def test_it_explains_instead_of_failing_when_a_purge_is_blocked(world: World) -> None:
    admin = world.actor(world.admin)
    parent = services.team_create(actor=admin, name="Old parent", parent=world.company)
    child = services.team_create(actor=admin, name="Old child", parent=parent)
    services.team_delete(actor=admin, team=child)
    services.team_delete(actor=admin, team=parent)
    client = signed_in(world.admin)
    response = client.post(reverse("core:recycle-purge", args=["org.team", parent.pk]))
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Old child" in message
    assert Team.all_objects.filter(pk__in=[parent.pk, child.pk]).count() == 2


def test_it_lists_the_bin_with_a_query_count_that_does_not_grow(world: World) -> None:
    client = signed_in(world.admin)
    admin = world.actor(world.admin)

    def bin_rows(n: int) -> None:
        for i in range(n):
            team = TeamFactory(name=f"Binned {n}-{i}", parent=world.west)
            services.team_delete(actor=admin, team=team)
            position = PositionFactory(title=f"Binned position {n}-{i}")
            services.position_delete(actor=admin, position=position)

    bin_rows(5)
    client.get(BIN)
    with CaptureQueriesContext(connection) as five:
        assert client.get(BIN).status_code == 200
    bin_rows(45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(BIN)
    assert response.content.decode().count("Binned position") == 50
    assert len(fifty) == len(five)
    assert Position.all_objects.filter(deleted_at__isnull=False).count() == 50


# --- Error pages and health -------------------------------------------------------------------


def test_it_shows_a_bilingual_404_page_to_a_signed_in_person(world: World) -> None:
    english = signed_in(world.owner).get("/no-such-page/")
    assert english.status_code == 404
    assert "This page does not exist, or you may not see it." in english.content.decode()

    chinese = signed_in(world.teammate, language="zh-hans").get("/no-such-page/")
    assert chinese.status_code == 404
    body = chinese.content.decode()
    assert "此页面不存在，或您无权查看。" in body
    assert "返回首页" in body


def test_it_answers_404_as_json_under_the_api(world: World) -> None:
    response = signed_in(world.owner).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_it_renders_the_500_page_when_a_view_fails(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/explode/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side." in body
    assert "forced failure" not in body  # no internals shown


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_it_renders_the_500_page_in_chinese_for_a_chinese_speaker(world: World) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(pk=world.owner.pk), backend=BACKEND)
    response = client.get("/explode/")
    body = response.content.decode()
    assert "我们这边出了问题。" in body
    assert (
        f'请把这个参考编号告诉管理员：<code class="user-select-all">{response["X-Request-ID"]}</code>' in body
    )


@pytest.mark.urls("tandem.core.tests.urls_500")
def test_it_answers_500_as_json_under_the_api(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.owner, backend=BACKEND)
    response = client.get("/api/v1/explode/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side. It has been logged.",
        "reference": response["X-Request-ID"],
    }


def test_it_answers_the_health_check_without_sign_in(db: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(0):  # liveness only: readiness is /readyz (test_health)
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- The phone's bottom bar (decision 0026) --------------------------------------------------


def bottom_bar(response: Any) -> list[tuple[str, bool]]:
    return [(item["url"], item["active"]) for item in response.context["bottom_nav"]]


def test_it_gives_a_rep_a_bottom_bar_of_home_customers_deals_and_follow_ups(world: World) -> None:
    client = signed_in(world.owner)
    home, accounts, deals, follow_ups = (
        reverse(name)
        for name in ("core:home", "customers:account-list", "deals:deal-list", "activities:activity-list")
    )
    assert bottom_bar(client.get(home)) == [
        (home, True),
        (accounts, False),
        (deals, False),
        (follow_ups, False),
    ]
    # The board and the pool light their area's item.
    on_board = bottom_bar(client.get(reverse("deals:board")))
    assert on_board == [(home, False), (accounts, False), (deals, True), (follow_ups, False)]
    on_pools = bottom_bar(client.get(reverse("customers:pool-list")))
    assert on_pools == [(home, False), (accounts, True), (deals, False), (follow_ups, False)]
    body = client.get(home).content.decode()
    assert 'class="bottom-nav d-md-none d-print-none"' in body
    assert 'data-menu-toggle aria-controls="main-menu"' in body


def test_the_bottom_bar_leaves_out_what_the_person_may_not_open(world: World) -> None:
    response = signed_in(world.support).get(reverse("core:home"))
    urls = [url for url, _active in bottom_bar(response)]
    assert reverse("deals:deal-list") not in urls
    sidebar = [item["url"] for section in response.context["nav_sections"] for item in section["items"]]
    assert reverse("forecasts:mine") not in sidebar  # it answers 404 to someone who may not view deals
    assert signed_in(world.support).get(reverse("forecasts:mine")).status_code == 404


def test_the_bottom_bar_reads_in_chinese(world: World) -> None:
    body = signed_in(world.owner, "zh-hans").get(reverse("core:home")).content.decode()
    for label in ("首页", "客户", "商机", "跟进记录", "菜单", "快捷导航"):
        assert label in body


def test_an_anonymous_page_has_no_bottom_bar(db: None) -> None:
    body = Client().get(reverse("auth:login")).content.decode()
    assert "bottom-nav" not in body
