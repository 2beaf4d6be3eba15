"""The board's pre-aggregated totals (docs/decisions/0009): the triggers keep them equal to the
live deals whatever path changes a deal; compaction keeps every answer; the board reads them
for each person's scope exactly as it would read the deals.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.conftest import World
from tandem.core import access
from tandem.core.services import record_purge, record_restore, record_soft_delete
from tandem.deals import selectors, services, totals
from tandem.deals.filters import DealFilter
from tandem.deals.models import Deal, DealStageTotal, Stage, StageKind
from tandem.deals.tasks import compact_stage_totals
from tandem.deals.tests.factories import DealFactory, pipeline, stage_named
from tandem.org.models import Team, User
from tandem.org.services import person_transfer, team_delete
from tandem.org.tests.factories import TeamFactory


def _open_ids() -> list[int]:
    return list(Stage.objects.filter(pipeline=pipeline(), kind=StageKind.OPEN).values_list("pk", flat=True))


def _filterset(user: User, filters: dict[str, Any] | None = None) -> DealFilter:
    request = RequestFactory().get("/")
    request.user = user
    deals = selectors.deal_queryset(access.get_actor(request)).filter(pipeline=pipeline())
    return DealFilter(filters or {}, queryset=deals, request=request)


def _live(user: User, filters: dict[str, Any] | None = None) -> dict[int, dict[str, Any]]:
    filterset = _filterset(user, filters)
    assert filterset.is_valid()
    return selectors.column_totals(filterset.qs, _open_ids())


def _summed(user: User, filters: dict[str, Any] | None = None) -> dict[int, dict[str, Any]]:
    filterset = _filterset(user, filters)
    actor = access.Actor.for_user(user)
    assert selectors.stage_totals_summary(actor, filterset) is not None
    return selectors.board_totals(actor, filterset.qs, _open_ids(), filterset)


def test_the_triggers_count_every_way_a_deal_changes(world: World) -> None:
    admin = world.actor(world.admin)
    qualification, proposal = stage_named("Qualification"), stage_named("Proposal")
    deal = DealFactory(owner=world.owner, amount=Decimal("100.50"), budget=Decimal("1"))
    other = DealFactory(owner=world.teammate, amount=Decimal("7"), currency="USD")
    assert totals.differences() == []

    services.deal_move(actor=admin, deal=deal, stage=proposal)  # moved
    Deal.objects.filter(pk=other.pk).update(amount=Decimal("8.25"), currency="EUR")  # a raw update
    Deal.objects.filter(pk=deal.pk).update(last_follow_up_at=timezone.now())  # no key changes
    assert totals.differences() == []

    record_soft_delete(actor=admin, obj=deal)  # to the recycle bin
    assert totals.differences() == []
    assert not selectors.column_totals(Deal.objects.filter(pk=deal.pk), [proposal.pk])[proposal.pk]["count"]
    record_restore(actor=admin, obj=Deal.all_objects.get(pk=deal.pk))
    assert totals.differences() == []

    person_transfer(actor=admin, source=world.teammate, target=world.owner, reason="leaving")  # re-owned
    assert totals.differences() == []

    team = TeamFactory(name="Short-lived")
    Deal.objects.filter(pk=deal.pk).update(team=team)
    team_delete(actor=admin, team=team)
    record_purge(actor=admin, obj=Team.all_objects.get(pk=team.pk))  # the deal's team: SET_NULL
    assert Deal.objects.get(pk=deal.pk).team_id is None
    assert totals.differences() == []

    record_soft_delete(actor=admin, obj=Deal.objects.get(pk=other.pk))
    record_purge(actor=admin, obj=Deal.all_objects.get(pk=other.pk))  # gone for good
    Deal.objects.bulk_create(  # as an import writes them
        [
            Deal(name=f"Bulk {i}", owner=world.owner, stage=qualification, pipeline=pipeline())
            for i in range(3)
        ]
    )
    assert totals.differences() == []


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["create", "move", "owner", "amount", "currency", "delete", "restore", "purge", "bulk"]
        ),
        st.integers(0, 50),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, compact_after=st.integers(0, 12))
def test_totals_equal_the_deals_after_any_changes_and_compaction(
    world: World, operations: list[tuple[str, int]], compact_after: int
) -> None:
    people = [world.owner, world.teammate, world.two_teams]
    stages = list(pipeline().stages.order_by("order"))
    for step, (operation, n) in enumerate(operations):
        deals = list(Deal.all_objects.order_by("id"))
        deal = deals[n % len(deals)] if deals else None
        if operation == "create" or deal is None:
            DealFactory(owner=people[n % 3], amount=Decimal(n) + Decimal("0.25"))
        elif operation == "move":
            Deal.all_objects.filter(pk=deal.pk).update(stage=stages[n % len(stages)])
        elif operation == "owner":
            Deal.all_objects.filter(pk=deal.pk).update(owner=people[n % 3], team=None if n % 2 else deal.team)
        elif operation == "amount":
            Deal.all_objects.filter(pk=deal.pk).update(amount=Decimal(n * 3))
        elif operation == "currency":
            Deal.all_objects.filter(pk=deal.pk).update(currency=["CNY", "USD"][n % 2])
        elif operation == "delete":
            Deal.all_objects.filter(pk=deal.pk).update(deleted_at=timezone.now())
        elif operation == "restore":
            Deal.all_objects.filter(pk=deal.pk).update(deleted_at=None)
        elif operation == "purge":
            Deal.all_objects.filter(pk=deal.pk).delete()
        else:  # many rows in one statement
            Deal.all_objects.filter(id__gte=deal.pk).update(stage=stages[n % len(stages)], amount=Decimal(n))
        if step == compact_after:
            totals.compact()
        assert totals.differences() == []
    left = totals.compact()
    assert totals.differences() == []
    keys = set(DealStageTotal.objects.values_list("stage_id", "owner_id", "team_id", "currency"))
    assert left == len(keys)  # one row per key once compacted
    assert not DealStageTotal.objects.filter(deals=0, amount=0).exists()


def test_compaction_folds_deltas_and_is_idempotent(world: World) -> None:
    deal = DealFactory(owner=world.owner, amount=Decimal("10"))
    for stage in ("Proposal", "Qualification", "Proposal"):
        Deal.objects.filter(pk=deal.pk).update(stage=stage_named(stage))
    assert DealStageTotal.objects.count() > 1
    assert compact_stage_totals.apply().get() == 1  # the scheduled task
    assert totals.compact() == 1
    row = DealStageTotal.objects.get()
    assert (row.stage_id, row.owner_id, row.deals, row.amount) == (
        stage_named("Proposal").pk,
        world.owner.pk,
        1,
        Decimal("10.00"),
    )


def test_it_puts_missing_triggers_back_and_refills_the_table(world: World) -> None:
    """SQLite drops a table's triggers when a migration rebuilds it; post_migrate heals that."""
    DealFactory(owner=world.owner)
    totals.uninstall(connection)
    assert totals.installed_triggers() == set()
    DealFactory(owner=world.owner)  # not counted: no triggers
    assert totals.differences() != []
    assert totals.ensure_triggers() is True
    assert totals.installed_triggers() == set(totals.TRIGGERS)
    assert totals.differences() == []
    assert totals.ensure_triggers() is False


def test_the_deal_totals_command_checks_rebuilds_and_compacts(world: World, capsys: Any) -> None:
    DealFactory(owner=world.owner)
    DealStageTotal.objects.all().delete()  # as after restoring a dump taken without the table
    with pytest.raises(SystemExit):
        call_command("deal_totals", "--check")
    assert "differ" in capsys.readouterr().err
    call_command("deal_totals", "--rebuild")
    call_command("deal_totals", "--check")
    assert "agree" in capsys.readouterr().out
    call_command("deal_totals")  # compacts
    assert "1 row" in capsys.readouterr().out


PEOPLE = [
    "owner",
    "teammate",
    "manager",
    "east_manager",
    "sibling_manager",
    "outsider",
    "director",
    "support",
]


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_gets_the_same_totals_from_the_summary_as_from_their_deals(
    world: World, who: str
) -> None:
    DealFactory(owner=world.owner, amount=Decimal("100"))
    DealFactory(owner=world.owner, stage=stage_named("Proposal"), amount=Decimal("5"), currency="USD")
    DealFactory(owner=world.teammate, amount=Decimal("40"))
    DealFactory(owner=world.two_teams, amount=Decimal("3"))
    DealFactory(owner=world.sibling_manager, amount=Decimal("9"))
    DealFactory(owner=world.owner, team=None, amount=Decimal("1"))
    gone = DealFactory(owner=world.owner, amount=Decimal("1000"))
    Deal.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    user = getattr(world, who)
    assert _summed(user) == _live(user)
    for filters in ({"owner": world.owner.pk}, {"team": world.east.pk}):
        if _filterset(user, filters).is_valid():
            assert _summed(user, filters) == _live(user, filters)
        else:  # a person or team this person may not pick: the board shows nothing
            assert selectors.stage_totals_summary(world.actor(user), _filterset(user, filters)) is None


def test_the_manager_sees_the_subtree_and_the_outsider_nothing(world: World) -> None:
    DealFactory(owner=world.owner, amount=Decimal("100"))
    DealFactory(owner=world.teammate, amount=Decimal("40"))
    qualification = stage_named("Qualification").pk
    manager = _summed(world.manager)[qualification]
    assert manager["count"] == 2 and manager["totals"] == {"CNY": Decimal("140.00")}
    assert _summed(world.owner)[qualification]["count"] == 1
    assert _summed(world.outsider)[qualification] == {"count": 0, "totals": {}}


def test_filters_the_summary_cannot_answer_read_the_deals(world: World) -> None:
    DealFactory(owner=world.owner, name="Alpha", amount=Decimal("1"))
    DealFactory(owner=world.owner, name="Beta", amount=Decimal("2"))
    actor = world.actor(world.owner)
    for filters in (
        {"q": "Alpha"},
        {"amount_min": "2"},
        {"expected_close_date_after": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
        {"owner": "not a number"},
    ):
        assert selectors.stage_totals_summary(actor, _filterset(world.owner, filters)) is None
    filterset = _filterset(world.owner, {"q": "Alpha"})
    found = selectors.board_totals(actor, filterset.qs, _open_ids(), filterset)
    assert found[stage_named("Qualification").pk]["count"] == 1


def test_a_visibility_extension_turns_the_summary_off(world: World) -> None:
    """Deals seen by more than owner and team (record teams, later) cannot be summed per owner."""
    shared = DealFactory(owner=world.sibling_manager, name="Shared")
    resource = access.RESOURCES["deal"]

    def shared_with_teammate(actor: access.Actor, action: str, scope: str) -> Any:
        from django.db.models import Q

        return Q(pk=shared.pk) if actor.id == world.teammate.pk else None

    resource.extensions.append(shared_with_teammate)
    try:
        actor = world.actor(world.teammate)
        assert access.visible_summary(actor, "deal", DealStageTotal.objects.all()) is None
        assert selectors.stage_totals_summary(actor) is None
        body = _board(world.teammate)
        assert "Shared" in body and "1 deal" in body
    finally:
        resource.extensions.remove(shared_with_teammate)


def _board(user: User, **params: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("deals:board"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_reads_no_deal_to_count_its_columns(world: World) -> None:
    for _ in range(3):
        DealFactory(owner=world.owner, amount=Decimal("10"))
    with CaptureQueriesContext(connection) as ctx:
        body = _board(world.manager)
    assert "3 deals" in body and "¥30.00" in body
    aggregates = [q["sql"] for q in ctx.captured_queries if "SUM(" in q["sql"].upper()]
    assert aggregates and all("deals_dealstagetotal" in sql for sql in aggregates)
    with CaptureQueriesContext(connection) as ctx:
        body = _board(world.manager, q="Deal")
    assert "3 deals" in body
    aggregates = [q["sql"] for q in ctx.captured_queries if "SUM(" in q["sql"].upper()]
    assert aggregates and not any("deals_dealstagetotal" in sql for sql in aggregates)


@pytest.mark.parametrize("who", ["owner", "teammate", "manager", "sibling_manager", "outsider"])
def test_the_deals_list_counts_from_the_summary_as_it_would_from_the_deals(world: World, who: str) -> None:
    DealFactory(owner=world.owner)
    DealFactory(owner=world.owner, stage=stage_named("Proposal"))
    DealFactory(owner=world.teammate, stage=stage_named("Won"))
    DealFactory(owner=world.sibling_manager)
    user = getattr(world, who)
    for filters in (
        {},
        {"stage": stage_named("Proposal").pk},
        {"pipeline": pipeline().pk},
        {"owner": world.owner.pk, "team": world.east.pk},
    ):
        filterset = _filterset(user, filters)
        if not filterset.is_valid():  # a person this one may not pick: the list shows nothing
            continue
        counted = selectors.deal_count(world.actor(user), filterset)
        assert counted is not None and counted == filterset.qs.count()


def test_the_deals_list_counts_the_deals_when_a_filter_needs_them(world: World) -> None:
    DealFactory(owner=world.owner, name="Alpha")
    DealFactory(owner=world.owner, name="Beta")
    for filters in ({"q": "Alpha"}, {"status": "open"}, {"amount_max": "5"}):
        assert selectors.deal_count(world.actor(world.owner), _filterset(world.owner, filters)) is None
    client = Client()
    client.force_login(world.owner)
    body = client.get(reverse("deals:deal-list"), {"q": "Alpha"}).content.decode()
    assert "Alpha" in body and ">Beta<" not in body


def test_the_deals_list_takes_its_count_from_the_summary(world: World) -> None:
    for _ in range(3):
        DealFactory(owner=world.owner)
    client = Client()
    client.force_login(world.manager)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("deals:deal-list"), {"stage": stage_named("Qualification").pk})
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not any("deals_deal" in sql for sql in counts)
    assert any("deals_dealstagetotal" in q["sql"] for q in ctx.captured_queries)
    assert response.context["page_obj"].paginator.count == 3
