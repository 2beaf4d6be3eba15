"""Shared fixtures: a small company with named people, used by every app's tests.

Company (director)
├── East region (east_manager)
│   └── East sales (manager) ── owner, teammate, two_teams (also in Support)
└── West region
    └── West sales (sibling_manager) ── outsider
Support (support) ── two_teams
admin: administrator role; gone: deactivated rep of East sales
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tandem.core.access import Actor
from tandem.org.models import Team, User
from tandem.org.tests.factories import TeamFactory, UserFactory, join


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has an id of its own, or the run stops.

    ``@schema.parametrize()`` names its items ``test_x[GET /api/v1/accounts/]``, but under pytest 9
    gives them all the id ``…::test_x``; pytest-xdist schedules by id, so under ``make test``
    (``-n 2``) one operation of 326 ran and the rest were dropped without a word. Each such item
    gets its operation as the id's parameters; any other repeated id is an error.
    """
    for item in items:
        if type(item).__name__ != "SchemathesisFunction" or "[" not in item.name:
            continue
        if item._id.params is None:  # pytest 9's structured id (requirements.lock pins pytest)
            item._id = item._id.with_params(item.name.partition("[")[2].removesuffix("]"))
    repeated = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if repeated:
        raise pytest.UsageError(
            f"Tests that share an id (pytest-xdist would run one of each): {repeated[:5]}"
        )


@dataclass
class World:
    company: Team
    east: Team
    east_sales: Team
    west: Team
    west_sales: Team
    support_team: Team
    admin: User
    director: User
    east_manager: User
    manager: User
    owner: User
    teammate: User
    two_teams: User
    sibling_manager: User
    outsider: User
    support: User
    gone: User

    def actor(self, user: User) -> Actor:
        return Actor.for_user(User.objects.get(pk=user.pk))


@pytest.fixture
def world(db: None) -> World:
    company = TeamFactory(name="Company")
    east = TeamFactory(name="East region", parent=company)
    east_sales = TeamFactory(name="East sales", parent=east)
    west = TeamFactory(name="West region", parent=company)
    west_sales = TeamFactory(name="West sales", parent=west)
    support_team = TeamFactory(name="Support", parent=company)

    admin = UserFactory(username="admin", display_name="Ada Admin", roles=["administrator"])
    director = UserFactory(username="director", display_name="Dora Director", roles=["sales-director"])
    east_manager = UserFactory(username="east_manager", display_name="Evan East", roles=["sales-manager"])
    manager = UserFactory(
        username="manager", display_name="Mia Manager", roles=["sales-manager"], manager=east_manager
    )
    owner = UserFactory(username="owner", display_name="王小明", roles=["sales-rep"], manager=manager)
    teammate = UserFactory(
        username="teammate", display_name="Tom Teammate", roles=["sales-rep"], manager=manager
    )
    two_teams = UserFactory(
        username="two_teams", display_name="Tina Two", roles=["sales-rep"], manager=manager
    )
    sibling_manager = UserFactory(
        username="sibling_manager", display_name="Sam Sibling", roles=["sales-manager"]
    )
    outsider = UserFactory(
        username="outsider", display_name="Olga Outsider", roles=["sales-rep"], manager=sibling_manager
    )
    support = UserFactory(username="support", display_name="Sue Support", roles=["technical-support"])
    gone = UserFactory(username="gone", display_name="Gary Gone", roles=["sales-rep"], is_active=False)

    join(director, company)
    join(east_manager, east)
    join(manager, east_sales)
    join(owner, east_sales)
    join(teammate, east_sales)
    join(two_teams, east_sales)
    join(two_teams, support_team, primary=False)
    join(sibling_manager, west_sales)
    join(outsider, west_sales)
    join(support, support_team)
    join(gone, east_sales)
    for team, leader in [
        (company, director),
        (east, east_manager),
        (east_sales, manager),
        (west_sales, sibling_manager),
        (support_team, support),
    ]:
        team.leader = leader
        team.save(update_fields=["leader"])
    return World(
        company=company,
        east=east,
        east_sales=east_sales,
        west=west,
        west_sales=west_sales,
        support_team=support_team,
        admin=admin,
        director=director,
        east_manager=east_manager,
        manager=manager,
        owner=owner,
        teammate=teammate,
        two_teams=two_teams,
        sibling_manager=sibling_manager,
        outsider=outsider,
        support=support,
        gone=gone,
    )


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A request in Chinese can leave Chinese active in the worker: the next test, whichever it is,
    starts in the default language, so no test passes or fails by the order tests run in."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _default_time_zone_after_each_test() -> Iterator[None]:
    """A request activates its person's time zone in the worker; the next test starts in the
    server's own, whatever ran before it."""
    yield
    from django.utils import timezone

    timezone.deactivate()


@pytest.fixture(autouse=True)
def _names_read_afresh() -> None:
    """core.naming keeps the names it read until the next request starts; a test starts afresh."""
    from tandem.core import naming

    naming.forget_loaded()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is slow on purpose; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _cache_emptied() -> None:
    """Whatever a test kept in the cache (a home page's figures, the pool candidates) is gone
    before the next: each test's ids may be another's, and nothing passes by the order tests run in."""
    from django.core.cache import cache

    cache.clear()
