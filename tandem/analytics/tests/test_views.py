"""/analytics/, /analytics/records/ and the table exports, for the named people, in both
languages; bad filters answer 400 with the message beside the filter; query counts stay flat."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tandem.analytics.tests.data import PERIOD, Data, make
from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User

INDEX = "/analytics/"


@pytest.fixture
def data(world: World) -> Data:
    return make(world)


def as_(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    if language != "en":
        User.objects.filter(pk=user.pk).update(language=language)
    return client


def test_the_manager_sees_every_section_in_english(world: World, data: Data) -> None:
    response = as_(world.manager).get(INDEX, PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    for title in (
        "Funnel",
        "Win rate, deal size, cycle and velocity",
        "Follow-ups",
        "Leaderboards",
        "Win and loss",
        "Breakdowns",
        "Trends",
    ):
        assert title in page
    assert "¥10,000.00" in page  # the team's won amount
    assert "60.0%" in page  # win rate
    assert "Olga Outsider" not in page  # outside the manager's scope
    assert "Sales velocity = open deals × win rate" in page


def test_the_page_reads_in_chinese(world: World, data: Data) -> None:
    response = as_(world.manager, "zh-hans").get(INDEX, PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "数据分析" in page
    assert "赢单率" in page


def test_an_htmx_request_gets_the_sections_only(world: World, data: Data) -> None:
    response = as_(world.manager).get(INDEX, PERIOD, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="section-funnel"' in response.content


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (
            {"period": "custom", "start": "2026-09-30", "end": "2026-07-01"},
            "The range ends before it starts.",
        ),
        ({"period": "custom", "start": "soon"}, "Enter a valid date."),
        ({"period": "someday"}, "Select a valid choice."),
        (
            {"period": "custom", "start": "9999-12-30", "end": "9999-12-31"},
            "Give a date between 1900 and 2999.",
        ),
        ({**PERIOD, "team": "abc"}, "Select a valid choice."),
    ],
)
def test_bad_filters_answer_400_with_the_message_beside_the_filter(
    world: World, query: dict[str, str], field: str
) -> None:
    response = as_(world.manager).get(INDEX, query)
    assert response.status_code == 400
    assert field in response.content.decode()


def test_a_team_the_viewer_may_not_see_is_refused(world: World, data: Data) -> None:
    response = as_(world.manager).get(INDEX, {**PERIOD, "team": str(world.west_sales.pk)})
    assert response.status_code == 400
    assert "Olga Outsider" not in response.content.decode()


def test_people_who_may_not_see_deals_are_refused(world: World) -> None:
    assert as_(world.support).get(INDEX).status_code == 403
    assert as_(world.support).get(reverse("analytics:records"), {"src": "open"}).status_code == 403
    assert Client().get(INDEX).status_code in (302, 401, 403)


def test_the_records_behind_a_row_are_exactly_those_it_counts(world: World, data: Data) -> None:
    query = {
        "src": "deals",
        "closed_from": "2026-07-01",
        "closed_to": "2026-09-30",
        "by": "owner",
        "key": str(world.owner.pk),
        "status": "won",
    }
    page = as_(world.manager).get(reverse("analytics:records"), query).content.decode()
    assert data.owner_won_small.name in page and data.owner_won_big.name in page
    assert data.owner_lost.name not in page and data.teammate_won.name not in page
    assert reverse("deals:deal-detail", args=[data.owner_won_small.pk]) in page
    # The outsider asks for the owner's deals: the access policy answers nothing.
    page = as_(world.outsider).get(reverse("analytics:records"), query).content.decode()
    assert data.owner_won_small.name not in page


def test_a_bad_drill_down_link_answers_400(world: World) -> None:
    response = as_(world.manager).get(
        reverse("analytics:records"),
        {"src": "kpi", "kpi": "nope", "start": "2026-01-01", "end": "2026-01-31"},
    )
    assert response.status_code == 400
    assert "No such KPI." in response.content.decode()
    assert as_(world.manager).get(reverse("analytics:records"), {"src": "what"}).status_code == 400
    far = {"src": "kpi", "kpi": "won_amount", "start": "9999-12-31", "end": "9999-12-31"}
    assert as_(world.manager).get(reverse("analytics:records"), far).status_code == 400


def test_the_records_page_walks_by_keyset(world: World) -> None:
    for _n in range(55):
        DealFactory(owner=world.owner)
    client = as_(world.manager)
    first = client.get(reverse("analytics:records"), {"src": "open"})
    more = first.context["more"]
    assert len(first.context["found"].rows) == 50 and more
    second = client.get(f"{reverse('analytics:records')}?{more}")
    assert len(second.context["found"].rows) == 5
    seen = {d.pk for d in first.context["found"].rows} | {d.pk for d in second.context["found"].rows}
    assert seen == set(Deal.objects.filter(owner=world.owner).values_list("pk", flat=True))


def _export(client: Client, section: str, table: str, fmt: str, **extra: str) -> Any:
    return client.get(reverse("analytics:export", args=[section, table]), {**PERIOD, "format": fmt, **extra})


def test_a_table_exports_as_csv_with_formulas_neutralised(world: World, data: Data) -> None:
    response = _export(as_(world.manager), "win_loss", "lost_reasons", "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="win_loss-lost_reasons-2026-07-01_2026-09-30'
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Lost reason", "Deals lost", "Share (%)"]
    assert ["Price", "1", "50.00"] in rows
    assert ['\'=HYPERLINK("x")', "1", "50.00"] in rows
    assert rows[-1][:2] == ["Total", "2"]


def test_a_table_exports_as_xlsx_in_the_readers_language(world: World, data: Data) -> None:
    response = _export(as_(world.manager, "zh-hans"), "breakdown", "owner", "xlsx", by="owner")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["成员", "关闭商机数"]
    owner = next(row for row in values if row[0] == "王小明")
    assert owner[5] == 8000  # won amount, a number


def test_an_unknown_export_is_404(world: World) -> None:
    assert _export(as_(world.manager), "nope", "x", "csv").status_code == 404
    assert _export(as_(world.manager), "funnel", "nope", "csv").status_code == 404
    assert _export(as_(world.manager), "funnel", "funnel", "pdf").status_code == 404


def test_the_page_costs_the_same_queries_with_more_deals(
    world: World, data: Data, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_(world.manager)
    client.get(INDEX, PERIOD)  # warm: sessions, settings
    with CaptureQueriesContext(connection) as few:
        assert client.get(INDEX, PERIOD).status_code == 200
    for n in range(30):
        DealFactory(
            owner=world.teammate,
            stage=stage_named("Won"),
            opened_on=data.owner_won_big.opened_on,
            closed_on=data.owner_won_big.closed_on,
            competitor=f"C{n}",
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get(INDEX, PERIOD).status_code == 200


def test_the_cards_that_read_the_deals_load_on_their_own(world: World, data: Data) -> None:
    page = as_(world.manager).get(INDEX, PERIOD).content.decode()
    assert 'hx-get="/analytics/section/win_loss/?' in page and "Price" not in page
    card = as_(world.manager).get(
        reverse("analytics:section", args=["win_loss"]), PERIOD, HTTP_HX_REQUEST="true"
    )
    assert card.status_code == 200 and "Price" in card.content.decode()
    tab = as_(world.manager).get(reverse("analytics:section", args=["breakdown"]), {**PERIOD, "by": "region"})
    assert "广东 (CN)" in tab.content.decode()
    assert as_(world.manager).get(reverse("analytics:section", args=["nope"]), PERIOD).status_code == 404
    bad = as_(world.manager).get(reverse("analytics:section", args=["win_loss"]), {"period": "someday"})
    assert bad.status_code == 400
    outsider = (
        as_(world.outsider).get(reverse("analytics:section", args=["win_loss"]), PERIOD).content.decode()
    )
    assert "Price" not in outsider


def test_amounts_without_a_rate_are_reported_on_the_page(world: World, data: Data) -> None:
    DealFactory(
        owner=world.owner,
        stage=stage_named("Won"),
        amount=Decimal("700.00"),
        currency="USD",
        opened_on=data.owner_won_big.opened_on,
        closed_on=data.owner_won_big.closed_on,
    )
    page = as_(world.manager).get(INDEX, PERIOD).content.decode()
    assert "USD amounts of 2026-07, 2026-09 have no exchange rate and are not included." in page


def test_the_records_page_says_which_figure_it_lists(world: World, data: Data) -> None:
    query = {
        "src": "kpi",
        "kpi": "follow_ups",
        "kind": "call",
        "start": "2026-07-01",
        "end": "2026-09-30",
        "person": str(world.owner.pk),
    }
    response = as_(world.manager).get(reverse("analytics:records"), query)
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Follow-ups logged" in page
        and "Call" in page
        and "王小明" in page
        and "2026-07-01 – 2026-09-30" in page
    )
    assert len(response.context["found"].rows) == 2
