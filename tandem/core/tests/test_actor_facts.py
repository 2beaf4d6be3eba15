"""``Actor.for_user`` reads the person's roles, teams and memoised facts in one statement
(``core.actor_facts``): each must equal what the ORM definition it replaces answers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.core import access
from tandem.core.access import SCOPE_RANK, Actor
from tandem.core.listing import SAVED_VIEW_LISTS, saved_view_lists
from tandem.core.models import Notification, SavedView
from tandem.customers.apps import POOLS_MEMO_KEY, pool_ids_for
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals.tests.factories import DealFactory
from tandem.handoffs import policies as handoff_policies
from tandem.handoffs.models import Handoff, HandoffStatus
from tandem.handoffs.tests.factories import template
from tandem.org.models import Role, RoleGrant, Team, User
from tandem.recordteams import grants as record_grants
from tandem.recordteams.models import MemberRole, RecordMember


def _orm_roles_and_teams(user: User) -> tuple[bool, dict[str, dict[str, str]], dict[int, str]]:
    """What ``Actor.for_user`` read through the ORM before it read one statement."""
    is_admin = bool(user.is_superuser)
    grants: dict[str, dict[str, str]] = {}
    for role_is_admin, resource, actions, scope in Role.objects.filter(users=user).values_list(
        "is_admin", "grants__resource", "grants__actions", "grants__scope"
    ):
        is_admin = is_admin or role_is_admin
        if resource is None:
            continue
        for action in actions:
            current = grants.setdefault(resource, {}).get(action)
            if current is None or SCOPE_RANK[scope] > SCOPE_RANK[current]:
                grants[resource][action] = scope
    teams = dict(Team.objects.filter(memberships__user=user).values_list("id", "path"))
    teams.update(Team.objects.filter(leader=user).values_list("id", "path"))
    return is_admin, grants, teams


def _orm_facts(actor: Actor) -> dict[str, Any]:
    """The memoised facts as their apps compute them without ``actor_facts``."""
    from tandem.core.notify import unread_count

    fresh = Actor(
        user=actor.user,
        grants=actor.grants,
        team_ids=actor.team_ids,
        team_paths=actor.team_paths,
        is_admin=actor.is_admin,
    )
    return {
        "subtree": fresh.subtree_team_paths,
        "pools": pool_ids_for(fresh),
        "record teams": record_grants.on_any_team(fresh),
        "handoffs": handoff_policies.awaits_me(fresh),
        "unread": unread_count(actor.user),
        "view lists": saved_view_lists(fresh),
    }


def _loaded_facts(actor: Actor) -> dict[str, Any]:
    memo = actor.__dict__["_memo"]
    return {
        # Read with the rest when a role gives them a subtree scope; else when first asked.
        "subtree": actor.__dict__.get("subtree_team_paths"),
        "pools": memo[POOLS_MEMO_KEY],
        "record teams": memo[record_grants.MEMO_KEY],
        "handoffs": memo[handoff_policies.MEMO_KEY],
        "unread": memo["notify.unread"],
        "view lists": memo[SAVED_VIEW_LISTS],
    }


@pytest.fixture
def company(world: World) -> World:
    """Pools, record teams, handoffs and notifications that reach some people and not others."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    # A deleted team the owner belongs to: neither a team of theirs nor a way into a pool.
    closed = Team.objects.create(name="Closed", parent=world.east_sales)
    closed.memberships.create(user=world.owner)
    closed.deleted_at = timezone.now()
    closed.save()
    PoolFactory(name="Named", members=[world.owner, world.outsider])
    PoolFactory(name="East", teams=[world.east])  # everyone in East region and below
    PoolFactory(name="Support", teams=[world.support_team])
    PoolFactory(name="Closed team", teams=[closed])
    PoolFactory(name="Inactive", members=[world.owner], is_active=False)

    account = AccountFactory(owner=world.outsider, team=world.west_sales)
    deal = DealFactory(owner=world.outsider, team=world.west_sales, account=account)
    role = MemberRole.objects.order_by("pk").first() or MemberRole.objects.create(code="x", name="X")
    member = {
        "content_type": ContentType.objects.get_for_model(account),
        "object_id": account.pk,
        "role": role,
    }
    RecordMember.objects.create(user=world.teammate, **member)
    RecordMember.objects.create(user=world.owner, until=yesterday, **member)  # ended
    RecordMember.objects.create(user=world.manager, until=timezone.localdate(), **member)  # ends today

    tpl = template()
    due = timezone.now() + datetime.timedelta(days=1)
    sent = {"template": tpl, "sender": world.outsider, "due_at": due}

    def deal_() -> Any:
        return DealFactory(owner=world.outsider, team=world.west_sales, account=account)

    Handoff.objects.create(recipient=world.two_teams, deal=deal, **sent)
    Handoff.objects.create(recipient_team=world.support_team, deal=deal_(), **sent)  # nobody picked it up yet
    Handoff.objects.create(recipient_team=world.east_sales, recipient=world.teammate, deal=deal_(), **sent)
    Handoff.objects.create(recipient=world.owner, status=HandoffStatus.ACCEPTED, deal=deal_(), **sent)

    for read_at in (None, None, timezone.now()):
        Notification.objects.create(recipient=world.owner, kind="x", title="t", read_at=read_at)
    Notification.objects.create(recipient=world.teammate, kind="x", title="t")

    # Saved views: one's own, shared with everyone, for a team (reaching the teams below it).
    SavedView.objects.create(owner=world.owner, resource="lead", name="Mine")
    SavedView.objects.create(owner=world.director, resource="account", name="All", is_shared=True)
    SavedView.objects.create(owner=world.east_manager, resource="deal", name="East", team=world.east)
    SavedView.objects.create(
        owner=world.sibling_manager, resource="contact", name="West", team=world.west_sales
    )
    SavedView.objects.create(owner=world.manager, resource="task", name="Closed", team=closed)

    # Roles with and without grants, and the wider of two scopes.
    bare = Role.objects.create(code="no-grants", name="No grants")
    wide = Role.objects.create(code="wide-accounts", name="Wide accounts")
    RoleGrant.objects.create(role=wide, resource="account", actions=["view", "edit"], scope="all")
    world.two_teams.roles.add(bare, wide)
    return world


PEOPLE = (
    "admin",
    "director",
    "east_manager",
    "manager",
    "owner",
    "teammate",
    "two_teams",
    "sibling_manager",
    "outsider",
    "support",
)


@pytest.mark.parametrize("who", PEOPLE)
def test_one_statement_reads_what_the_orm_read(company: World, who: str, django_assert_num_queries) -> None:
    user = User.objects.get(pk=getattr(company, who).pk)
    with django_assert_num_queries(1):
        actor = Actor.for_user(user)
        loaded = _loaded_facts(actor)
    is_admin, grants, teams = _orm_roles_and_teams(user)
    assert actor.is_admin == is_admin
    assert actor.grants == grants
    assert {pk: teams[pk] for pk in actor.team_ids} == teams
    assert actor.team_paths == tuple(sorted(teams.values()))
    expected = _orm_facts(actor)
    if loaded["subtree"] is None:
        assert not any(scope == "subtree" for per_action in grants.values() for scope in per_action.values())
        loaded["subtree"] = actor.subtree_team_paths
    assert loaded == expected
    assert list(loaded["subtree"].values()) == sorted(loaded["subtree"].values())


def test_the_facts_reach_the_people_they_name(company: World) -> None:
    """Not only equal to the ORM: right. (Both could be wrong the same way.)"""
    facts = {who: _loaded_facts(company.actor(getattr(company, who))) for who in PEOPLE}
    named, east, support = (p.pk for p in _pools_named(["Named", "East", "Support"]))
    assert facts["owner"]["pools"] == {named, east}  # not the inactive one, nor the deleted team's
    assert facts["outsider"]["pools"] == {named}
    assert facts["two_teams"]["pools"] == {east, support}
    assert facts["director"]["pools"] == set()  # a pool's team reaches down, not up
    assert [who for who in PEOPLE if facts[who]["record teams"]] == ["manager", "teammate"]
    # Picked up by the teammate; sent to Support, which two_teams is also in.
    assert [who for who in PEOPLE if facts[who]["handoffs"]] == ["teammate", "two_teams", "support"]
    assert facts["owner"]["view lists"] == {"lead", "account", "deal"}  # not the deleted team's
    assert facts["outsider"]["view lists"] == {"account", "contact"}
    assert facts["director"]["view lists"] == {"account"}  # a team's view reaches down, not up
    assert (
        facts["owner"]["unread"] == 2 and facts["teammate"]["unread"] == 1 and facts["admin"]["unread"] == 0
    )
    assert facts["east_manager"]["subtree"] == {
        company.east.pk: company.east.path,
        company.east_sales.pk: company.east_sales.path,
    }
    assert company.actor(company.owner).known_subtree(company.east_sales.pk) is None  # no subtree scope


def _pools_named(names: list[str]) -> list[Any]:
    from tandem.customers.models import Pool

    by_name = {pool.name: pool for pool in Pool.objects.all()}
    return [by_name[name] for name in names]


def test_a_deactivated_person_or_nobody_reads_nothing(company: World, django_assert_num_queries) -> None:
    gone = User.objects.get(pk=company.gone.pk)
    with django_assert_num_queries(0):
        assert Actor.for_user(None).user is None
        assert Actor.for_user(gone).user is None


def test_a_fact_forgotten_within_a_request_is_asked_again(company: World, django_assert_num_queries) -> None:
    actor = company.actor(company.manager)
    assert record_grants.on_any_team(actor)
    RecordMember.objects.filter(user=company.manager).delete()
    assert record_grants.on_any_team(actor)  # memoised for the request
    record_grants.forget(actor)
    with django_assert_num_queries(1):
        assert not record_grants.on_any_team(actor)


def test_a_list_without_views_sends_no_query_and_a_new_view_shows_at_once(
    company: World, django_assert_num_queries
) -> None:
    from tandem.core.listing import saved_view_create, saved_views_for

    actor = company.actor(company.teammate)
    with django_assert_num_queries(0):
        assert saved_views_for(actor, "lead") == []
    saved_view_create(actor=actor, resource="lead", name="Hot", query="status=new")
    assert [view.name for view in saved_views_for(actor, "lead")] == ["Hot"]


def test_pages_show_the_unread_count_read_with_the_actor(company: World, client) -> None:
    client.force_login(company.owner)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    assert response.context["request"]._tandem_unread == 2
    counted_apart = [
        q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"] and "core_notification" in q["sql"]
    ]
    assert [sql for sql in counted_apart if not sql.startswith("WITH tandem_mine")] == []


def test_the_statement_names_every_table_through_the_models(company: World) -> None:
    """The statement names every table through the models, so it follows a renamed table."""
    from tandem.core import actor_facts

    statement = actor_facts._statement()
    for model in (Role, RoleGrant, Team, Notification, RecordMember, Handoff):
        assert model._meta.db_table in statement
    assert access.Actor.for_user(User.objects.get(pk=company.owner.pk)).team_ids == {company.east_sales.pk}
