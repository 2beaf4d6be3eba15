"""A company's history in through ``tandem import``: teams, people, accounts, products, deals.

The files are written by hand in the SHAPE of the public Maven "CRM Sales Opportunities" files
(sales_teams: sales_agent, manager, regional_office; accounts: account, sector, office_location;
products: product, series, sales_price; sales_pipeline: opportunity_id, sales_agent, product,
account, deal_stage, engage_date, close_date, close_value), with their oddities: ``GTXPro`` for
``GTX Pro``, the sector ``technolgy``, managers who have no row of their own, blank close values
on open deals, lost deals at 0. Every expected figure below is worked out by hand in the comments.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.deals.models import Deal, DealStatus, Product
from tandem.kpis import engine
from tandem.kpis.company import company_settings
from tandem.org.models import Membership, Team, User

from .helpers import write_csv

pytestmark = pytest.mark.django_db

TEAMS = [["name", "parent"], ["Sales", ""], ["Central", "Sales"], ["East", "Sales"], ["West", "Sales"]]
SALES_TEAMS = [
    ["sales_agent", "manager", "regional_office", "active"],
    ["Anna Snelling", "Dustin Brinkmann", "Central", "yes"],
    ["Cecily Lampkin", "Dustin Brinkmann", "Central", "yes"],
    ["Corliss Cosme", "Rocco Neubert", "East", "yes"],
    ["Donn Cantrell", "Rocco Neubert", "East", "yes"],
    # Summer Sewald manages James and Kary; her own row comes last (named before it exists).
    ["James Ascencio", "Summer Sewald", "West", "yes"],
    ["Kary Hendrixson", "Summer Sewald", "West", "no"],  # has left; keeps her closed deals
    ["Summer Sewald", "Cara Losch", "West", "yes"],
]
ACCOUNTS = [
    ["account", "sector", "office_location"],
    ["Acme Corporation", "technolgy", "United States"],
    ["Betasoloin", "medical", "United States"],
    ["Cancity", "retail", "United States"],
]
PRODUCTS = [
    ["product", "series", "sales_price"],
    ["GTX Basic", "GTX", "550"],
    ["GTX Pro", "GTX", "4821"],
    ["MG Special", "MG", "55"],
]
H = [
    "opportunity_id",
    "sales_agent",
    "product",
    "account",
    "deal_stage",
    "engage_date",
    "close_date",
    "close_value",
]
PIPELINE = [
    H,
    [
        "O-01",
        "Anna Snelling",
        "GTXPro",
        "Acme Corporation",
        "Won",
        "2017-01-05",
        "2017-01-25",
        "4500",
    ],  # 20 d
    ["O-02", "Anna Snelling", "GTX Basic", "Betasoloin", "Won", "2017-02-01", "2017-02-11", "550"],  # 10 d
    ["O-03", "Anna Snelling", "MG Special", "Cancity", "Lost", "2017-02-03", "2017-03-05", "0"],
    ["O-04", "Anna Snelling", "GTX Basic", "Acme Corporation", "Engaging", "2017-03-01", "", ""],
    ["O-05", "Cecily Lampkin", "GTX Pro", "Cancity", "Won", "2017-03-10", "2017-04-09", "5000"],  # 30 d
    ["O-06", "Cecily Lampkin", "GTX Basic", "", "Prospecting", "", "", ""],
    ["O-07", "Corliss Cosme", "MG Special", "Betasoloin", "Won", "2017-01-10", "2017-01-20", "60"],  # 10 d
    ["O-08", "Corliss Cosme", "GTX Pro", "Acme Corporation", "Lost", "2017-01-12", "2017-02-11", "0"],
    ["O-09", "Donn Cantrell", "GTX Basic", "Cancity", "Won", "2017-04-01", "2017-04-21", "600"],  # 20 d
    ["O-10", "James Ascencio", "GTXPro", "Betasoloin", "Won", "2017-05-01", "2017-05-31", "4700"],  # 30 d
    ["O-11", "James Ascencio", "MG Special", "Acme Corporation", "Engaging", "2017-05-02", "", ""],
    ["O-12", "Kary Hendrixson", "GTX Basic", "Cancity", "Won", "2017-02-15", "2017-03-07", "500"],  # 20 d
    ["O-13", "Kary Hendrixson", "MG Special", "Acme Corporation", "Lost", "2017-02-20", "2017-03-02", "0"],
    ["O-14", "Summer Sewald", "GTX Pro", "Cancity", "Won", "2017-06-01", "2017-06-11", "4800"],  # 10 d
]
ALIASES = [
    "--alias",
    "product:GTXPro=GTX Pro",
    "--alias",
    "stage:Prospecting=Qualification",
    "--alias",
    "stage:Engaging=Proposal",
]


def _run(*args: str, refused: bool = False) -> str:
    out = io.StringIO()
    try:
        call_command("import", *args, "--user", "admin", stdout=out)
    except SystemExit as exc:
        if not refused:
            raise AssertionError(out.getvalue()) from exc
    return out.getvalue()


def _import_all(tmp_path: Path, *, again: bool = False) -> list[str]:
    files = {
        name: write_csv(tmp_path / f"{name}.csv", rows)
        for name, rows in (
            ("teams", TEAMS),
            ("sales_teams", SALES_TEAMS),
            ("accounts", ACCOUNTS),
            ("products", PRODUCTS),
            ("sales_pipeline", PIPELINE),
        )
    }
    return [
        _run("team", str(files["teams"])),
        _run(
            "user",
            str(files["sales_teams"]),
            "--username-from-name",
            "--create-missing-managers",
            "--default-role",
            "sales-rep",
        ),
        # The accounts file has no id: a second run finds every account there already and, all or
        # nothing, imports none (each row says which record it is like).
        _run("account", str(files["accounts"]), "--alias", "industry:technolgy=Technology", refused=again),
        _run("product", str(files["products"]), "--currency", "USD"),
        _run("deal", str(files["sales_pipeline"]), "--currency", "USD", *ALIASES),
    ]


def test_a_maven_shaped_history_imports_through_the_cli_with_figures_as_computed_by_hand(
    world: World, tmp_path: Path
) -> None:
    settings = company_settings()
    settings.currency = "USD"
    settings.save()
    outputs = _import_all(tmp_path)
    teams_out, people_out, accounts_out, products_out, deals_out = outputs
    assert "created 4," in teams_out
    # 7 rows; the three managers without a row (Dustin, Rocco, Cara) are created besides, counted.
    assert "created 7," in people_out and "failed 0" in people_out
    assert "filled by a rule, 7 rows: Username: made from the person's name" in people_out
    assert "filled by a rule, 3 rows: Manager without a row of their own" in people_out
    assert "filled by a rule, 7 rows: Password: none" in people_out
    assert "created 3," in accounts_out
    assert "filled by a rule, 1 rows: A value read through an alias" in accounts_out
    assert "created 3," in products_out
    assert "created 14," in deals_out and "failed 0" in deals_out
    # GTXPro twice, Prospecting once, Engaging twice: 5 rows read through an alias.
    assert "filled by a rule, 5 rows: A value read through an alias" in deals_out

    # People per team (primary teams): Central 2 + Dustin, East 2 + Rocco, West 3 + Cara.
    per_team = {
        name: Membership.objects.filter(team__name=name, is_primary=True).count()
        for name in ("Central", "East", "West")
    }
    assert per_team == {"Central": 3, "East": 3, "West": 4}
    summer = User.objects.get(display_name="Summer Sewald")
    assert User.objects.get(display_name="James Ascencio").manager == summer
    assert summer.manager is not None and summer.manager.display_name == "Cara Losch"
    assert User.objects.get(username="anna.snelling").manager.display_name == "Dustin Brinkmann"
    kary = User.objects.get(display_name="Kary Hendrixson")
    assert not kary.is_active and not kary.has_usable_password()
    assert Team.objects.get(name="Central").parent == Team.objects.get(name="Sales")
    assert Account.objects.get(name="Acme Corporation").industry == "Technology"

    # Deals: 8 won, 3 lost, 3 open; amounts and dates as given; no invented lost reason.
    assert Deal.objects.filter(status=DealStatus.WON).count() == 8
    assert Deal.objects.filter(status=DealStatus.LOST).count() == 3
    assert Deal.objects.filter(status=DealStatus.OPEN).count() == 3
    lost = Deal.objects.filter(status=DealStatus.LOST)
    assert {d.lost_reason for d in lost} == {""} and {d.amount for d in lost} == {Decimal("0.00")}
    o1 = Deal.objects.get(external_id="O-01")
    assert (o1.opened_on.isoformat(), o1.closed_on.isoformat(), o1.amount) == (
        "2017-01-05",
        "2017-01-25",
        Decimal("4500.00"),
    )
    assert o1.lines.get().product == Product.objects.get(name="GTX Pro")
    assert Deal.objects.filter(owner=kary).count() == 2
    assert Deal.objects.get(external_id="O-06").opened_on is None  # not known: left empty

    actor = world.actor(world.admin)
    rows, total = engine.deal_breakdown(actor=actor, group_by="owner")
    by_owner = {row.label: row for row in rows}
    # Won amount per person: Anna 4500 + 550; the others one won deal each.
    assert {label: row.won_amount for label, row in by_owner.items()} == {
        "Anna Snelling": Decimal("5050.00"),
        "Cecily Lampkin": Decimal("5000.00"),
        "Corliss Cosme": Decimal("60.00"),
        "Donn Cantrell": Decimal("600.00"),
        "James Ascencio": Decimal("4700.00"),
        "Kary Hendrixson": Decimal("500.00"),
        "Summer Sewald": Decimal("4800.00"),
    }
    team_rows, _total = engine.deal_breakdown(actor=actor, group_by="team")
    by_team = {row.label: row.won_amount for row in team_rows}
    # Central 5050 + 5000; East 60 + 600; West 4700 + 500 + 4800.
    assert by_team == {
        "Central": Decimal("10050.00"),
        "East": Decimal("660.00"),
        "West": Decimal("10000.00"),
    }
    assert (total.deals, total.won, total.lost, total.open) == (14, 8, 3, 3)
    assert total.won_amount == Decimal("20710.00")
    # Win rate 8 / (8 + 3) = 0.7273; days opened → closed over the won deals: 150 / 8 = 18.75,
    # which the engine gives to one decimal.
    assert total.win_rate == Decimal("0.7273")
    assert total.avg_won_days == Decimal("18.8")
    assert total.avg_won_amount == Decimal("2588.75")  # 20710 / 8

    # The same files again change nothing.
    counts = (User.objects.count(), Team.objects.count(), Account.objects.count(), Deal.objects.count())
    again = _import_all(tmp_path, again=True)
    assert "A record like this exists: “Acme Corporation”" in again[2]
    for out in again:
        assert "created 0," in out and "updated 0," in out, out
    assert counts == (
        User.objects.count(),
        Team.objects.count(),
        Account.objects.count(),
        Deal.objects.count(),
    )
