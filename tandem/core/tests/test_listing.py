"""Bounded pagination: a list counts at most ``max_rows + 1`` rows, without sorting them."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.core.listing import BoundedPaginator
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
