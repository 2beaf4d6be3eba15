"""The monthly summaries (docs/decisions/0018): triggers keep them equal to the live deals and
follow-ups whatever path changes one; compaction keeps every answer; and every figure read from
them equals the same figure computed from the records, for each person's scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core.services import record_purge, record_restore, record_soft_delete
from tandem.deals import services as deal_services
from tandem.deals.models import Deal, DealStageHistory
from tandem.deals.tests.factories import DealFactory, pipeline, stage_named
from tandem.kpis import engine, summary
from tandem.kpis.engine import Scope
from tandem.kpis.models import ActivityMonthTotal, DealMonthTotal, ExchangeRate, FunnelTotal
from tandem.kpis.tasks import compact_month_totals
from tandem.kpis.tests.factories import kpi
from tandem.org.services import person_transfer

D = datetime.date


def _agree() -> None:
    for kept in summary.SUMMARIES:
        assert kept.differences() == [], kept.name


def test_the_triggers_follow_every_way_a_deal_changes(world: World) -> None:
    admin = world.actor(world.admin)
    deal = DealFactory(owner=world.owner, amount=Decimal("100.50"), opened_on=D(2026, 1, 5))
    other = DealFactory(owner=world.teammate, amount=None, currency="USD", opened_on=D(2026, 2, 1))
    _agree()

    deal_services.deal_move(actor=admin, deal=deal, stage=stage_named("Needs analysis"))  # a stay begins
    deal_services.deal_move(actor=admin, deal=deal, stage=stage_named("Won"))  # closed today
    Deal.objects.filter(pk=other.pk).update(amount=Decimal("8.25"), closed_on=D(2026, 3, 3), status="lost")
    Deal.objects.filter(pk=deal.pk).update(last_follow_up_at=timezone.now())  # nothing counted changes
    _agree()
    record_soft_delete(actor=admin, obj=Deal.objects.get(pk=deal.pk))
    _agree()
    record_restore(actor=admin, obj=Deal.all_objects.get(pk=deal.pk))
    person_transfer(actor=admin, source=world.teammate, target=world.owner, reason="leaving")
    _agree()
    record_soft_delete(actor=admin, obj=Deal.objects.get(pk=other.pk))
    record_purge(actor=admin, obj=Deal.all_objects.get(pk=other.pk))
    Deal.objects.bulk_create(
        [
            Deal(
                name=f"Bulk {i}",
                owner=world.owner,
                stage=stage_named("Lost"),
                pipeline=pipeline(),
                status="lost",
                opened_on=D(2025, 12, 1),
                closed_on=D(2026, 1, i + 1),
                amount=Decimal(i),
            )
            for i in range(3)
        ]
    )
    _agree()


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "close",
                "reopen",
                "owner",
                "amount",
                "unknown",
                "currency",
                "opened",
                "delete",
                "restore",
                "purge",
                "bulk",
                "stay",
                "unstay",
                "restay",
            ]
        ),
        st.integers(0, 60),
    ),
    max_size=12,
)
DAYS = [
    D(2025, 12, 31),
    D(2026, 1, 1),
    D(2026, 1, 15),
    D(2026, 1, 31),
    D(2026, 2, 14),
    D(2026, 3, 31),
    D(2026, 4, 2),
]
RANGES = [
    (D(2026, 1, 1), D(2026, 3, 31)),  # whole months
    (D(2026, 1, 15), D(2026, 3, 31)),  # a partial first month
    (D(2026, 1, 1), D(2026, 2, 14)),  # a partial last month
    (D(2026, 1, 10), D(2026, 1, 20)),  # inside one month
    (D(2025, 12, 31), D(2026, 4, 2)),  # partial at both ends
]
PEOPLE = ["owner", "manager", "director"]


def _apply(world: World, operation: str, n: int) -> None:
    people = [world.owner, world.teammate, world.outsider]
    stages = list(pipeline().stages.order_by("order"))
    deals = list(Deal.all_objects.order_by("id"))
    deal = deals[n % len(deals)] if deals else None
    day = DAYS[n % len(DAYS)]
    if operation == "create" or deal is None:
        DealFactory(
            owner=people[n % 3],
            amount=Decimal(n) + Decimal("0.25"),
            opened_on=DAYS[(n + 3) % len(DAYS)],
            currency=["CNY", "USD"][n % 2],
        )
        return
    rows = Deal.all_objects.filter(pk=deal.pk)
    if operation == "close":
        rows.update(status=["won", "lost"][n % 2], stage=stages[-1 - n % 2], closed_on=day)
    elif operation == "reopen":
        rows.update(status="open", stage=stages[0], closed_on=None)
    elif operation == "owner":
        rows.update(owner=people[n % 3], team=None if n % 2 else deal.team)
    elif operation == "amount":
        rows.update(amount=Decimal(n * 3))
    elif operation == "unknown":
        rows.update(amount=None)
    elif operation == "currency":
        rows.update(currency=["CNY", "USD"][n % 2])
    elif operation == "opened":
        rows.update(opened_on=None if n % 5 == 0 else day)
    elif operation == "delete":
        rows.update(deleted_at=timezone.now())
    elif operation == "restore":
        rows.update(deleted_at=None)
    elif operation == "purge":
        rows.delete()
    elif operation == "stay":  # the deal enters a stage (again, perhaps)
        DealStageHistory.objects.create(deal=deal, stage=stages[n % len(stages)], entered_at=timezone.now())
    elif operation in ("unstay", "restay"):
        stay = DealStageHistory.objects.filter(deal=deal).order_by("id").first()
        if stay is not None and operation == "unstay":
            stay.delete()
        elif stay is not None:  # a stay re-pointed (no code does this; the triggers still follow)
            DealStageHistory.objects.filter(pk=stay.pk).update(stage=stages[n % len(stages)])
    else:  # many rows in one statement
        Deal.all_objects.filter(id__gte=deal.pk).update(closed_on=day, status="won", amount=Decimal(n))
        DealStageHistory.objects.filter(deal_id__gte=deal.pk).update(stage=stages[n % len(stages)])


ZONE = timezone.get_default_timezone()
INSTANTS = [
    datetime.datetime(2025, 12, 31, 23, 30, tzinfo=ZONE),  # December here, still December in UTC
    datetime.datetime(2026, 1, 1, 0, 30, tzinfo=ZONE),  # January here, December in UTC
    datetime.datetime(2026, 1, 31, 23, 59, tzinfo=ZONE),
    datetime.datetime(2026, 3, 31, 12, 0, tzinfo=ZONE),
    datetime.datetime(2026, 4, 1, 7, 0, tzinfo=ZONE),  # April here, March in UTC
]


def _follow_up(world: World, operation: str, n: int) -> None:
    """Follow-ups change alongside: logged, moved in time, re-kinded, re-authored, deleted."""
    people = [world.owner, world.teammate, world.outsider]
    found = list(Activity.all_objects.order_by("id"))
    activity = found[n % len(found)] if found else None
    rows = Activity.all_objects.filter(pk=activity.pk) if activity else None
    if operation in ("create", "bulk") or rows is None:
        ActivityFactory(
            author=people[n % 3], occurred_at=INSTANTS[n % len(INSTANTS)], kind=["call", "visit"][n % 2]
        )
    elif operation in ("close", "opened"):
        rows.update(occurred_at=INSTANTS[(n + 1) % len(INSTANTS)])
    elif operation == "currency":
        rows.update(kind=["call", "visit", "email"][n % 3])
    elif operation == "owner":
        rows.update(author=people[n % 3], team=None if n % 2 else activity.team)
    elif operation == "delete":
        rows.update(deleted_at=timezone.now())
    elif operation == "restore":
        rows.update(deleted_at=None)
    elif operation == "purge":
        rows.delete()


def _figures(world: World) -> list[Any]:
    """Figures that read the summary where they can: per person, range and KPI, grouped and not."""
    found: list[Any] = []
    for name in PEOPLE:
        actor = world.actor(getattr(world, name))
        for start, end in RANGES:
            for code in ("won_amount", "win_rate", "new_pipeline", "lost_deals", "follow_ups"):
                found.append(engine.figure(actor=actor, kpi=kpi(code), start=start, end=end))
                found.append(
                    engine.figures(actor=actor, kpi=kpi(code), start=start, end=end, group_by="owner")
                )
            found.append(
                engine.figures(
                    actor=actor,
                    kpi=kpi("won_amount"),
                    start=start,
                    end=end,
                    group_by="month",
                    scope=Scope(team_id=world.east.pk),
                )
            )
            for group in ("owner", "stage", "close_month"):
                found.append(
                    engine.deal_breakdown(
                        actor=actor, group_by=group, filters={"closed_from": start, "closed_to": end}
                    )
                )
                found.append(
                    engine.deal_breakdown(
                        actor=actor, group_by=group, filters={"opened_from": start, "closed_to": end}
                    )
                )
        found.append(engine.deal_breakdown(actor=actor, group_by="team"))
        for start, end in RANGES[:3]:
            found.append(engine.funnel(actor=actor, start=start, end=end))
            found.append(
                engine.funnel(actor=actor, start=start, end=end, scope=Scope(owner_id=world.owner.pk))
            )
        found.append(engine.open_pipeline(actor=actor, on=D(2026, 1, 1)))
        found.append(
            engine.open_pipeline(actor=actor, scope=Scope(team_id=world.east_sales.pk), on=D(2026, 1, 1))
        )
    return found


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, compact_after=st.integers(0, 12))
def test_the_summary_equals_the_deals_after_any_changes_and_so_do_the_figures(
    world: World, operations: list[tuple[str, int]], compact_after: int
) -> None:
    ExchangeRate.objects.get_or_create(month=D(2026, 1, 1), currency="USD", defaults={"rate": Decimal("7")})
    for step, (operation, n) in enumerate(operations):
        _apply(world, operation, n)
        _follow_up(world, operation, n)
        if step == compact_after:
            summary.compact()
        for kept in summary.SUMMARIES:
            assert kept.differences() == [], kept.name
    assert summary.compact() == (
        DealMonthTotal.objects.count() + ActivityMonthTotal.objects.count() + FunnelTotal.objects.count()
    )
    for kept in summary.SUMMARIES:
        assert kept.differences() == [], kept.name
    from_summary = _figures(world)
    with engine.reading_records_only():
        from_deals = _figures(world)
    assert from_summary == from_deals


def test_whole_months_are_read_from_the_summary_and_only_the_edges_from_the_deals(world: World) -> None:
    DealFactory(owner=world.owner, stage=stage_named("Won"), closed_on=D(2026, 2, 2), amount=Decimal("5"))
    actor = world.actor(world.manager)
    with pytest.MonkeyPatch.context() as patch:
        touched: list[Any] = []
        original = engine._record_tallies

        def spy(qs: Any, *args: Any) -> Any:
            touched.append(qs)
            return original(qs, *args)

        patch.setattr(engine, "_record_tallies", spy)
        quarter = engine.figure(actor=actor, kpi=kpi("won_amount"), start=D(2026, 1, 1), end=D(2026, 3, 31))
        assert touched == []  # no deal read at all for a whole quarter
        edge = engine.figure(actor=actor, kpi=kpi("won_amount"), start=D(2026, 1, 1), end=D(2026, 3, 15))
        assert len(touched) == 1 and "2026-03-01" in str(touched[0].query)
    assert quarter.value == edge.value == Decimal("5.00")


def test_month_split_names_whole_months_and_partial_edges() -> None:
    split = engine.month_split
    assert split(D(2026, 1, 1), D(2026, 3, 31)) == ((D(2026, 1, 1), D(2026, 3, 1)), [])
    assert split(D(2026, 1, 2), D(2026, 3, 30)) == (
        (D(2026, 2, 1), D(2026, 2, 1)),
        [(D(2026, 1, 2), D(2026, 1, 31)), (D(2026, 3, 1), D(2026, 3, 30))],
    )
    assert split(D(2026, 1, 2), D(2026, 2, 27)) == (
        None,
        [(D(2026, 1, 2), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 27))],
    )
    assert split(D(2026, 1, 2), D(2026, 1, 9)) == (None, [(D(2026, 1, 2), D(2026, 1, 9))])
    assert split(D(2026, 2, 1), D(2026, 2, 28)) == ((D(2026, 2, 1), D(2026, 2, 1)), [])
    assert split(None, None) == ((None, None), [])
    assert split(D(2026, 1, 2), None) == ((D(2026, 2, 1), None), [(D(2026, 1, 2), D(2026, 1, 31))])
    assert split(None, D(2026, 1, 30)) == ((None, D(2025, 12, 1)), [(D(2026, 1, 1), D(2026, 1, 30))])


def test_compaction_folds_deltas_and_is_idempotent(world: World) -> None:
    deal = DealFactory(owner=world.owner, amount=Decimal("10"), opened_on=D(2026, 1, 5))
    for amount in ("20", "30", "10"):
        Deal.objects.filter(pk=deal.pk).update(amount=Decimal(amount))
    assert DealMonthTotal.objects.count() > 1
    assert compact_month_totals.apply().get() == 1  # the scheduled task
    assert summary.compact() == 1
    row = DealMonthTotal.objects.get()
    assert (row.owner_id, row.opened_month, row.closed_month, row.deals, row.amount) == (
        world.owner.pk,
        D(2026, 1, 1),
        None,
        1,
        Decimal("10.00"),
    )


SUMMARY_MODELS = {"deal_month": ("deal", DealMonthTotal), "activity_month": ("activity", ActivityMonthTotal)}


def _records(world: World) -> None:
    """A deal that entered a stage, and a follow-up: something for every summary to count."""
    deal = DealFactory(owner=world.owner, opened_on=D(2026, 1, 1))
    DealStageHistory.objects.create(deal=deal, stage=deal.stage, entered_at=timezone.now())
    ActivityFactory(author=world.owner)


@pytest.mark.parametrize("kept", summary.SUMMARIES, ids=lambda s: s.name)
def test_it_puts_missing_triggers_back_and_refills_the_table(world: World, kept: summary.Summary) -> None:
    _records(world)
    kept.uninstall(connection)
    assert kept.installed_triggers() == set()
    source, model = SUMMARY_MODELS.get(kept.name, ("deal", FunnelTotal))
    assert engine.summary_rows(world.actor(world.admin), source, Scope(), (model, kept)) is None
    _records(world)  # not counted: no triggers
    assert kept.differences() != []
    assert kept.ensure_triggers() is True
    assert kept.installed_triggers() == set(kept.triggers)
    assert kept.differences() == []
    assert kept.ensure_triggers() is False


def test_the_follow_up_months_follow_the_company_time_zone(world: World, settings: Any) -> None:
    """Written into the triggers: another zone means other months, so the summary is refilled
    for it and, until then, figures read the follow-ups themselves."""
    ActivityFactory(author=world.owner, occurred_at=datetime.datetime(2026, 1, 1, 0, 30, tzinfo=ZONE))
    actor = world.actor(world.admin)
    january = (D(2026, 1, 1), D(2026, 1, 31))
    assert engine.figure(actor=actor, kpi=kpi("follow_ups"), start=january[0], end=january[1]).value == 1
    settings.TIME_ZONE = "UTC"  # 2025-12-31 16:30 there
    summary._CURRENT.clear()
    assert summary.FOLLOW_UPS.installed_triggers() == set()
    assert engine.summary_rows(actor, "activity", Scope()) is None
    assert engine.figure(actor=actor, kpi=kpi("follow_ups"), start=january[0], end=january[1]).value == 0
    assert summary.ensure_triggers() == ["activity_month"]
    assert ActivityMonthTotal.objects.get().month == D(2025, 12, 1)
    assert engine.summary_rows(actor, "activity", Scope()) is not None
    settings.TIME_ZONE = "Asia/Shanghai"
    assert summary.ensure_triggers() == ["activity_month"]


def test_the_kpi_totals_command_checks_rebuilds_and_compacts(world: World, capsys: Any) -> None:
    DealFactory(owner=world.owner)
    ActivityFactory(author=world.owner)
    DealMonthTotal.objects.all().delete()  # as after restoring a dump taken without the table
    with pytest.raises(SystemExit):
        call_command("kpi_totals", "--check")
    assert "differ" in capsys.readouterr().err
    call_command("kpi_totals", "--rebuild")
    call_command("kpi_totals", "--check")
    assert "agree" in capsys.readouterr().out
    call_command("kpi_totals")
    assert "2 row" in capsys.readouterr().out


def test_touching_edges_are_read_as_one_range() -> None:
    # A week across the first of a month is two partial months; the records are read in one
    # range so an index on the date walks it in one pass (issue 12, the manager's home page).
    assert engine._contiguous([(D(2026, 11, 30), D(2026, 11, 30)), (D(2026, 12, 1), D(2026, 12, 5))]) == [
        (D(2026, 11, 30), D(2026, 12, 5))
    ]
    apart = [(D(2026, 1, 2), D(2026, 1, 31)), (D(2026, 3, 1), D(2026, 3, 30))]
    assert engine._contiguous(apart) == apart


def test_a_week_across_a_month_start_counts_both_sides(world: World) -> None:
    before = ActivityFactory(
        author=world.owner, occurred_at=timezone.make_aware(datetime.datetime(2026, 11, 30, 9))
    )
    after = ActivityFactory(
        author=world.owner, occurred_at=timezone.make_aware(datetime.datetime(2026, 12, 4, 9))
    )
    ActivityFactory(author=world.owner, occurred_at=timezone.make_aware(datetime.datetime(2026, 12, 6, 9)))
    assert before.pk and after.pk
    actor = world.actor(world.owner)
    fig = engine.figure(actor=actor, kpi=kpi("follow_ups"), start=D(2026, 11, 30), end=D(2026, 12, 5))
    assert fig.count == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("who", "code", "group_by", "index"),
    [
        ("owner", "won_amount", None, "kpi_deal_owner_closed"),
        ("owner", "new_pipeline", None, "kpi_deal_owner_opened"),
        ("director", "won_amount", "team", "kpi_deal_closed_cover"),
        ("director", "won_deals", "owner", "kpi_deal_closed_cover"),
        ("director", "new_pipeline", "team", "kpi_deal_opened_cover"),
    ],
)
def test_a_dashboards_summary_reads_need_only_the_covering_index(
    world: World, who: str, code: str, group_by: str | None, index: str
) -> None:
    """A quarter's figures read the month totals through an index that holds every column the
    sum needs (issue 12): were a summed column left out of it, PostgreSQL would fetch scattered
    table pages again. Sequential and bitmap scans are disabled so the plan shows the choice."""
    DealFactory(owner=world.owner, stage=stage_named("Won"), closed_on=D(2026, 2, 2), amount=Decimal("5"))
    user = world.owner if who == "owner" else world.admin
    scope = Scope(owner_id=world.owner.pk) if who == "owner" else Scope()
    actor = world.actor(user)
    plans: list[str] = []

    def explain(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "kpis_dealmonthtotal" in sql and not sql.startswith("EXPLAIN"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    with connection.execute_wrapper(explain):
        span = {"start": D(2026, 1, 1), "end": D(2026, 3, 31)}
        if group_by is None:
            engine.figure(actor=actor, kpi=kpi(code), scope=scope, **span)
        else:
            engine.figures(actor=actor, kpi=kpi(code), scope=scope, group_by=group_by, **span)
    assert plans, "the figure was not read from the month totals"
    for plan in plans:
        assert f"Index Only Scan using {index}" in plan, plan
