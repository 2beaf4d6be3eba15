"""The home page's dashboard kept a few minutes per person (insights.snapshots, decision 0045):
served again until it expires, the person changes something, asks for a refresh, or reads it in
another language or with other access; live cards and the person's day are read every visit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.core import changes
from tandem.core.tests.test_health import NOBODY_THERE
from tandem.deals.models import Deal
from tandem.discussions.services import announcement_publish
from tandem.insights import snapshots
from tandem.insights.tests.factories import deal
from tandem.org.models import User
from tandem.org.tests.factories import join

pytestmark = pytest.mark.django_db
STALE = datetime.timedelta(days=30)


def _client(user: User, language: str = "en") -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def _home(client: Client, **params: Any) -> Any:
    response = client.get("/", params)
    assert response.status_code == 200
    return response


def _computed(response: Any) -> bool:
    """Whether this request computed the figures (rather than read them kept)."""
    return "board" in response.context


def test_a_second_visit_reads_the_same_figures_kept_with_fewer_queries(world: World) -> None:
    deal(world.owner, name="Glass for Acme", last_follow_up_at=timezone.now() - STALE)
    client = _client(world.manager)
    with CaptureQueriesContext(connection) as first_queries:
        first = _home(client)
    with CaptureQueriesContext(connection) as second_queries:
        second = _home(client)
    assert _computed(first) and not _computed(second)
    assert second.context["dashboard_figures"] == first.context["dashboard_figures"]
    assert second.context["dashboard_cards"] == first.context["dashboard_cards"]
    assert second.context["dashboard_at"] == first.context["dashboard_at"]
    assert "Glass for Acme" in second.content.decode()
    assert len(second_queries) < len(first_queries) - 10
    assert "Figures as of" in second.content.decode()
    assert 'href="?view=manager&amp;refresh=1"' in second.content.decode()


def test_someone_else_s_change_shows_after_a_refresh(world: World) -> None:
    client = _client(world.manager)
    _home(client)
    deal(world.teammate, name="Steel for Bolt", last_follow_up_at=timezone.now() - STALE)
    kept = _home(client)
    assert not _computed(kept) and "Steel for Bolt" not in kept.content.decode()
    fresh = _home(client, refresh="1")
    assert _computed(fresh) and "Steel for Bolt" in fresh.content.decode()
    # The refreshed figures are kept in turn.
    again = _home(client)
    assert not _computed(again) and "Steel for Bolt" in again.content.decode()


def test_a_person_s_own_write_shows_on_their_next_home_page(world: World) -> None:
    client = _client(world.owner)
    _home(client)
    assert not _computed(_home(client))
    response = client.post("/api/v1/deals/", {"name": "Copper for Dyn"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert changes.changed_at(world.owner.pk) > 0
    after = _home(client)
    assert _computed(after)
    # The manager made no change: their kept figures stand until they expire or are refreshed.
    manager = _client(world.manager)
    _home(manager)
    assert not _computed(_home(manager))


def test_a_refused_write_or_a_read_marks_no_change(world: World) -> None:
    client = _client(world.owner)
    response = client.post("/api/v1/deals/", {"name": ""}, content_type="application/json")
    assert response.status_code == 400
    client.get("/api/v1/deals/")
    assert changes.changed_at(world.owner.pk) == 0
    assert not Deal.objects.exists()


def test_each_language_and_each_access_has_its_own_figures(world: World) -> None:
    deal(world.owner, last_follow_up_at=timezone.now() - STALE)
    _home(_client(world.manager))
    chinese = _home(_client(world.manager, "zh-hans"))
    assert _computed(chinese)
    assert "近期未跟进" in chinese.content.decode() and "数据截至" in chinese.content.decode()
    client = _client(world.manager, "zh-hans")
    assert not _computed(_home(client))
    # A new team (or role) is another access: nothing computed for the old one is read.
    join(world.manager, world.west_sales, primary=False)
    assert _computed(_home(client))


def test_the_key_follows_role_team_and_access(world: World) -> None:
    actor = world.actor(world.manager)
    base = snapshots.key(actor, "manager", None)
    assert snapshots.key(actor, "rep", None) != base
    assert snapshots.key(actor, "manager", world.east_sales.pk) != base
    assert snapshots.key(world.actor(world.teammate), "manager", None) != base
    join(world.manager, world.support_team, primary=False)
    assert snapshots.key(world.actor(world.manager), "manager", None) != base


def test_a_live_card_is_read_on_every_visit(world: World) -> None:
    client = _client(world.owner)
    _home(client)
    announcement_publish(actor=world.actor(world.director), title="Quarter close on Friday", everyone=True)
    kept = _home(client)
    assert not _computed(kept)
    assert "Quarter close on Friday" in kept.content.decode()


def test_the_day_beside_the_dashboard_is_read_on_every_visit(world: World) -> None:
    client = _client(world.owner)
    _home(client)
    deal(
        world.owner,
        name="Due today for Elm",
        next_follow_up_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    kept = _home(client)
    assert not _computed(kept)
    assert "Due today for Elm" in kept.content.decode()


@override_settings(TANDEM_DASHBOARD_SECONDS=0)
def test_with_nothing_kept_every_visit_computes_and_says_no_time(world: World) -> None:
    client = _client(world.manager)
    _home(client)
    second = _home(client)
    assert _computed(second)
    assert "Figures as of" not in second.content.decode()


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOBODY_THERE}}
)
def test_with_the_cache_away_the_home_page_and_writes_still_work(world: World) -> None:
    client = _client(world.owner)
    assert _computed(_home(client))
    assert _computed(_home(client))
    response = client.post("/api/v1/deals/", {"name": "Tin for Fox"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Deal.objects.filter(name="Tin for Fox").exists()


def test_an_import_marks_its_person_s_change(world: World, tmp_path: Any) -> None:
    from tandem.imports.tests.helpers import run, write_csv

    client = _client(world.manager)
    _home(client)
    path = write_csv(tmp_path / "a.csv", [["name"], ["Alpha Ltd"]])
    run(world.actor(world.manager), "account", path)
    assert changes.changed_at(world.manager.pk) > 0
    assert _computed(_home(client))
