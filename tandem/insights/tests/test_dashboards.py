"""The home page's role dashboards: chosen by what the person is, with a switch for someone who
is more than one; figures through the KPI engine linking to their records; query counts flat."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.deals.tests.factories import stage_named
from tandem.insights import dashboards
from tandem.insights.tests.factories import deal
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def _client(user: User, language: str = "en") -> Client:
    if language != "en":
        User.objects.filter(pk=user.pk).update(language=language)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("person", "roles"),
    [
        ("owner", ["rep"]),
        ("teammate", ["rep"]),
        ("manager", ["manager", "rep"]),
        ("east_manager", ["manager", "rep"]),
        ("director", ["director", "manager", "rep"]),
        ("admin", ["director", "rep"]),
        ("support", []),
    ],
)
def test_the_dashboard_follows_what_the_person_is(world: World, person: str, roles: list[str]) -> None:
    user = getattr(world, person)
    assert dashboards.dashboard_roles(world.actor(user)) == roles
    response = _client(user).get("/")
    assert response.status_code == 200
    assert response.context["dashboard"] == (roles[0] if roles else None)


def test_someone_who_is_more_than_one_switches(world: World) -> None:
    client = _client(world.manager)
    response = client.get("/?view=rep")
    assert response.context["dashboard"] == "rep"
    assert b'href="?view=manager"' in response.content
    # A dashboard they are not for falls back to their own.
    assert client.get("/?view=director").context["dashboard"] == "manager"


def test_the_rep_sees_their_pipeline_won_figures_and_insights(world: World) -> None:
    today = timezone.localdate()
    deal(world.owner, amount=1000, last_follow_up_at=timezone.now() - datetime.timedelta(days=30))
    deal(world.owner, stage=stage_named("Won"), amount=2500, closed_on=today)
    deal(world.teammate, stage=stage_named("Won"), amount=9999, closed_on=today)
    response = _client(world.owner).get("/")
    board = response.context["board"]
    assert board["tiles"][0].figure.value == 2500  # won this month: mine only
    assert board["pipeline"]["count"] == 1 and board["pipeline"]["total"] == 1000
    stale = next(c for c in board["insights"] if c["rule"].code == "stale_follow_up")
    assert stale["count"] == 1 and "No follow-up for 30 days" in stale["items"][0].why
    assert f"owner={world.owner.pk}" in board["tiles"][0].url and "status=won" in board["tiles"][0].url


def test_the_manager_sees_the_team_and_who_needs_help(world: World) -> None:
    stale = timezone.now() - datetime.timedelta(days=30)
    deal(world.owner, last_follow_up_at=stale)
    deal(world.owner, last_follow_up_at=stale)
    deal(world.outsider, last_follow_up_at=stale)  # another team: not on this dashboard
    board = _client(world.manager).get("/").context["board"]
    assert board["team"] == world.east_sales
    assert board["pipeline"]["count"] == 2
    first = board["needs_help"][0]
    assert first["person"] == world.owner and first["flagged"] == 2
    names = [p["person"].username for p in board["people"]]
    assert "outsider" not in names and "teammate" in names


def test_the_director_sees_teams_side_by_side_rolled_up(world: World) -> None:
    today = timezone.localdate()
    deal(world.owner, stage=stage_named("Won"), amount=100, closed_on=today)  # East sales → East region
    deal(world.outsider, stage=stage_named("Won"), amount=40, closed_on=today)  # West sales → West region
    deal(world.outsider, stage=stage_named("Lost"), closed_on=today)
    board = _client(world.director).get("/").context["board"]
    rows = {row["team"].name: row for row in board["teams"]}
    assert set(rows) == {"East region", "West region", "Support"}
    assert rows["East region"]["won"] == 100 and rows["West region"]["won"] == 40
    assert rows["West region"]["win_rate"] == 0.5
    assert board["tiles"][0].figure.value == 140


@pytest.mark.parametrize("person", ["owner", "manager", "director"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_dashboard_renders_in_both_languages(world: World, person: str, language: str) -> None:
    deal(world.owner, last_follow_up_at=timezone.now() - datetime.timedelta(days=30))
    response = _client(getattr(world, person), language).get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "echarts.min.js" in text
    if language == "zh-hans":
        assert "近期未跟进" in text


@pytest.mark.parametrize("person", ["owner", "manager", "director"])
def test_the_dashboard_queries_stay_flat_as_deals_grow(world: World, person: str) -> None:
    user = getattr(world, person)
    client = _client(user)
    stale = timezone.now() - datetime.timedelta(days=30)

    def more(n: int) -> None:
        for i in range(n):
            owner = world.owner if i % 2 else world.teammate
            deal(
                owner,
                last_follow_up_at=stale,
                expected_close_date=timezone.localdate() - datetime.timedelta(days=2),
            )
            deal(owner, stage=stage_named("Won"), closed_on=timezone.localdate())

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:  # the figures computed, not read kept
            assert client.get("/", {"refresh": "1"}).status_code == 200
        return len(ctx.captured_queries)

    more(2)
    count()
    few = count()
    more(12)
    assert count() <= few


def test_the_director_dashboard_reads_each_figure_once_however_many_teams(world: World) -> None:
    """Per team the director's table adds only the insight rules' bounded counts and, for a team
    short of its target, its weighted pipeline: the targets' rows, the team members and the won
    figures are read once for every team."""
    from tandem.kpis import periods
    from tandem.org.tests.factories import TeamFactory, UserFactory, join
    from tandem.targets.models import PeriodKind, SubjectKind
    from tandem.targets.tests.factories import TargetFactory

    client = _client(world.director)

    def other_queries() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/", {"view": "director", "refresh": "1"})
            assert response.status_code == 200
        assert len(response.context["board"]["teams"]) >= 3
        return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("SELECT COUNT(*) FROM (")]

    def region(n: int) -> None:
        leader = UserFactory(username=f"region-{n}", roles=["sales-manager"])
        team = TeamFactory(name=f"Region {n}", parent=world.company, leader=leader)
        join(leader, team)
        quarter = periods.period_containing(timezone.localdate(), periods.QUARTER)
        TargetFactory(
            subject_kind=SubjectKind.TEAM,
            user=None,
            team=team,
            period_kind=PeriodKind.QUARTER,
            start=quarter.start,
            end=quarter.end,
        )
        deal(leader, last_follow_up_at=timezone.now() - datetime.timedelta(days=30))

    region(1)
    other_queries()
    few = other_queries()
    region(2)
    region(3)
    # Each team short of its target adds its weighted open pipeline (two queries), nothing else.
    assert len(other_queries()) <= len(few) + 2 * 2


def test_another_app_adds_a_card_to_a_dashboard(world: World, settings: Any) -> None:
    card = dashboards.Card(
        template="insights/partials/_tile.html", context=lambda actor, board: board["tiles"][0]
    )
    dashboards.register_card("rep", card)
    try:
        response = _client(world.owner).get("/")
        shown = [item["template"] for item in response.context["board_cards"]]
        assert "insights/partials/_tile.html" in shown
    finally:
        dashboards.CARDS["rep"].remove(card)
