"""Indexes that only PostgreSQL has (migration deals 0004). That searches use them is measured at
a million deals (bench/README.md); a test table is too small for the planner to prefer them."""

from __future__ import annotations

import pytest
from django.db import connection

from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")


def test_deal_names_have_a_trigram_index_shaped_like_the_name_search(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'deal_name_trgm'")
        (definition,) = cursor.fetchone()
    # icontains runs as UPPER(name::text) LIKE UPPER(%s); the index must be on that expression
    assert "gin_trgm_ops" in definition and "upper((name)::text)" in definition.lower()
    assert "deleted_at IS NULL" in definition
    search_sql = str(Deal.objects.filter(name__icontains="x").query)
    assert 'UPPER("deals_deal"."name"::text)' in search_sql
    DealFactory(owner=world.owner, name="Harbour crane 上海港")
    DealFactory(owner=world.owner, name="Office chairs")
    assert list(Deal.objects.filter(name__icontains="crane 上海").values_list("name", flat=True)) == [
        "Harbour crane 上海港"
    ]
