"""The deal form's line items: any number of lines, totals computed by the server, errors beside
the line that caused them, nothing written when a line is refused; and the board's closing bar.

The browser side (prices filled, totals live, "add line") is in ``tandem/e2e/test_deal_form.py``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.deals import services
from tandem.deals.models import Deal, DealLine, Product
from tandem.deals.tests.factories import DealFactory, ProductFactory, stage_named
from tandem.org.models import User


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(user: User, lines: list[dict[str, Any]], deal: Deal | None = None, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "name": "Lines deal",
        "stage": stage_named("Qualification").pk,
        "amount": "",
        "currency": "CNY",
        # Two contact rows are posted although none is drawn before an account is chosen.
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
    }
    if deal is not None:
        data["version"] = deal.version
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{index}-{key}"] = value.pk if isinstance(value, Product) else value
    data.update(fields)
    url = reverse("deals:deal-edit", args=[deal.pk]) if deal else reverse("deals:deal-create")
    return _client(user).post(url, data)


def _rows(body: str) -> list[str]:
    """The form's line rows (not the empty one "add line" clones)."""
    drawn = body.split("<template data-line-template>", 1)[0]
    return re.findall(r"<tr data-line[ >].*?</tr>", drawn, flags=re.S)


def test_it_saves_any_number_of_lines_and_the_server_computes_every_total(world: World) -> None:
    products = [ProductFactory(list_price=Decimal(f"{100 * (i + 1)}.00")) for i in range(7)]
    lines: list[dict[str, Any]] = [{"product": p, "quantity": "2"} for p in products]
    lines[0].update(unit_price="33.33", discount_percent="12.5")  # 2 × 33.33 × 0.875 = 58.3275
    response = _post(world.owner, lines, amount="1.00")  # a stale amount, not typed by hand
    assert response.status_code == 302
    deal = Deal.objects.get(name="Lines deal")
    amounts = list(deal.lines.order_by("id").values_list("amount", flat=True))
    assert amounts == [Decimal("58.33"), *(2 * p.list_price for p in products[1:])]
    assert deal.amount == sum(amounts, Decimal("0")) == Decimal("5458.33")


def test_an_amount_typed_by_hand_stays_beside_the_lines(world: World) -> None:
    product = ProductFactory(list_price=Decimal("300"))
    response = _post(world.owner, [{"product": product, "quantity": "3"}], amount="800", amount_manual="True")
    assert response.status_code == 302
    deal = Deal.objects.get(name="Lines deal")
    assert deal.amount == Decimal("800.00")
    assert deal.lines.get().amount == Decimal("900.00")
    # Opened again, the form knows the amount was typed by hand.
    body = _client(world.owner).get(reverse("deals:deal-edit", args=[deal.pk])).content.decode()
    assert re.search(r'name="amount_manual" value="True"', body)


def test_an_amount_typed_by_hand_but_emptied_follows_the_lines(world: World) -> None:
    product = ProductFactory(list_price=Decimal("300"))
    response = _post(world.owner, [{"product": product}], amount="", amount_manual="True")
    assert response.status_code == 302
    assert Deal.objects.get(name="Lines deal").amount == Decimal("300.00")


def test_a_line_without_a_product_is_refused_beside_it_and_nothing_is_written(world: World) -> None:
    product = ProductFactory()
    response = _post(world.owner, [{"product": product}, {"product": "", "quantity": "4"}])
    assert response.status_code == 400
    rows = _rows(response.content.decode())
    assert "invalid-feedback" not in rows[0]
    assert "Choose a product, or remove the line." in rows[1]
    assert not Deal.objects.exists() and not DealLine.objects.exists()


def test_a_bad_number_on_a_line_is_shown_on_that_line(world: World) -> None:
    product = ProductFactory()
    response = _post(
        world.owner,
        [{"product": product}, {"product": product, "quantity": "-2", "discount_percent": "120"}],
    )
    assert response.status_code == 400
    rows = _rows(response.content.decode())
    assert rows[1].count("invalid-feedback") == 2 and "invalid-feedback" not in rows[0]
    assert not Deal.objects.exists()


def test_a_price_in_another_currency_is_never_taken_silently(world: World) -> None:
    yuan = ProductFactory(list_price=Decimal("100"))
    dollars = ProductFactory(name="Export licence", list_price=Decimal("990"), currency="USD")
    response = _post(world.owner, [{"product": yuan}, {"product": dollars, "quantity": "1"}])
    assert response.status_code == 400
    rows = _rows(response.content.decode())
    assert "the list price of Export licence is in USD; enter its price in CNY" in rows[1]
    assert "invalid-feedback" not in rows[0]
    assert not Deal.objects.exists() and not DealLine.objects.exists()
    # With a price in the deal's currency it is saved as given.
    response = _post(world.owner, [{"product": yuan}, {"product": dollars, "unit_price": "7000"}])
    assert response.status_code == 302
    assert Deal.objects.get().amount == Decimal("7100.00")


def test_a_refused_line_on_edit_leaves_the_deal_and_its_lines_as_they_were(world: World) -> None:
    product = ProductFactory(list_price=Decimal("50"))
    deal = services.deal_create(
        actor=world.actor(world.owner), data={"name": "Kept"}, lines=[{"product": product, "quantity": 2}]
    )
    dollars = ProductFactory(currency="USD")
    response = _post(world.owner, [{"product": product}, {"product": dollars}], deal=deal, name="Renamed")
    assert response.status_code == 400
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.version) == ("Kept", Decimal("100.00"), 1)
    assert list(deal.lines.values_list("quantity", flat=True)) == [Decimal("2.00")]


def test_a_removed_line_is_neither_checked_nor_saved(world: World) -> None:
    product = ProductFactory(list_price=Decimal("10"))
    lines = [{"product": product}, {"product": "", "quantity": "-1", "DELETE": "on"}]
    response = _post(world.owner, lines)
    assert response.status_code == 302
    assert Deal.objects.get().lines.count() == 1


def test_the_form_opens_with_one_empty_line_or_with_the_deals_lines(world: World) -> None:
    client = _client(world.owner)
    body = client.get(reverse("deals:deal-create")).content.decode()
    assert len(_rows(body)) == 1
    assert 'name="lines-TOTAL_FORMS" value="1"' in body
    assert "lines-__prefix__-product" in body  # the template "add line" clones
    assert "deal-line-data" in body and "js/deal_form.js" in body
    product = ProductFactory(list_price=Decimal("10"))
    deal = services.deal_create(
        actor=world.actor(world.owner), data={"name": "Five"}, lines=[{"product": product}] * 5
    )
    body = client.get(reverse("deals:deal-edit", args=[deal.pk])).content.decode()
    assert len(_rows(body)) == 5
    assert 'name="lines-TOTAL_FORMS" value="5"' in body
    assert 'name="amount_manual" value="False"' in body


def test_the_service_keeps_an_amount_given_when_told_not_to_follow_the_lines(world: World) -> None:
    product = ProductFactory(list_price=Decimal("10"))
    actor = world.actor(world.owner)
    kept = services.deal_create(
        actor=actor, data={"name": "x", "amount": "5"}, lines=[{"product": product}], amount_from_lines=False
    )
    assert kept.amount == Decimal("5")
    unknown = services.deal_create(
        actor=actor, data={"name": "y"}, lines=[{"product": product}], amount_from_lines=False
    )
    assert unknown.amount == Decimal("10.00")  # no amount given: the lines' total


def test_the_service_names_the_line_whose_price_is_in_another_currency(world: World) -> None:
    dollars = ProductFactory(currency="USD")
    deal = DealFactory(owner=world.owner, currency="CNY")
    with pytest.raises(ValidationError) as exc:
        services.deal_update(actor=world.actor(world.owner), deal=deal, data={}, lines=[{"product": dollars}])
    assert exc.value.message_dict["lines"][0].startswith("Line 1: the list price")
    # The deal in dollars takes the list price.
    updated = services.deal_update(
        actor=world.actor(world.owner), deal=deal, data={"currency": "USD"}, lines=[{"product": dollars}]
    )
    assert updated.amount == dollars.list_price


# --- The board's closing bar -------------------------------------------------------------------


def test_the_board_offers_won_and_lost_as_a_bar_under_the_columns(world: World) -> None:
    DealFactory(owner=world.owner)
    body = _client(world.owner).get(reverse("deals:board")).content.decode()
    board, bar = body.split('class="board-closing"', 1)
    for name in ("Won", "Lost"):
        stage = stage_named(name)
        assert f'data-stage="{stage.pk}" data-kind="{stage.kind}"' in bar
        assert f'data-stage="{stage.pk}"' not in board
    assert 'id="lost-modal"' in body  # a drop on "lost" asks for the reason first


def test_people_who_may_not_edit_deals_get_no_closing_bar(world: World) -> None:
    body = _client(world.support).get(reverse("deals:board"))
    assert body.status_code in (200, 403)
    assert 'class="board-closing"' not in body.content.decode()
