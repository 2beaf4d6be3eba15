"""Bounded pagination: a list counts at most ``max_rows + 1`` rows, without sorting them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.conftest import World
from tandem.core.listing import BoundedPaginator
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User


def test_it_counts_at_most_one_row_past_the_cap_and_without_sorting(world: World) -> None:
    paginator = BoundedPaginator(User.objects.order_by("username"), 2, max_rows=3)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 4 and paginator.is_capped
    (count_sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "LIMIT 4" in count_sql and "ORDER BY" not in count_sql


def test_it_takes_a_known_count_without_a_query_and_keeps_the_cap(world: World) -> None:
    users = User.objects.order_by("username")
    with CaptureQueriesContext(connection) as ctx:
        assert BoundedPaginator(users, 2, max_rows=3, known_count=2).count == 2
        capped = BoundedPaginator(users, 2, max_rows=3, known_count=50)
        assert capped.count == 4 and capped.is_capped
    assert ctx.captured_queries == []


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        ("deals:deal-list", DealFactory),
        ("customers:account-list", AccountFactory),
        ("customers:contact-list", ContactFactory),
        ("leads:lead-list", LeadFactory),
    ],
)
def test_a_list_opens_in_an_order_an_index_serves(world: World, url: str, factory: Any) -> None:
    """Every list opens newest first; at a million rows that is only fast when an index on the
    live rows walks that order (decision 0011): the page's ORDER BY and the index must agree."""
    model = factory._meta.model
    factory(owner=world.manager)
    client = Client()
    client.force_login(world.manager)
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url)).status_code == 200
    pages = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and f'FROM "{table}"' in q["sql"]
        and "LIMIT" in q["sql"]
        and "COUNT(" not in q["sql"]
    ]
    assert pages, f"no page of {table} was read"
    assert f'ORDER BY "{table}"."created_at" DESC, "{table}"."id" DESC' in pages[0]
    served = [
        index
        for index in model._meta.indexes
        if list(index.fields) == ["-created_at", "-id"] and index.condition == Q(deleted_at__isnull=True)
    ]
    assert served, f"{table} has no index on (created_at, id) for its live rows"


@pytest.mark.parametrize("resource", ["deal", "account", "lead"])
def test_someone_who_sees_only_their_own_records_is_offered_only_themselves_without_a_query(
    world: World, resource: str, django_assert_num_queries: Any
) -> None:
    from tandem.core import access
    from tandem.core.listing import owner_options

    rep = world.actor(world.owner)
    assert rep.scope_for(resource) == access.OWN
    with django_assert_num_queries(0):
        offered = owner_options(rep, resource, str(world.teammate.pk))  # another person typed in
    in_scope = list(access.people_in_scope(rep, resource))
    assert [p.pk for p in offered["people"]] == [p.pk for p in in_scope] == [world.owner.pk]
    assert offered["more"] is False and offered["selected"] == str(world.teammate.pk)
    manager = world.actor(world.manager)  # a team scope still reads the people
    assert {p.pk for p in owner_options(manager, resource, None)["people"]} == {
        p.pk for p in access.people_in_scope(manager, resource)
    }
