"""The target pages: my targets, the team grid (edits in place, helpers), the company view."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User
from tandem.org.tests.factories import UserFactory, join
from tandem.targets.models import PeriodKind, SubjectKind, Target
from tandem.targets.tests.factories import TargetFactory


def _client(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    if language != "en":
        User.objects.filter(pk=user.pk).update(language=language)
    return client


def _cell(world: World, client: Client, who: User, month: str, value: str, version: int = 0) -> Any:
    name = f"person-{who.pk}-{month}"
    return client.post(
        reverse("targets:team-cell", args=[world.east_sales.pk]),
        {"cell": name, name: value, "version": str(version), "kpi": "won_amount", "year": "2026"},
        HTTP_HX_REQUEST="true",
    )


def _values() -> list[tuple[Any, ...]]:
    return list(Target.objects.order_by("pk").values_list("user_id", "team_id", "start", "value", "version"))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rep_sees_their_own_targets_and_attainment_in_each_language(world: World, language: str) -> None:
    TargetFactory(user=world.owner, value=Decimal("1000"))
    DealFactory(
        owner=world.owner,
        stage=stage_named("Won"),
        amount=Decimal("250"),
        closed_on=datetime.date(2026, 3, 5),
    )
    response = _client(world.owner, language).get(reverse("targets:mine") + "?year=2026")
    assert response.status_code == 200
    text = response.content.decode()
    assert "25%" in text and "target-chart-data" in text
    assert ("我的目标" if language == "zh-hans" else "My targets") in text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 404),
        ("teammate", 404),
        ("outsider", 404),
        ("sibling_manager", 404),
        ("manager", 200),
        ("east_manager", 200),
        ("director", 200),
    ],
)
def test_the_team_grid_opens_for_leaders_above_it_only(world: World, who: str, status: int) -> None:
    response = _client(getattr(world, who)).get(
        reverse("targets:team", args=[world.east_sales.pk]) + "?year=2026"
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("director", 200), ("admin", 200), ("manager", 404), ("owner", 404)]
)
def test_the_company_view_is_for_those_who_see_everything(world: World, who: str, status: int) -> None:
    assert _client(getattr(world, who)).get(reverse("targets:company") + "?period=2026").status_code == status


def test_a_person_page_is_404_outside_ones_scope(world: World) -> None:
    assert _client(world.outsider).get(reverse("targets:person", args=[world.owner.pk])).status_code == 404
    assert _client(world.manager).get(reverse("targets:person", args=[world.owner.pk])).status_code == 200


def test_a_manager_edits_a_cell_and_the_change_is_in_history(world: World) -> None:
    client = _client(world.manager)
    response = _cell(world, client, world.owner, "2026-03", "12,000")
    assert response.status_code == 200
    target = Target.objects.get(user=world.owner)
    assert target.value == Decimal("12000.00") and target.version == 1
    response = _cell(world, client, world.owner, "2026-03", "15000", version=1)
    assert response.status_code == 200 and "15,000" in response.content.decode()
    entry = HistoryEntry.objects.filter(object_id=target.pk).order_by("-id").first()
    assert (
        entry is not None
        and entry.changes == {"value": ["12000.00", "15000.00"]}
        and entry.actor == world.manager
    )
    page = client.get(reverse("targets:team", args=[world.east_sales.pk]) + "?year=2026").content.decode()
    assert "12,000 → 15,000" in page


def test_the_grids_history_shows_only_its_own_rows(world: World) -> None:
    client = _client(world.director)
    _cell(world, client, world.owner, "2026-03", "100")
    outsider = TargetFactory(user=world.outsider, value=Decimal("1"))
    from tandem.core import history

    history.record(actor=world.director, obj=outsider, action="update", changes={"value": ["1", "424242"]})
    page = _client(world.manager).get(reverse("targets:team", args=[world.east_sales.pk]) + "?year=2026")
    text = page.content.decode()
    assert "→ 100" in text and "424,242" not in text and "Olga" not in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [("lots", "Enter a number"), ("-5", "cannot be negative"), ("1.234", "at most 2 decimal places")],
)
def test_bad_input_in_a_cell_answers_inline_and_changes_nothing(
    world: World, typed: str, message: str
) -> None:
    TargetFactory(user=world.owner, value=Decimal("100"))
    before = _values()
    response = _cell(world, _client(world.manager), world.owner, "2026-03", typed, version=1)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "is-invalid" in text and f'value="{typed}"' in text
    assert _values() == before


def test_a_stale_version_is_refused_inline_and_changes_nothing(world: World) -> None:
    target = TargetFactory(user=world.owner, value=Decimal("100"))
    Target.objects.filter(pk=target.pk).update(version=2)
    before = _values()
    response = _cell(world, _client(world.manager), world.owner, "2026-03", "500", version=1)
    assert response.status_code == 400 and "changed this target meanwhile" in response.content.decode()
    assert _values() == before
    # a cell somebody filled meanwhile, while the form showed it empty
    response = _cell(world, _client(world.manager), world.teammate, "2026-03", "5", version=0)
    assert response.status_code == 200
    response = _cell(world, _client(world.director), world.teammate, "2026-03", "7", version=0)
    assert response.status_code == 400  # version 0 means "I saw none": it saves over an empty cell only
    assert Target.objects.get(user=world.teammate).value == Decimal("5")


@pytest.mark.parametrize("who", ["owner", "teammate", "outsider", "sibling_manager"])
def test_people_who_may_not_set_targets_change_nothing(world: World, who: str) -> None:
    TargetFactory(user=world.owner, value=Decimal("100"))
    before = _values()
    response = _cell(world, _client(getattr(world, who)), world.owner, "2026-03", "999", version=1)
    assert response.status_code in (400, 404)
    assert _values() == before


def test_a_manager_does_not_set_their_own_target(world: World) -> None:
    response = _cell(world, _client(world.manager), world.manager, "2026-03", "999")
    assert response.status_code == 400 and "may not set" in response.content.decode()
    assert not Target.objects.exists()


def test_spreading_a_year_fills_the_months_exactly(world: World) -> None:
    client = _client(world.manager)
    url = reverse("targets:team-action", args=[world.east_sales.pk])
    client.post(
        url,
        {
            "action": "spread",
            "subject": f"person-{world.owner.pk}",
            "period": "2026",
            "value": "100000",
            "kpi": "won_amount",
            "year": "2026",
        },
    )
    months = list(Target.objects.filter(user=world.owner).order_by("start").values_list("value", flat=True))
    assert (
        len(months) == 12
        and sum(months) == Decimal("100000")
        and months[0] == Decimal("8333.34")
        and months[-1] == Decimal("8333.33")
    )
    client.post(
        url,
        {
            "action": "spread",
            "subject": f"person-{world.owner.pk}",
            "period": "2026-Q1",
            "value": "10",
            "kpi": "won_deals",
            "year": "2026",
        },
    )
    deals = list(
        Target.objects.filter(user=world.owner, kpi__code="won_deals")
        .order_by("start")
        .values_list("value", flat=True)
    )
    assert deals == [Decimal(4), Decimal(3), Decimal(3)]


def test_copy_last_year_with_a_raise_and_copy_a_row_and_fill_the_team(world: World) -> None:
    TargetFactory(
        user=world.owner,
        start=datetime.date(2025, 3, 1),
        end=datetime.date(2025, 3, 31),
        value=Decimal("100"),
    )
    client = _client(world.east_manager)
    url = reverse("targets:team-action", args=[world.east_sales.pk])
    base = {"kpi": "won_amount", "year": "2026"}
    client.post(url, {**base, "action": "copy_year", "percent": "10"})
    assert Target.objects.get(user=world.owner, start=datetime.date(2026, 3, 1)).value == Decimal("110.00")
    client.post(url, {**base, "action": "copy_row", "subject": f"person-{world.owner.pk}"})
    assert Target.objects.get(user=world.teammate, start=datetime.date(2026, 3, 1)).value == Decimal("110.00")
    client.post(url, {**base, "action": "fill", "value": "120000"})
    team = Target.objects.get(subject_kind=SubjectKind.TEAM, team=world.east_sales)
    assert team.period_kind == PeriodKind.YEAR and team.value == Decimal("120000")
    people = Target.objects.filter(subject_kind=SubjectKind.PERSON, start__year=2026).values_list(
        "value", flat=True
    )
    assert sum(people) == Decimal("120000")


def test_the_grid_costs_the_same_queries_with_more_people(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.director)
    url = reverse("targets:team", args=[world.east_sales.pk]) + "?year=2026"
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    TargetFactory(user=world.owner)
    few = count()
    for i in range(5):
        user = UserFactory(username=f"more{i}", roles=["sales-rep"])
        join(user, world.east_sales)
        TargetFactory(user=user)
        DealFactory(owner=user, stage=stage_named("Won"), closed_on=datetime.date(2026, 3, 3))
    assert count() == few


@pytest.mark.parametrize(
    "query", ["?year=0000", "?year=0001", "?year=9999", "?year=20x6", "?kpi=nope", "?year=99999"]
)
def test_a_bad_year_or_kpi_in_the_address_is_404_not_an_error(world: World, query: str) -> None:
    client = _client(world.director)
    assert client.get(reverse("targets:team", args=[world.east_sales.pk]) + query).status_code == 404
    assert client.get(reverse("targets:mine") + query).status_code == 404
