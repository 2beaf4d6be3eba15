"""The deals web UI: list, board and its move endpoint, deal page, deal form, products, pipelines.

Each page is tried as the owner, a teammate, the manager above and an outsider; denied posts
also assert that nothing changed; the list and the board keep a flat query count.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.core import access, listing
from tandem.core.listing import GroupWalk
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals import selectors
from tandem.deals.models import Deal, DealContact, DealLine, DealStatus, Pipeline, Product, Stage
from tandem.deals.tests.factories import DealFactory, ProductFactory, lost_reason_named, pipeline, stage_named
from tandem.deals.views import deal_columns
from tandem.org.models import Role, RoleGrant, User
from tandem.org.tests.factories import TeamFactory, UserFactory


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _deal(world: World, **kwargs: Any) -> Deal:
    kwargs.setdefault("owner", world.owner)
    deal: Deal = DealFactory(**kwargs)
    return deal


def _move(client: Client, deal: Deal, stage: Stage, **data: Any) -> Any:
    return client.post(
        reverse("deals:deal-move", args=[deal.pk]),
        {"stage": stage.pk, "version": deal.version, **data},
        HTTP_ACCEPT="application/json",
    )


# --- List -----------------------------------------------------------------------------------


def test_it_lists_the_deals_each_person_may_see(world: World) -> None:
    deal = _deal(world, name="Owner deal")
    for user, sees in [
        (world.owner, True),
        (world.teammate, False),
        (world.manager, True),
        (world.outsider, False),
    ]:
        response = _client(user).get(reverse("deals:deal-list"))
        assert response.status_code == 200
        assert (deal.name in response.content.decode()) is sees, user


def test_it_filters_the_list_with_the_api_filterset_and_shows_chips(world: World) -> None:
    _deal(world, name="Alpha", amount=Decimal("500"))
    _deal(world, name="Beta", amount=Decimal("50000"))
    response = _client(world.owner).get(reverse("deals:deal-list"), {"amount_min": "1000"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Beta" in body and "Alpha" not in body
    assert "filter-chip" in body


def test_its_filters_offer_all_owners_and_stages_in_the_persons_language(world: World) -> None:
    client = _client(world.manager)
    for url in (reverse("deals:deal-list"), reverse("deals:board")):
        body = client.get(url).content.decode()
        assert "---------" not in body, url
        assert ">All owners</option>" in body, url
    User.objects.filter(pk=world.manager.pk).update(language="zh-hans")
    body = _client(world.manager).get(reverse("deals:deal-list")).content.decode()
    assert ">全部负责人</option>" in body and ">全部阶段</option>" in body


def test_every_column_of_a_row_reads_right_in_each_language(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Harbour & Sons <Ltd>")
    won = _deal(world, name="Crane", account=account, amount=Decimal("1234567.5"), currency="USD")
    _move(_client(world.manager), won, stage_named("Won"))
    _deal(world, name="No account", account=None, amount=None)
    every_column = ",".join(c.key for c in deal_columns())
    client = _client(world.owner)
    body = client.get(reverse("deals:deal-list"), {"cols": every_column, "whose": "all"}).content.decode()
    row = body[body.index(">Crane</a>") : body.index("</tr>", body.index(">Crane</a>"))]
    assert "Harbour &amp; Sons &lt;Ltd&gt;" in row and f'href="/customers/accounts/{account.pk}/"' in row
    assert "$1,234,567.50" in row and "bg-green-lt" in row and "bi-trophy" in row and ">Won<" in row
    assert ">Closed</td>" in row and ">100%</td>" in row and ">never</span>" in row
    assert f">{world.owner.initials}</span>{world.owner.display_name}</td>" in row
    empty = body[body.index(">No account</a>") : body.index("</tr>", body.index(">No account</a>"))]
    assert 'deal-account-cell cell-fact"><span class="text-secondary">—</span>' in empty
    assert "bg-blue-lt" in empty and 'data-label="Expected close"' in empty
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    body = client.get(reverse("deals:deal-list"), {"cols": every_column, "whose": "all"}).content.decode()
    row = body[body.index(">Crane</a>") : body.index("</tr>", body.index(">Crane</a>"))]
    assert ">赢单<" in row and ">从未</span>" in row, row
    created = timezone.localdate(won.created_at)
    assert f">{created:%Y-%m-%d}</td>" in row


def test_each_row_has_a_checkbox_named_for_its_deal_where_bulk_actions_are_offered(world: World) -> None:
    deal = _deal(world, name='Crane "A" <B>')
    body = _client(world.owner).get(reverse("deals:deal-list")).content.decode()
    assert (
        f'<tr><td><input class="form-check-input m-0" type="checkbox" name="ids" value="{deal.pk}" '
        'data-bulk-row aria-label="Select Crane &quot;A&quot; &lt;B&gt;"></td><td class="deal-name-cell'
    ) in body
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    body = _client(world.owner).get(reverse("deals:deal-list")).content.decode()
    assert 'aria-label="选择 Crane &quot;A&quot; &lt;B&gt;"' in body
    viewer = Role.objects.create(code="deal-viewer", name="Deal viewer")
    RoleGrant.objects.create(role=viewer, resource="deal", actions=["view"], scope="all")
    only_views = UserFactory(username="only_views", roles=["deal-viewer"])
    body = _client(only_views).get(reverse("deals:deal-list")).content.decode()
    assert "Crane &quot;A&quot; &lt;B&gt;" in body and "data-bulk-row" not in body


def test_it_answers_400_with_a_message_for_a_bad_filter_value(world: World) -> None:
    response = _client(world.owner).get(reverse("deals:deal-list"), {"amount_min": "lots"})
    assert response.status_code == 400
    assert "alert-danger" in response.content.decode()


def test_it_marks_overdue_and_stale_deals_with_text_not_colour_alone(world: World) -> None:
    deal = _deal(
        world, name="Late one", expected_close_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    body = _client(world.owner).get(reverse("deals:deal-list")).content.decode()
    assert "Overdue" in body and "bi-alarm" in body
    assert "Stale" in body and "bi-hourglass-split" in body


def _list_queries(client: Client) -> int:
    every_column = ",".join(c.key for c in deal_columns())  # a deferred field read per row would show
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("deals:deal-list"), {"cols": every_column})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_deals_with_a_query_count_that_does_not_grow_with_rows(world: World) -> None:
    client = _client(world.manager)
    for _ in range(5):
        _deal(world, account=AccountFactory(owner=world.owner), last_follow_up_at=timezone.now())
    few = _list_queries(client)
    for i in range(45):
        _deal(world, account=AccountFactory(owner=world.owner), probability=i, stage=stage_named("Won"))
    assert _list_queries(client) == few


def _spread_over_stages(world: World) -> list[Deal]:
    """Deals in four stages of the default pipeline and two of a second pipeline whose positions
    repeat the first's, one in the bin and one the manager may not see."""
    other = Pipeline.objects.create(name="Renewals")
    extra = [
        Stage.objects.create(pipeline=other, name="Renewal due", order=1),
        Stage.objects.create(pipeline=other, name="Renewal sent", order=3),
    ]
    stages = [stage_named(n) for n in ("Qualification", "Proposal", "Won", "Lost")] + extra
    deals = [_deal(world, stage=stages[(i * 7) % len(stages)]) for i in range(23)]
    Deal.all_objects.filter(pk=deals[4].pk).update(deleted_at=timezone.now())
    _deal(world, owner=world.outsider, stage=stages[0])
    return deals


def test_the_walk_by_stage_pages_the_same_rows_as_the_plain_sort(world: World) -> None:
    _spread_over_stages(world)
    actor = world.actor(world.manager)
    visible = selectors.deal_list_queryset(actor)
    stages = list(Stage.objects.order_by("order", "id").values_list("id", flat=True))
    for descending in (False, True):
        d = "-" if descending else ""
        plain = list(
            visible.order_by(f"{d}stage__order", f"{d}stage_id", f"{d}id").values_list("id", flat=True)
        )
        assert len(plain) == 22
        walk = GroupWalk(visible, "stage_id", stages, descending=descending)
        for size in (1, 5, 7, 50):
            paged = [row.pk for start in range(0, 30, size) for row in walk[start : start + size]]
            assert paged == plain, (descending, size)
        assert walk[22:29] == [] and walk.order_by().count() == 22


def test_the_list_sorted_by_stage_shows_stages_in_order_in_queries_that_do_not_grow(world: World) -> None:
    deals = _spread_over_stages(world)
    client = _client(world.manager)
    every_column = ",".join(c.key for c in deal_columns())

    def page(sort: str) -> tuple[list[int], int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(
                reverse("deals:deal-list"), {"sort": sort, "whose": "all", "cols": every_column}
            )
        assert response.status_code == 200
        return [d.pk for d in response.context["rows"]], len(ctx.captured_queries)

    shown, few = page("stage")
    visible = selectors.deal_list_queryset(world.actor(world.manager))
    assert shown == list(visible.order_by("stage__order", "stage_id", "id").values_list("id", flat=True))
    assert page("-stage")[0] == shown[::-1]
    by_name = page("name")[1]
    for i in range(30):
        _deal(world, stage=deals[i % 5].stage)
    # Open deals in the second pipeline among them: a forecast category was read a row each.
    assert (page("stage")[1], page("name")[1]) == (few, by_name)


def _spread_over_people(world: World) -> list[Deal]:
    """Deals of four people in two teams (two people share a name; some deals have no team),
    one binned and one the manager may not see."""
    User.objects.filter(pk=world.teammate.pk).update(display_name=world.owner.display_name)
    people = [world.owner, world.teammate, world.manager, world.two_teams]
    deals = []
    for i in range(23):
        deal = _deal(world, owner=people[(i * 3) % len(people)])
        if i % 5 == 0:
            Deal.objects.filter(pk=deal.pk).update(team=None)
        deals.append(deal)
    Deal.all_objects.filter(pk=deals[4].pk).update(deleted_at=timezone.now())
    _deal(world, owner=world.outsider)
    return deals


WALKED = {c.key: c for c in deal_columns() if c.walk is not None}


@pytest.mark.parametrize("key", ["owner", "team", "account", "stage"])
def test_each_walk_pages_the_same_rows_as_the_plain_sort(world: World, key: str) -> None:
    """The walks (GroupWalk for owner, team and stage; TableWalk over the accounts on PostgreSQL)
    read page after page the rows of the database's own sort, in both directions."""
    deals = _spread_over_people(world)
    accounts = [AccountFactory(name=n, owner=world.owner) for n in ("Beta", "Alpha", "Beta", "Gamma")]
    for i, deal in enumerate(deals):
        if i % 4:
            Deal.all_objects.filter(pk=deal.pk).update(account=accounts[i % len(accounts)])
    column = WALKED[key]
    assert column.walk is not None and column.sort is not None
    visible = selectors.deal_list_queryset(world.actor(world.manager))
    for descending in (False, True):
        plain = list(
            visible.order_by(*column.walk.plain(column.sort, descending)).values_list("id", flat=True)
        )
        # Not the binned deal nor the outsider's (nor, by the manager's scope, some without a team).
        assert 15 <= len(plain) <= 22
        walk = column.walk.object_list(visible, descending)
        if walk is None:  # the walk over a whole table is PostgreSQL's (LATERAL)
            assert key == "account" and connection.vendor != "postgresql"
            continue
        for size in (1, 5, 7, 50):
            paged = [row.pk for start in range(0, 30, size) for row in walk[start : start + size]]
            assert paged == plain, (descending, size)
        assert walk[len(plain) : len(plain) + 7] == []


@pytest.mark.parametrize("sort", ["owner", "-owner", "team", "-team", "account", "-account"])
def test_a_long_list_sorted_by_a_related_column_walks_in_queries_that_do_not_grow(
    world: World, sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_ROWS the list walks instead of sorting: same rows as the plain sort, and on
    PostgreSQL one walk for every person, team or account however many there are."""
    deals = _spread_over_people(world)
    monkeypatch.setattr(listing, "MAX_ROWS", 8)
    client = _client(world.manager)

    def page() -> tuple[list[int], int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(
                reverse("deals:deal-list"), {"sort": sort, "whose": "all", "cols": "name,team"}
            )
        assert response.status_code == 200
        return [d.pk for d in response.context["rows"]], len(ctx.captured_queries)

    page()  # the first request of a session reads a few things once
    shown, few = page()
    column = WALKED[sort.lstrip("-")]
    assert column.walk is not None and column.sort is not None
    visible = selectors.deal_list_queryset(world.actor(world.manager))
    plain = visible.order_by(*column.walk.plain(column.sort, sort.startswith("-"))).values_list(
        "id", flat=True
    )
    # The count stops at MAX_ROWS + 1, and so does this page.
    assert shown == list(plain)[:9]
    for i in range(30):
        _deal(world, owner=deals[i % 4].owner, account=AccountFactory(owner=world.owner))
    again, count = page()
    # Fewer, if anything: the first groups now fill the page.
    assert again == list(plain.all())[:9] and count <= few
    if connection.vendor == "postgresql":  # elsewhere a query a person or team
        for n in range(12):
            UserFactory(display_name=f"Nobody {n}", roles=["sales-rep"])
            TeamFactory(name=f"Empty team {n}")
        assert page()[1] == count


def test_it_shows_an_empty_state_that_offers_the_first_deal(world: World) -> None:
    body = _client(world.owner).get(reverse("deals:deal-list")).content.decode()
    assert "Create the first deal" in body


# --- Bulk actions ---------------------------------------------------------------------------


def test_it_assigns_selected_deals_in_bulk_for_a_manager(world: World) -> None:
    deals = [_deal(world), _deal(world)]
    response = _client(world.manager).post(
        reverse("deals:deal-bulk"),
        {"action": "assign", "ids": [d.pk for d in deals], "owner": world.teammate.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Deal.objects.filter(pk__in=[d.pk for d in deals]).values_list("owner", flat=True)) == {
        world.teammate.pk
    }
    assert "2 deals assigned." in response.content.decode()


def test_it_refuses_a_bulk_assign_by_a_rep_and_changes_nothing(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-bulk"),
        {"action": "assign", "ids": [deal.pk], "owner": world.teammate.pk},
        follow=True,
    )
    # A rep may give deals to nobody but themselves: the teammate is not a choice at all.
    assert "Select a valid choice" in response.content.decode()
    deal.refresh_from_db()
    assert deal.owner == world.owner and deal.version == 1


def test_it_counts_and_lists_stage_guidance_refusals_of_a_bulk_move(world: World) -> None:
    ready = _deal(world, name="Ready", budget=Decimal("1000"))
    unready = _deal(world, name="Unready")
    response = _client(world.owner).post(
        reverse("deals:deal-bulk"),
        {"action": "stage", "ids": [ready.pk, unready.pk], "stage": stage_named("Proposal").pk},
        follow=True,
    )
    body = response.content.decode()
    assert "1 deal moved." in body
    assert "1 deal refused:" in body and "Unready" in body and "budget" in body
    assert Deal.objects.get(pk=ready.pk).stage == stage_named("Proposal")
    assert Deal.objects.get(pk=unready.pk).stage == stage_named("Qualification")


def test_it_does_not_touch_invisible_deals_in_a_bulk_delete(world: World) -> None:
    theirs = _deal(world, owner=world.outsider)
    _client(world.manager).post(reverse("deals:deal-bulk"), {"action": "delete", "ids": [theirs.pk]})
    assert Deal.objects.filter(pk=theirs.pk).exists()


def test_it_refuses_a_bulk_delete_by_a_rep(world: World) -> None:
    deal = _deal(world)
    _client(world.owner).post(reverse("deals:deal-bulk"), {"action": "delete", "ids": [deal.pk]})
    assert Deal.objects.filter(pk=deal.pk).exists()


# --- Board ----------------------------------------------------------------------------------


def test_it_shows_the_board_with_a_column_per_open_stage_and_its_count_and_total(world: World) -> None:
    _deal(world, name="One", amount=Decimal("1000"))
    _deal(world, name="Two", amount=Decimal("2500"))
    response = _client(world.owner).get(reverse("deals:board"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "One" in body and "Two" in body
    assert "2 deals" in body and "¥3,500.00" in body
    assert f'data-stage="{stage_named("Won").pk}"' in body
    assert "js/board.js" in body and "Sortable.min.js" in body


def test_it_hides_deals_an_outsider_may_not_see_from_the_board(world: World) -> None:
    _deal(world, name="Secret deal")
    body = _client(world.outsider).get(reverse("deals:board")).content.decode()
    assert "Secret deal" not in body


def _board_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("deals:board"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_it_draws_the_board_with_a_query_count_that_does_not_grow_with_deals(world: World) -> None:
    client = _client(world.manager)
    for i in range(5):
        _deal(
            world,
            account=AccountFactory(owner=world.owner),
            stage=stage_named("Qualification" if i % 2 else "Proposal"),
        )
    few = _board_queries(client)
    for i in range(55):
        _deal(
            world,
            account=AccountFactory(owner=world.owner),
            stage=stage_named("Qualification" if i % 2 else "Proposal"),
        )
    assert _board_queries(client) == few


def test_the_board_reads_every_columns_first_cards_as_one_query_a_column_would(
    world: World, django_assert_max_num_queries: Any
) -> None:
    """On PostgreSQL the columns' first cards are one UNION ALL (on SQLite one query a column):
    the same cards in the same order (close date, no date last, then id), owners and accounts
    read with them."""
    from django.db.models import F

    today = timezone.localdate()
    stages = [stage_named(name) for name in ("Qualification", "Proposal", "Negotiation")]
    account = AccountFactory(owner=world.owner)
    for i in range(selectors.CARDS_PER_COLUMN + 7):  # one column longer than a page
        close = None if i % 5 == 0 else today + datetime.timedelta(days=i % 3)  # ties and no dates
        DealFactory(owner=world.owner, account=account, stage=stages[0], expected_close_date=close)
    for _ in range(3):
        DealFactory(owner=world.teammate, account=account, stage=stages[1], expected_close_date=None)
    deals = access.visible(world.actor(world.manager), "deal", Deal.objects.all())
    stage_ids = [stage.pk for stage in stages]
    with django_assert_max_num_queries(len(stage_ids)):
        cards = selectors.board_cards(deals, stage_ids)
        names = {pk: [(d.owner.pk, d.account.name) for d in column] for pk, column in cards.items()}
    for pk in stage_ids:
        one_column = deals.filter(stage_id=pk).order_by(F("expected_close_date").asc(nulls_last=True), "id")
        assert [d.pk for d in cards[pk]] == [d.pk for d in one_column[: selectors.CARDS_PER_COLUMN]]
    assert [len(cards[pk]) for pk in stage_ids] == [selectors.CARDS_PER_COLUMN, 3, 0]
    assert names[stage_ids[1]] == [(world.teammate.pk, account.name)] * 3
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as ctx:
            again = selectors.board_cards(deals, stage_ids)
            assert [d.owner.display_name for d in again[stage_ids[1]]] == [world.teammate.display_name] * 3
        assert len(ctx.captured_queries) == 1


def test_the_board_reads_the_pipelines_and_stages_once(world: World) -> None:
    other = Pipeline.objects.create(name="Renewals", order=1)
    Stage.objects.create(pipeline=other, name="Due", order=1, probability=50)
    client = _client(world.owner)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("deals:board")).content.decode()
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "deals_pipeline"' in sql for sql in sqls) == 1
    assert sum('FROM "deals_stage"' in sql for sql in sqls) == 1
    assert "Renewals" in body  # the pipeline menu


def test_the_deal_list_reads_the_pipelines_and_stages_once(world: World) -> None:
    archived = Pipeline.objects.create(name="Old channel", order=2, is_active=False)
    Stage.objects.create(pipeline=archived, name="Parked", order=1, probability=10)
    renewals = Pipeline.objects.create(name="Renewals", order=1)
    Stage.objects.create(pipeline=renewals, name="Due", order=1, probability=50)
    client = _client(world.manager)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("deals:deal-list"))
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert response.status_code == 200
    assert sum('FROM "deals_pipeline"' in sql for sql in sqls) == 1
    assert sum('FROM "deals_stage"' in sql for sql in sqls) == 1
    # Filtered by a pipeline, the filter also reads the one chosen, to validate it.
    body = client.get(reverse("deals:deal-list"), {"pipeline": archived.pk}).content.decode()
    pipeline_select = re.search(r'<select name="pipeline"[^>]*>(.*?)</select>', body, re.S)
    assert pipeline_select is not None
    # Every pipeline, archived ones too, in their order; the one filtered on chosen.
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', pipeline_select.group(1))
    default = pipeline()
    assert [(value, name) for value, _, name in options] == [
        ("", "All pipelines"),
        (str(default.pk), default.name),
        (str(renewals.pk), "Renewals"),
        (str(archived.pk), "Old channel"),
    ]
    assert [value for value, chosen, _ in options if chosen] == [str(archived.pk)]
    # The stage filter offers the active pipelines' stages only.
    stage_select = re.search(r'<select name="stage"[^>]*>(.*?)</select>', body, re.S)
    assert stage_select is not None
    assert "Due" in stage_select.group(1)
    assert "Parked" not in stage_select.group(1)


LOAD_MORE = re.compile(r'board-more" hx-get="[^"]*\?after=([^"&]+)')


def test_it_pages_a_column_with_load_more(world: World) -> None:
    for i in range(25):
        _deal(
            world, name=f"Card {i:02d}", expected_close_date=timezone.localdate() + datetime.timedelta(days=i)
        )
    client = _client(world.owner)
    body = client.get(reverse("deals:board")).content.decode()
    assert body.count('class="board-card ') == 20
    assert "Load more" in body
    stage = stage_named("Qualification")
    after = LOAD_MORE.search(body)
    assert after is not None
    more = client.get(
        reverse("deals:board-column", args=[stage.pk]), {"after": unquote(after.group(1))}
    ).content.decode()
    assert more.count('class="board-card ') == 5
    assert "Card 24" in more and "Card 19" not in more and "Load more" not in more


def test_load_more_neither_skips_nor_repeats_cards_moved_meanwhile(world: World) -> None:
    today = timezone.localdate()
    deals = [
        _deal(world, name=f"Card {i:02d}", expected_close_date=today if i < 30 else None) for i in range(45)
    ]
    client = _client(world.owner)
    stage = stage_named("Qualification")
    url = reverse("deals:board-column", args=[stage.pk])
    first = selectors.card_cursor(deals[19])  # after the board's first 20 cards
    # Meanwhile two of the first page's cards move out of the column.
    Deal.objects.filter(pk__in=[deals[0].pk, deals[1].pk]).update(stage=stage_named("Proposal"))
    seen: list[str] = []
    after = first
    for _page in range(5):
        if not after:
            break
        response = client.get(url, {"after": after})
        page = response.content.decode()
        seen += re.findall(r'aria-label="(Card \d\d)"', page)
        found = LOAD_MORE.search(page)
        after = unquote(found.group(1)) if found else ""
    assert seen == [f"Card {i:02d}" for i in range(20, 45)]  # dated cards by id, then undated


def test_a_bad_load_more_link_answers_400(world: World) -> None:
    stage = stage_named("Qualification")
    response = _client(world.owner).get(reverse("deals:board-column", args=[stage.pk]), {"after": "soon"})
    assert response.status_code == 400


def test_it_filters_the_board_with_the_same_filterset(world: World) -> None:
    _deal(world, name="Mine")
    _deal(world, name="Teammate's", owner=world.teammate)
    body = _client(world.manager).get(reverse("deals:board"), {"owner": world.teammate.pk}).content.decode()
    assert "Teammate&#x27;s" in body and ">Mine<" not in body


# --- Move endpoint --------------------------------------------------------------------------


def test_it_moves_a_dropped_card_and_returns_both_column_totals(world: World) -> None:
    deal = _deal(world, amount=Decimal("4000"), budget=Decimal("5000"))
    response = _move(_client(world.owner), deal, stage_named("Proposal"))
    assert response.status_code == 200
    data = response.json()
    deal.refresh_from_db()
    assert deal.stage == stage_named("Proposal") and data["version"] == deal.version == 2
    assert data["columns"][str(stage_named("Proposal").pk)]["count"] == 1
    assert data["columns"][str(stage_named("Qualification").pk)]["count"] == 0
    assert data["columns"][str(stage_named("Proposal").pk)]["total"] == "¥4,000.00"


def test_it_refuses_a_move_that_misses_required_fields_and_names_them(world: World) -> None:
    deal = _deal(world)
    response = _move(_client(world.owner), deal, stage_named("Proposal"))
    assert response.status_code == 400
    assert "budget" in response.json()["message"]
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification") and deal.version == 1


def test_it_answers_409_to_a_move_with_a_stale_version(world: World) -> None:
    deal = _deal(world)
    Deal.objects.filter(pk=deal.pk).update(version=5)
    response = _move(_client(world.owner), deal, stage_named("Needs analysis"))
    assert response.status_code == 409
    assert Deal.objects.get(pk=deal.pk).stage == stage_named("Qualification")


def test_it_answers_404_to_an_outsiders_move_and_changes_nothing(world: World) -> None:
    deal = _deal(world)
    response = _move(_client(world.outsider), deal, stage_named("Needs analysis"))
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification") and deal.version == 1


def test_it_answers_404_to_a_teammates_move(world: World) -> None:
    deal = _deal(world)
    assert _move(_client(world.teammate), deal, stage_named("Needs analysis")).status_code == 404


def test_it_needs_a_lost_reason_to_drop_a_card_on_lost(world: World) -> None:
    deal = _deal(world)
    client = _client(world.owner)
    refused = _move(client, deal, stage_named("Lost"))
    assert refused.status_code == 400 and refused.json()["needs_lost_reason"] is True
    other = lost_reason_named("Other")
    without_note = _move(client, deal, stage_named("Lost"), lost_reason=other.pk)
    assert without_note.status_code == 400 and without_note.json()["needs_lost_reason"] is True
    assert "lost_note" in without_note.json()["errors"]
    done = _move(client, deal, stage_named("Lost"), lost_reason=other.pk, lost_note="Price too high")
    assert done.status_code == 200 and done.json()["closed"] is True
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason_ref, deal.lost_reason) == (DealStatus.LOST, other, "Price too high")


def test_it_moves_from_the_keyboard_menu_without_javascript(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-move", args=[deal.pk]),
        {"stage": stage_named("Needs analysis").pk, "version": deal.version, "next": reverse("deals:board")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("deals:board")
    assert Deal.objects.get(pk=deal.pk).stage == stage_named("Needs analysis")


def test_each_card_offers_every_other_stage_in_the_readers_language(world: World) -> None:
    first, second = _deal(world, name="First card"), _deal(world, name="Second card")
    _move(_client(world.owner), second, stage_named("Needs analysis"))
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    body = _client(world.owner).get(reverse("deals:board")).content.decode()
    stages = list(pipeline().stages.order_by("order", "id"))
    for deal in (first, Deal.objects.get(pk=second.pk)):
        card = body[body.index(f'data-deal="{deal.pk}"') :]
        menu = card[: card.index("</form>")]
        offered = re.findall(r'name="stage" value="(\d+)"', menu)
        assert offered == [str(s.pk) for s in stages if s.pk != deal.stage_id]
        won = next(s for s in stages if s.kind == "won")
        assert f'value="{won.pk}" data-kind="won"><i class="bi bi-trophy me-2 text-green"' in menu
        assert ">赢单</button>" in menu


# --- Deal page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("teammate", 404), ("manager", 200), ("outsider", 404)]
)
def test_it_shows_the_deal_page_to_those_who_may_see_the_deal(world: World, who: str, status: int) -> None:
    deal = _deal(world, name="Visible deal")
    response = _client(getattr(world, who)).get(deal.get_absolute_url())
    assert response.status_code == status


def test_it_shows_progress_next_stages_lines_contacts_and_timeline(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    contact = ContactFactory(account=account, name="Li Lei")
    deal = _deal(world, account=account, name="Full deal")
    DealContact.objects.create(deal=deal, contact=contact, role="decision_maker")
    product = ProductFactory(name="Widget")
    DealLine.objects.create(
        deal=deal, product=product, quantity=2, unit_price=Decimal("50"), amount=Decimal("100")
    )
    Activity.objects.create(
        deal=deal, account=account, author=world.owner, subject="Called them", occurred_at=timezone.now()
    )
    body = _client(world.owner).get(deal.get_absolute_url()).content.decode()
    assert 'aria-current="step"' in body
    assert "Needs analysis" in body and "needs" in body  # next stages with what they require
    assert "Li Lei" in body and "Decision maker" in body
    assert "Widget" in body and "¥100.00" in body
    assert "Called them" in body
    assert "Log a follow-up" in body


def test_it_logs_a_follow_up_from_the_deal_page(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-follow-up", args=[deal.pk]), {"kind": "call", "content": "Discussed pricing"}
    )
    assert response.status_code == 302
    activity = Activity.objects.get(deal=deal)
    assert activity.content == "Discussed pricing" and activity.author == world.owner
    deal.refresh_from_db()
    assert deal.last_follow_up_at is not None


def test_it_logs_a_follow_up_in_place_with_htmx(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-follow-up", args=[deal.pk]),
        {"kind": "visit", "content": "Visited the plant"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "tandem:toast" in response["HX-Trigger"]
    assert "Visited the plant" in response.content.decode()


def test_it_shows_follow_up_errors_inline_and_logs_nothing(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(reverse("deals:deal-follow-up", args=[deal.pk]), {"kind": "call"})
    assert response.status_code == 400
    assert "Write what happened." in response.content.decode()
    assert not Activity.objects.exists()


def test_it_refuses_an_outsiders_follow_up_with_404(world: World) -> None:
    deal = _deal(world)
    response = _client(world.outsider).post(
        reverse("deals:deal-follow-up", args=[deal.pk]), {"kind": "call", "content": "Sneaky"}
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_it_shows_stage_guidance_inline_with_a_link_to_edit(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-stage", args=[deal.pk]), {"stage": stage_named("Proposal").pk, "version": 1}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "budget" in body and reverse("deals:deal-edit", args=[deal.pk]) in body
    assert Deal.objects.get(pk=deal.pk).stage == stage_named("Qualification")


def test_it_moves_the_stage_from_the_deal_page(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-stage", args=[deal.pk]), {"stage": stage_named("Needs analysis").pk, "version": 1}
    )
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).stage == stage_named("Needs analysis")


def test_it_marks_a_deal_lost_only_with_a_reason(world: World) -> None:
    deal = _deal(world)
    client = _client(world.owner)
    url = reverse("deals:deal-close", args=[deal.pk])
    refused = client.post(url, {"outcome": "lost", "version": 1})
    assert refused.status_code == 400 and "Choose why the deal was lost." in refused.content.decode()
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.OPEN
    no_budget = lost_reason_named("No budget")
    client.post(url, {"outcome": "lost", "version": 1, "lost_reason": no_budget.pk})
    lost = Deal.objects.get(pk=deal.pk)
    assert (lost.status, lost.lost_reason_ref) == (DealStatus.LOST, no_budget)


def test_it_lets_a_manager_reassign_but_not_a_rep(world: World) -> None:
    deal = _deal(world)
    url = reverse("deals:deal-reassign", args=[deal.pk])
    assert _client(world.owner).post(url, {"owner": world.teammate.pk}).status_code == 403
    assert Deal.objects.get(pk=deal.pk).owner == world.owner
    assert _client(world.manager).post(url, {"owner": world.teammate.pk}).status_code == 302
    assert Deal.objects.get(pk=deal.pk).owner == world.teammate


def test_it_lets_a_manager_delete_but_not_the_rep(world: World) -> None:
    deal = _deal(world)
    url = reverse("deals:deal-delete", args=[deal.pk])
    assert _client(world.owner).post(url).status_code == 403
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert _client(world.outsider).post(url).status_code == 404
    assert _client(world.manager).post(url).status_code == 302
    assert not Deal.objects.filter(pk=deal.pk).exists()


# --- Deal form ------------------------------------------------------------------------------


def _form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "New deal",
        "stage": stage_named("Qualification").pk,
        "amount": "1000",
        "currency": "CNY",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_it_creates_a_deal_with_line_items_whose_total_is_the_amount(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    contact = ContactFactory(account=account)
    product = ProductFactory(list_price=Decimal("300"))
    client = _client(world.owner)
    assert client.get(reverse("deals:deal-create")).status_code == 200
    response = client.post(
        reverse("deals:deal-create"),
        _form_data(
            account=account.pk,
            **{
                "contacts-TOTAL_FORMS": "1",
                "contacts-0-contact": contact.pk,
                "contacts-0-role": "influencer",
                "lines-TOTAL_FORMS": "2",
                "lines-0-product": product.pk,
                "lines-0-quantity": "2",
                "lines-0-discount_percent": "10",
                "lines-1-product": "",
            },
        ),
    )
    assert response.status_code == 302
    deal = Deal.objects.get(name="New deal")
    assert deal.owner == world.owner and deal.account == account
    assert deal.amount == Decimal("540.00")
    assert deal.deal_contacts.get().role == "influencer"


def test_the_form_styles_the_remove_boxes_of_lines_and_contacts(world: World) -> None:
    body = _client(world.owner).get(reverse("deals:deal-create")).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="[a-z]+-\d+-DELETE"[^>]*>', body)
    assert boxes and all('class="form-check-input"' in box for box in boxes)


def test_it_shows_form_errors_for_bad_input_and_creates_nothing(world: World) -> None:
    response = _client(world.owner).post(
        reverse("deals:deal-create"), _form_data(name="", amount="-5", probability="150")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "is-invalid" in body
    assert not Deal.objects.exists()


def test_it_refuses_an_account_the_person_may_not_see(world: World) -> None:
    theirs = AccountFactory(owner=world.outsider)
    response = _client(world.owner).post(reverse("deals:deal-create"), _form_data(account=theirs.pk))
    assert response.status_code == 400
    assert not Deal.objects.exists()


def test_it_refuses_the_form_to_people_without_the_deal_grant(world: World) -> None:
    assert _client(world.support).get(reverse("deals:deal-create")).status_code == 403
    response = _client(world.support).post(reverse("deals:deal-create"), _form_data())
    assert response.status_code == 403
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("teammate", 404), ("manager", 200), ("outsider", 404)]
)
def test_it_opens_the_edit_form_for_those_who_may_edit(world: World, who: str, status: int) -> None:
    deal = _deal(world)
    assert _client(getattr(world, who)).get(reverse("deals:deal-edit", args=[deal.pk])).status_code == status


def test_it_shows_both_versions_on_a_conflicting_edit(world: World) -> None:
    deal = _deal(world, name="Original")
    Deal.objects.filter(pk=deal.pk).update(name="Changed by someone", version=2)
    response = _client(world.owner).post(
        reverse("deals:deal-edit", args=[deal.pk]), _form_data(name="My name", version=1)
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "My name" in body and "Changed by someone" in body
    assert 'name="version" value="2"' in body  # "keep mine" resubmits with the current version
    assert Deal.objects.get(pk=deal.pk).name == "Changed by someone"


def test_it_shows_stage_guidance_errors_inline_on_the_form(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-edit", args=[deal.pk]),
        _form_data(name=deal.name, version=1, stage=stage_named("Proposal").pk),
    )
    assert response.status_code == 400
    assert "budget" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == stage_named("Qualification")


def test_it_offers_the_chosen_accounts_contacts(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    ContactFactory(account=account, name="Han Meimei")
    client = _client(world.owner)
    body = client.get(reverse("deals:deal-form-contacts"), {"account": account.pk}).content.decode()
    assert "Han Meimei" in body
    theirs = AccountFactory(owner=world.outsider)
    ContactFactory(account=theirs, name="Hidden person")
    assert (
        "Hidden person"
        not in client.get(reverse("deals:deal-form-contacts"), {"account": theirs.pk}).content.decode()
    )


def test_it_searches_only_visible_accounts(world: World) -> None:
    AccountFactory(owner=world.owner, name="Acme Mine")
    AccountFactory(owner=world.outsider, name="Acme Theirs")
    body = _client(world.owner).get(reverse("deals:account-search"), {"q": "Acme"}).content.decode()
    assert "Acme Mine" in body and "Acme Theirs" not in body


# --- Products -------------------------------------------------------------------------------


def test_it_lists_and_searches_products(world: World) -> None:
    ProductFactory(name="Server", family="Hardware")
    ProductFactory(name="Licence", family="Software")
    client = _client(world.owner)
    body = client.get(reverse("deals:product-list"), {"family": "hardware"}).content.decode()
    assert "Server" in body and "Licence" not in body
    assert "Licence" in client.get(reverse("deals:product-list"), {"q": "lic"}).content.decode()


def test_it_lets_an_administrator_create_and_deactivate_a_product(world: World) -> None:
    client = _client(world.admin)
    response = client.post(
        reverse("deals:product-create"),
        {"name": "Gadget", "code": "G-1", "list_price": "99.50", "currency": "CNY", "is_active": "on"},
    )
    assert response.status_code == 302
    product = Product.objects.get(code="G-1")
    client.post(reverse("deals:product-toggle", args=[product.pk]))
    product.refresh_from_db()
    assert product.is_active is False


def test_it_refuses_product_changes_to_a_rep(world: World) -> None:
    product = ProductFactory(name="Fixed")
    client = _client(world.owner)
    assert client.get(reverse("deals:product-create")).status_code == 403
    assert (
        client.post(reverse("deals:product-edit", args=[product.pk]), {"name": "Hacked"}).status_code == 403
    )
    assert client.post(reverse("deals:product-toggle", args=[product.pk])).status_code == 403
    product.refresh_from_db()
    assert product.name == "Fixed" and product.is_active


def test_it_shows_product_form_errors(world: World) -> None:
    ProductFactory(code="DUP")
    response = _client(world.admin).post(
        reverse("deals:product-create"), {"name": "", "code": "DUP", "list_price": "x", "currency": "CNY"}
    )
    assert response.status_code == 400
    assert Product.objects.count() == 1


# --- Pipelines and stages -------------------------------------------------------------------


def test_it_keeps_pipeline_administration_to_administrators(world: World) -> None:
    pipeline()
    for user in (world.owner, world.manager):
        client = _client(user)
        assert client.get(reverse("deals:pipeline-list")).status_code == 403
        assert (
            client.post(reverse("deals:pipeline-create"), {"name": "Sneaky", "order": 1}).status_code == 403
        )
    assert not Pipeline.objects.filter(name="Sneaky").exists()
    assert _client(world.admin).get(reverse("deals:pipeline-list")).status_code == 200


def test_it_creates_a_pipeline_with_default_stages(world: World) -> None:
    pipeline()
    response = _client(world.admin).post(
        reverse("deals:pipeline-create"), {"name": "Renewals", "order": 2, "is_active": "on"}
    )
    assert response.status_code == 302
    created = Pipeline.objects.get(name="Renewals")
    assert created.stages.count() == 6


def test_a_new_pipelines_default_stages_have_their_name_in_each_language(world: World) -> None:
    User.objects.filter(pk=world.admin.pk).update(language="zh-hans")
    response = _client(world.admin).post(
        reverse("deals:pipeline-create"),
        {"name": "续约", "name_en": "Renewals", "order": 2, "is_active": "on"},
    )
    assert response.status_code == 302
    created = Pipeline.objects.get(name="续约")
    assert created.names == {"en": "Renewals"}
    first = created.stages.order_by("order").first()
    assert first is not None
    assert (first.name, first.names) == ("初步接洽", {"en": "Qualification", "zh-hans": "初步接洽"})


def test_it_names_a_stage_in_each_language_and_each_person_reads_their_own(world: World) -> None:
    default = pipeline()
    client = _client(world.admin)
    form = client.get(reverse("deals:stage-create", args=[default.pk])).content.decode()
    assert 'name="name_en"' in form and 'name="name_zh_hans"' in form and 'lang="zh-hans"' in form
    response = client.post(
        reverse("deals:stage-create", args=[default.pk]),
        {
            "name": "Demo",
            "name_en": "",
            "name_zh_hans": "产品演示",
            "kind": "open",
            "probability": 40,
            "order": 2,
        },
    )
    assert response.status_code == 302
    stage = Stage.objects.get(name="Demo")
    assert stage.names == {"zh-hans": "产品演示"}
    edit = client.get(reverse("deals:stage-edit", args=[stage.pk])).content.decode()
    assert 'value="产品演示"' in edit
    _deal(world, name="Shown deal", stage=stage)
    english = _client(world.owner).get(reverse("deals:board")).content.decode()
    assert ">Demo</h2>" in english and ">Proposal</h2>" in english
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    chinese = _client(world.owner).get(reverse("deals:board")).content.decode()
    assert ">产品演示</h2>" in chinese and ">方案报价</h2>" in chinese
    listed = _client(world.owner).get(reverse("deals:deal-list")).content.decode()
    assert ">产品演示</td>" in listed


def test_a_deals_history_shows_its_stages_in_the_readers_language(world: World) -> None:
    custom = Stage.objects.create(
        pipeline=pipeline(), name="联合方案", names={"en": "Joint proposal"}, order=3, probability=40
    )
    deal = _deal(world, name="History deal")
    client = _client(world.owner)
    assert _move(client, deal, custom).status_code == 200
    page = reverse("deals:deal-detail", args=[deal.pk])
    english = client.get(page).content.decode()
    assert "Joint proposal" in english and "联合方案" not in english
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    chinese = _client(world.owner).get(page).content.decode()
    assert "联合方案" in chinese and "Joint proposal" not in chinese
    assert "初步接洽" in chinese and "Qualification" not in chinese  # the built-in stage it left


def test_a_product_named_in_each_language_reads_in_the_persons_own_on_the_deal(world: World) -> None:
    client = _client(world.admin)
    assert 'name="name_zh_hans"' in client.get(reverse("deals:product-create")).content.decode()
    response = client.post(
        reverse("deals:product-create"),
        {"name": "CRM Standard", "name_zh_hans": "CRM 标准版", "list_price": "100", "currency": "CNY"},
    )
    assert response.status_code == 302
    product = Product.objects.get(name="CRM Standard")
    assert product.names == {"zh-hans": "CRM 标准版"}
    deal = _deal(world, name="Licence deal")
    DealLine.objects.create(
        deal=deal, product=product, quantity=1, unit_price=Decimal("100"), amount=Decimal("100")
    )
    page = reverse("deals:deal-detail", args=[deal.pk])
    assert ">CRM Standard" in _client(world.owner).get(page).content.decode()
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    assert ">CRM 标准版" in _client(world.owner).get(page).content.decode()


def test_a_stage_name_too_long_in_another_language_is_refused_inline(world: World) -> None:
    stage = stage_named("Proposal")
    response = _client(world.admin).post(
        reverse("deals:stage-edit", args=[stage.pk]),
        {"name": "Proposal", "name_zh_hans": "方" * 101, "kind": "open", "probability": 50, "order": 2},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'name="name_zh_hans"' in body and "invalid-feedback" in body
    stage.refresh_from_db()
    assert stage.names == {}


def test_it_adds_a_stage_with_required_fields_and_reorders_it(world: World) -> None:
    default = pipeline()
    client = _client(world.admin)
    response = client.post(
        reverse("deals:stage-create", args=[default.pk]),
        {
            "name": "Demo",
            "kind": "open",
            "probability": 40,
            "order": 9,
            "required_fields": ["contacts", "next_step"],
            "guidance": "Show the product.",
        },
    )
    assert response.status_code == 302
    stage = Stage.objects.get(name="Demo")
    assert stage.required_fields == ["contacts", "next_step"]
    client.post(reverse("deals:stage-reorder", args=[stage.pk]), {"direction": "up"})
    names = list(default.stages.order_by("order").values_list("name", flat=True))
    assert names.index("Demo") == len(names) - 2


def test_it_shows_stage_form_errors(world: World) -> None:
    default = pipeline()
    response = _client(world.admin).post(
        reverse("deals:stage-create", args=[default.pk]),
        {"name": "", "kind": "maybe", "probability": 150, "order": 0},
    )
    assert response.status_code == 400
    assert not Stage.objects.filter(probability=150).exists()


def test_it_answers_json_errors_the_board_can_read(world: World) -> None:
    deal = _deal(world)
    response = _client(world.owner).post(
        reverse("deals:deal-move", args=[deal.pk]), {"stage": "nope"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert json.loads(response.content)["message"]
