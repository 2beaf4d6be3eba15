"""`tandem bench-data` at a small size: on PostgreSQL it loads with the summary triggers off and
the big tables' secondary indexes dropped, then rebuilds both; what it leaves must be exactly what
the triggers would have kept (bench/generate.py)."""

from __future__ import annotations

import io
import os
import platform

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench import generate, interpreter
from tandem.activities.models import Activity
from tandem.customers.models import Account, Contact
from tandem.deals import totals
from tandem.deals.models import Deal, DealStageHistory
from tandem.kpis import summary
from tandem.org.models import User

TABLES = (
    "deals_deal",
    "activities_activity",
    "customers_account",
    "customers_contact",
    "deals_dealstagehistory",
)


def _indexes() -> dict[str, list[tuple[str, str]]]:
    if connection.vendor != "postgresql":
        return {}
    return {table: generate.secondary_indexes(table) for table in TABLES}


@pytest.mark.django_db
def test_bench_data_leaves_totals_summaries_indexes_and_triggers_as_the_rows_say() -> None:
    indexes_before = _indexes()
    call_command("bench_data", people=12, accounts=60, deals=400, activities=900, stdout=io.StringIO())

    assert Deal.objects.count() == 400
    assert Account.objects.count() == 60 and Contact.objects.count() == 180
    assert Activity.objects.count() == 900
    assert DealStageHistory.objects.count() >= 400
    assert totals.differences() == []
    for found in summary.SUMMARIES:
        assert found.differences() == [], found.name
    assert totals.installed_triggers() == set(totals.TRIGGERS)
    for found in summary.SUMMARIES:
        assert found.installed_triggers() == set(found.triggers), found.name
    assert _indexes() == indexes_before  # every index built again, as it was
    admin = User.objects.get(username="bench-admin")
    assert admin.is_superuser and admin.is_active  # `tandem bench` needs no other step
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"


@pytest.mark.django_db
def test_triggers_keep_working_after_bench_data() -> None:
    call_command("bench_data", people=12, accounts=20, deals=50, activities=50, stdout=io.StringIO())
    deal = Deal.objects.order_by("id").first()
    assert deal is not None
    Deal.objects.filter(pk=deal.pk).update(amount=(deal.amount or 0) + 1000)
    recycled = list(Deal.objects.order_by("-id").values_list("pk", flat=True)[:3])
    Deal.objects.filter(pk__in=recycled).update(deleted_at=timezone.now())
    assert totals.differences() == []
    for found in summary.SUMMARIES:
        assert found.differences() == [], found.name


@pytest.mark.django_db(transaction=True)
def test_indexes_are_built_again_two_at_a_time_outside_a_transaction() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("secondary indexes are dropped and rebuilt on PostgreSQL only")
    before = _indexes()
    saved = [found for table in ("deals_deal", "customers_account") for found in before[table]]
    assert len(saved) > 4
    with connection.cursor() as cursor:
        for name, _ddl in saved:
            cursor.execute(f'DROP INDEX "{name}"')
    assert _indexes()["deals_deal"] == []
    logged: list[str] = []

    generate.build_indexes(saved, log=logged.append)

    assert _indexes() == before
    # A statement that fails stops the builders and is raised here; the others are kept.
    broken = [("bad", "CREATE INDEX bad ON deals_deal USING btree (no_such_column)")]
    with pytest.raises(Exception, match="no_such_column"):
        generate.build_indexes(broken)
    assert _indexes() == before


def test_the_benchmarks_say_which_python_they_ran_on() -> None:
    text = interpreter()
    assert text.startswith(f"Python {platform.python_version()} (")
    assert os.path.isfile(text.removeprefix(f"Python {platform.python_version()} (").removesuffix(")"))
