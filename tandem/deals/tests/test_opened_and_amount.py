"""A deal's opened date (a date, not an instant) and an amount that may be unknown (decision 0012):
created by the services, shown on the page, the form, the API and the export, counted by the board
totals as nothing, and filled for existing deals by the migration.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core import access
from tandem.deals import selectors, services, totals
from tandem.deals.models import Deal, DealStageTotal, Stage, StageKind
from tandem.deals.tests.factories import first_open_stage, pipeline, stage_named

pytestmark = pytest.mark.django_db


def _create(world: World, **data: Any) -> Deal:
    return services.deal_create(actor=world.actor(world.owner), data={"name": "Big deal", **data})


def test_a_deal_created_without_an_amount_keeps_no_amount(world: World) -> None:
    assert _create(world).amount is None
    assert _create(world, amount=None).amount is None
    assert _create(world, amount="0").amount == Decimal("0")  # a stated zero stays zero


def test_a_deal_edited_without_an_amount_keeps_it_unknown(world: World) -> None:
    deal = _create(world, amount="1200")
    deal = services.deal_update(actor=world.actor(world.owner), deal=deal, data={"amount": None})
    assert Deal.objects.get(pk=deal.pk).amount is None


def test_a_new_deal_opens_on_the_persons_today_unless_a_date_is_given(world: World, monkeypatch: Any) -> None:
    # 23:30 UTC on 1 March is already 2 March in Shanghai and still 1 March in New York.
    instant = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    with timezone.override("America/New_York"):
        assert _create(world).opened_on == datetime.date(2026, 3, 1)
    with timezone.override("Asia/Shanghai"):
        assert _create(world).opened_on == datetime.date(2026, 3, 2)
        given = _create(world, opened_on=datetime.date(2025, 12, 24))
    assert Deal.objects.get(pk=given.pk).opened_on == datetime.date(2025, 12, 24)


def test_the_board_totals_count_an_unknown_amount_as_nothing(world: World) -> None:
    owner = world.actor(world.owner)
    unknown = _create(world)
    _create(world, amount="250")
    assert totals.differences() == []
    stage = first_open_stage()
    board = selectors.column_totals(access.visible(owner, "deal", Deal.objects.all()), [stage.pk])
    summary = selectors.board_totals(owner, Deal.objects.none(), [stage.pk])
    assert board[stage.pk]["count"] == summary[stage.pk]["count"] == 2
    assert board[stage.pk]["totals"] == summary[stage.pk]["totals"] == {"CNY": Decimal("250")}
    later = next(s for s in pipeline().stages.order_by("order") if s.kind == StageKind.OPEN and s != stage)
    unknown = services.deal_update(actor=owner, deal=unknown, data={}, stage=later)
    services.deal_update(actor=owner, deal=unknown, data={"amount": "10"})
    services.deal_update(actor=owner, deal=unknown, data={"amount": None})
    services.deal_delete(actor=world.actor(world.admin), deal=unknown)
    assert totals.differences() == []
    totals.compact()
    assert totals.differences() == []
    assert DealStageTotal.objects.filter(stage=later).count() == 0  # came and went: nothing left


def test_the_deal_page_and_form_show_the_opened_date_and_an_unknown_amount(world: World) -> None:
    client = Client()
    client.force_login(world.owner)
    form = client.get(reverse("deals:deal-create"))
    assert form.status_code == 200 and 'name="opened_on"' in form.content.decode()
    response = client.post(
        reverse("deals:deal-create"),
        {
            "name": "No price yet",
            "stage": first_open_stage().pk,
            "currency": "USD",
            "amount": "",
            "opened_on": "2026-02-03",
            **_empty_formsets(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    deal = Deal.objects.get(name="No price yet")
    assert deal.amount is None and deal.opened_on == datetime.date(2026, 2, 3)
    page = client.get(deal.get_absolute_url()).content.decode()
    assert "Opened on" in page and "Feb 3, 2026" in page and "not known" in page


def _empty_formsets() -> dict[str, str]:
    data = {}
    for prefix in ("contacts", "lines"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def test_the_api_reads_and_writes_the_opened_date_and_an_unknown_amount(world: World) -> None:
    client = APIClient()
    client.force_login(world.admin)  # who may also export
    response = client.post(
        "/api/v1/deals/", {"name": "API deal", "amount": None, "opened_on": "2026-01-15"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] is None and body["opened_on"] == "2026-01-15"
    exported = client.get("/api/v1/deals/?format=csv")
    content = b"".join(exported.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Opened on"] == "2026-01-15" and row["Amount"] == ""


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_opened_dates_from_the_creation_day_and_reverses_keeping_amounts(
    world: World,
) -> None:
    executor = MigrationExecutor(connection)
    before = [("deals", "0007_field_labels")]
    after = [("deals", "0008_deal_opened_on_and_amount_unknown")]
    stage: Stage = stage_named("Qualification")
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("deals", "Deal")
        deal = old.objects.create(
            name="Old deal",
            owner_id=world.owner.pk,
            pipeline_id=stage.pipeline_id,
            stage_id=stage.pk,
            amount=Decimal("99"),
            currency="USD",
        )
        # 17:30 UTC on 1 March was 01:30 on 2 March in the server's time zone (Asia/Shanghai).
        old.objects.filter(pk=deal.pk).update(
            created_at=datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # Only this column: later migrations add others the table does not have at this point.
        assert Deal.all_objects.filter(pk=deal.pk).values_list("opened_on", flat=True).get() == datetime.date(
            2026, 3, 2
        )
        assert totals.installed_triggers() == set(totals.TRIGGERS)
        Deal.all_objects.filter(pk=deal.pk).update(amount=None)
        assert totals.differences() == []
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert old.objects.get(pk=deal.pk).amount == Decimal("0")
        assert totals.installed_triggers() == set(totals.TRIGGERS)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert totals.installed_triggers() == set(totals.TRIGGERS) and totals.differences() == []
