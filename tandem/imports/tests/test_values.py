"""Imports never change a value silently: numbers under the file's decimal separator, the file's
currency, dates as dates, blank cells left blank (or filled by a rule the mapping shows and the
dry run counts), phones in the row's own country."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal, DealLine, Product
from tandem.imports import services
from tandem.imports.fields import suggest_mapping
from tandem.imports.models import ImportRowResult
from tandem.leads.models import Lead

from .helpers import run, upload, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def messages_of(job_id: int, row: int) -> list[dict[str, Any]]:
    return ImportRowResult.objects.get(job_id=job_id, row_number=row).read_messages


def text_of(job_id: int, row: int) -> str:
    return " ".join(m["message"] for m in messages_of(job_id, row))


# --- Numbers ---------------------------------------------------------------------------------


def _prices(tmp_path: Path, *prices: str) -> Path:
    return write_csv(
        tmp_path / "products.csv", [["name", "price"], *([f"P{i}", p] for i, p in enumerate(prices))]
    )


def test_a_number_is_read_under_the_files_declared_decimal_separator(world: World, tmp_path: Path) -> None:
    admin = world.actor(world.admin)
    job = run(
        admin, "product", _prices(tmp_path, "1.234,50", "12.345"), currency="EUR", decimal_separator=","
    )
    assert job.created_count == 2
    assert Product.objects.get(name="P0").list_price == Decimal("1234.50")
    assert Product.objects.get(name="P1").list_price == Decimal("12345")


def test_a_number_it_would_have_to_guess_or_round_is_refused_with_the_formats_it_takes(
    world: World, tmp_path: Path
) -> None:
    """``1.234,50`` became 1.23 and ``12.345`` became 12.34, with no message."""
    admin = world.actor(world.admin)
    path = _prices(tmp_path, "1.234,50", "12.345", "12.3456", "1,234.5")
    job = run(admin, "product", path, currency="EUR", mode="skip")
    assert (job.created_count, job.failed_count) == (1, 3)
    assert "decimal separator" in text_of(job.pk, 2)
    assert "could be a number with three decimals or a whole number" in text_of(job.pk, 3)
    assert "has 4 decimal places; this field keeps 2" in text_of(job.pk, 4)
    assert Product.objects.get().list_price == Decimal("1234.50")


def test_a_workbook_is_read_with_a_decimal_point(world: World, tmp_path: Path) -> None:
    admin = world.actor(world.admin)
    path = write_xlsx(tmp_path / "p.xlsx", [["name", "price"], ["Widget", 12.5]])
    job = upload(admin, "product", path)
    with pytest.raises(ValidationError) as refused:
        services.job_set_mapping(
            actor=admin, job=job, mapping=job.mapping, currency="USD", decimal_separator=","
        )
    assert "decimal_separator" in refused.value.message_dict
    job = run(admin, "product", path, currency="USD")
    assert Product.objects.get().list_price == Decimal("12.50")


# --- Currency --------------------------------------------------------------------------------


def _deals(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    header = header or ["opportunity_id", "account", "deal_stage", "close_value"]
    return write_csv(tmp_path / "deals.csv", [header, *rows])


def test_a_deal_file_without_a_currency_is_refused_at_the_mapping_step(world: World, tmp_path: Path) -> None:
    """8,800 USD deals became CNY because that was the default."""
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    job = upload(actor, "deal", _deals(tmp_path, [["D1", "Acme Corporation", "Won", "1054"]]))
    with pytest.raises(ValidationError) as refused:
        services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
    assert "currency" in refused.value.message_dict
    with pytest.raises(ValidationError):  # nor may it be checked or imported without one
        services.job_dry_run(actor=actor, job=job)
    assert not Deal.objects.exists()


def test_the_files_currency_goes_to_every_row_and_the_dry_run_counts_it(world: World, tmp_path: Path) -> None:
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    path = _deals(
        tmp_path, [["D1", "Acme Corporation", "Won", "1054"], ["D2", "Acme Corporation", "Lost", "0"]]
    )
    dry = run(actor, "deal", path, currency="USD", commit=False)
    assert {"rule": "currency", "rows": 2} in dry.fills
    run(actor, "deal", path, currency="USD")
    assert set(Deal.objects.values_list("currency", flat=True)) == {"USD"}


def test_a_blank_currency_cell_takes_the_files_currency_and_without_one_is_refused(
    world: World, tmp_path: Path
) -> None:
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    header = ["opportunity_id", "account", "deal_stage", "close_value", "currency"]
    rows = [["D1", "Acme Corporation", "Won", "10", "EUR"], ["D2", "Acme Corporation", "Won", "20", ""]]
    job = run(actor, "deal", _deals(tmp_path, rows, header), mode="skip", commit=False)
    assert job.failed_count == 1 and "no currency" in text_of(job.pk, 3)
    job = run(actor, "deal", _deals(tmp_path, rows, header), currency="GBP")
    assert dict(Deal.objects.values_list("external_id", "currency")) == {"D1": "EUR", "D2": "GBP"}
    assert {"rule": "currency", "rows": 1} in job.fills


def test_an_amount_written_in_another_currency_is_refused(world: World, tmp_path: Path) -> None:
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    rows = [["D1", "Acme Corporation", "Won", "€1,200"], ["D2", "Acme Corporation", "Won", "$1,200"]]
    job = run(actor, "deal", _deals(tmp_path, rows), currency="USD", mode="skip")
    assert "written in EUR, but the row's currency is USD" in text_of(job.pk, 2)
    assert Deal.objects.get().amount == Decimal("1200")


# --- Blank stays blank -------------------------------------------------------------------------


# The Maven file's stages, in the default pipeline's words (a value map on the mapping step).
MAVEN_STAGES = {"stage": {"Prospecting": "Qualification", "Engaging": "Needs analysis"}}


def _maven(tmp_path: Path, rows: list[list[str]]) -> Path:
    header = [
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ]
    return write_csv(tmp_path / "sales_pipeline.csv", [header, *rows])


def test_a_blank_amount_stays_blank_unless_the_list_price_rule_is_chosen(
    world: World, tmp_path: Path
) -> None:
    """2,089 open deals took their product's list price: 4.97 million invented."""
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    Product.objects.create(name="GTX Pro", list_price=Decimal("4821"), currency="USD")
    row = ["M1", "", "GTX Pro", "Acme Corporation", "Engaging", "2017-06-01", "", ""]
    job = run(actor, "deal", _maven(tmp_path, [row]), currency="USD", values=MAVEN_STAGES)
    deal = Deal.objects.get()
    assert deal.amount is None and not DealLine.objects.exists()
    assert deal.name == "Acme Corporation – GTX Pro"  # the product still names it
    assert "not added as a line item" in text_of(job.pk, 2)
    assert not any(f["rule"] == "amount_list_price" for f in job.fills)
    deal.delete()
    job = run(
        actor,
        "deal",
        _maven(tmp_path, [row]),
        currency="USD",
        amount_from_list_price=True,
        values=MAVEN_STAGES,
    )
    deal = Deal.objects.get()
    assert deal.amount == Decimal("4821") and deal.lines.get().product.name == "GTX Pro"
    assert {"rule": "amount_list_price", "rows": 1} in job.fills


def test_a_blank_amount_on_an_update_keeps_the_deals_own_amount_even_with_the_list_price_rule(
    world: World, tmp_path: Path
) -> None:
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    Product.objects.create(name="GTX Pro", list_price=Decimal("4821"), currency="USD")
    row = ["M1", "", "GTX Pro", "Acme Corporation", "Engaging", "2017-06-01", "", "5000"]
    run(actor, "deal", _maven(tmp_path, [row]), currency="USD", values=MAVEN_STAGES)
    row[-1] = ""
    job = run(
        actor,
        "deal",
        _maven(tmp_path, [row]),
        currency="USD",
        amount_from_list_price=True,
        values=MAVEN_STAGES,
    )
    deal = Deal.objects.get()
    assert job.skipped_count == 1 and job.updated_count == 0 and deal.amount == Decimal("5000")
    assert deal.lines.get().amount == Decimal("5000")
    assert not any(f["rule"] == "amount_list_price" for f in job.fills)


def test_a_deal_without_a_name_column_is_named_honestly_or_refused(world: World, tmp_path: Path) -> None:
    """A deal without an account was named after its product alone."""
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    Product.objects.create(name="GTX Pro", list_price=Decimal("4821"), currency="USD")
    rows = [
        ["M1", "", "GTX Pro", "Acme Corporation", "Won", "2017-06-01", "2017-07-01", "5000"],
        ["M2", "", "GTX Pro", "", "Prospecting", "", "", ""],
    ]
    job = run(actor, "deal", _maven(tmp_path, rows), currency="USD", commit=False, values=MAVEN_STAGES)
    assert "named “Acme Corporation – GTX Pro”" in text_of(job.pk, 2)
    assert "named “M2”" in text_of(job.pk, 3)
    assert {"rule": "name_account_product", "rows": 1} in job.fills
    assert {"rule": "name_external_id", "rows": 1} in job.fills
    run(actor, "deal", _maven(tmp_path, rows), currency="USD", values=MAVEN_STAGES)
    assert dict(Deal.objects.values_list("external_id", "name")) == {
        "M1": "Acme Corporation – GTX Pro",
        "M2": "M2",
    }
    nameless = write_csv(tmp_path / "nameless.csv", [["product", "deal_stage"], ["GTX Pro", "Prospecting"]])
    job = run(actor, "deal", nameless, currency="USD", mode="skip", values=MAVEN_STAGES)
    assert job.failed_count == 1 and "This deal has no name" in text_of(job.pk, 2)


def test_dates_are_the_files_own_never_the_day_of_the_import(world: World, tmp_path: Path) -> None:
    """An engage date was stored as midnight in Shanghai (a day early in UTC and America); a won
    deal without a close date closed on the day of the import."""
    assert suggest_mapping("deal", ["engage_date", "close_date"]) == {
        "engage_date": "opened_on",
        "close_date": "closed_on",
    }
    actor = world.actor(world.manager)
    AccountFactory(name="Acme Corporation", owner=world.manager)
    rows = [
        ["M1", "", "", "Acme Corporation", "Won", "2016-10-20", "2017-03-01", "1054"],
        ["M2", "", "", "Acme Corporation", "Won", "2016-10-21", "", "1054"],
        ["M3", "", "", "Acme Corporation", "Engaging", "", "", ""],
    ]
    job = run(actor, "deal", _maven(tmp_path, rows), currency="USD", values=MAVEN_STAGES)
    assert job.failed_count == 0
    won = Deal.objects.get(external_id="M1")
    assert (won.opened_on, won.closed_on) == (datetime.date(2016, 10, 20), datetime.date(2017, 3, 1))
    assert won.amount == Decimal("1054") and won.currency == "USD"
    undated = Deal.objects.get(external_id="M2")
    assert undated.opened_on == datetime.date(2016, 10, 21) and undated.closed_on is None
    assert Deal.objects.get(external_id="M3").opened_on is None


def test_a_closed_deal_without_a_close_date_takes_its_expected_date_by_a_counted_rule(
    world: World, tmp_path: Path
) -> None:
    actor = world.actor(world.manager)
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["name", "stage", "expected close date", "close date"],
            ["Won late", "Won", "2025-05-01", ""],
            ["Still open", "Qualification", "", "2025-06-01"],
        ],
    )
    job = run(actor, "deal", path, currency="CNY")
    assert Deal.objects.get(name="Won late").closed_on == datetime.date(2025, 5, 1)
    still_open = Deal.objects.get(name="Still open")
    assert still_open.closed_on is None and still_open.expected_close_date == datetime.date(2025, 6, 1)
    assert {"rule": "closed_on", "rows": 1} in job.fills
    assert {"rule": "expected_close_date", "rows": 1} in job.fills


def test_a_follow_up_without_a_date_is_refused_and_one_without_a_kind_is_a_counted_note(
    world: World, tmp_path: Path
) -> None:
    """A blank date became the time of the import."""
    admin = world.actor(world.admin)
    AccountFactory(name="Visited Ltd", owner=world.admin)
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["account", "content", "date", "kind"],
            ["Visited Ltd", "Demo", "", "visit"],
            ["Visited Ltd", "Call", "2025-03-01", ""],
        ],
    )
    job = run(admin, "activity", path, mode="skip")
    assert "Give the date" in text_of(job.pk, 2)
    assert Activity.objects.get().kind == "note"
    assert {"rule": "activity_kind", "rows": 1} in job.fills


def test_a_wall_time_is_read_in_the_importing_persons_time_zone(world: World, tmp_path: Path) -> None:
    world.admin.time_zone = "America/New_York"
    world.admin.save(update_fields=["time_zone"])
    AccountFactory(name="Visited Ltd", owner=world.admin)
    path = write_csv(
        tmp_path / "f.csv",
        [["account", "content", "date", "kind"], ["Visited Ltd", "Demo", "2025-03-01 10:30", "call"]],
    )
    with timezone.override("Asia/Shanghai"):  # whatever zone the worker runs in
        run(world.actor(world.admin), "activity", path)
    assert Activity.objects.get().occurred_at == datetime.datetime(2025, 3, 1, 15, 30, tzinfo=datetime.UTC)


# --- Phones ------------------------------------------------------------------------------------


def test_phones_are_read_in_the_rows_own_country(world: World, tmp_path: Path) -> None:
    """A London number became +86."""
    actor = world.actor(world.manager)
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "country", "phone"],
            ["London Ltd", "United Kingdom", "020 7946 0958"],
            ["Hangzhou Ltd", "", "(0571) 8888-6666"],
            ["New York Inc", "US", "(212) 555-0100"],
        ],
    )
    run(actor, "account", path)
    assert dict(Account.objects.values_list("name", "phone")) == {
        "London Ltd": "+442079460958",
        "Hangzhou Ltd": "+8657188886666",
        "New York Inc": "+12125550100",
    }
    contacts = write_csv(
        tmp_path / "c.csv", [["name", "account", "mobile"], ["Jane Doe", "London Ltd", "07700 900123"]]
    )
    run(actor, "contact", contacts)
    assert Contact.objects.get().mobile == "+447700900123"
    leads = write_csv(tmp_path / "l.csv", [["name", "country", "phone"], ["Bob", "US", "(212) 555-0199"]])
    run(actor, "lead", leads)
    assert Lead.objects.get().phone == "+12125550199"


def test_a_contact_updated_without_an_account_column_reads_phones_in_its_accounts_country(
    world: World, tmp_path: Path
) -> None:
    actor = world.actor(world.manager)
    london = AccountFactory(name="London Ltd", owner=world.manager, country="GB")
    Contact.objects.create(name="Jane", account=london, owner=world.manager, external_id="C1")
    path = write_csv(tmp_path / "c.csv", [["external id", "name", "mobile"], ["C1", "Jane", "07700 900123"]])
    job = run(actor, "contact", path)
    assert job.updated_count == 1 and Contact.objects.get().mobile == "+447700900123"


# --- Where the options are chosen and shown: the mapping step, the API, the command line -------


def test_the_mapping_page_asks_for_the_files_currency_and_the_result_shows_how_values_were_read(
    world: World, tmp_path: Path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    AccountFactory(name="Acme Corporation", owner=world.manager)
    client = Client()
    client.force_login(world.manager)
    upload_file = SimpleUploadedFile(
        "d.csv", b"opportunity_id,account,deal_stage,close_value\nD1,Acme Corporation,Won,1.054\n"
    )
    client.post(reverse("imports:job-list"), {"resource": "deal", "file": upload_file, "mode": "skip"})
    job = services.ImportJob.objects.get()
    page = client.get(reverse("imports:job-mapping", args=[job.pk])).content.decode()
    assert 'name="currency"' in page and 'name="decimal_separator"' in page
    assert 'name="amount_from_list_price"' in page and "Deal name: “account – product”" in page
    posted = {
        "col-0": "external_id",
        "col-1": "account",
        "col-2": "stage",
        "col-3": "amount",
        "action": "check",
    }
    response = client.post(reverse("imports:job-mapping", args=[job.pk]), posted)
    assert response.status_code == 400
    assert 'id="currency-error"' in response.content.decode() and not job.rows.exists()
    response = client.post(
        reverse("imports:job-mapping", args=[job.pk]), {**posted, "currency": "USD", "decimal_separator": ","}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.currency, job.decimal_separator, job.valid_rows) == ("USD", ",", 1)
    result = client.get(reverse("imports:job-detail", args=[job.pk])).content.decode()
    assert "How values were read" in result and "Currency: the file&#x27;s currency" in result


def test_the_api_takes_the_options_on_the_mapping_and_reports_the_fills(world: World) -> None:
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    AccountFactory(name="Acme Corporation", owner=world.manager)
    client = APIClient()
    client.force_authenticate(world.manager)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["opportunity_id", "account", "deal_stage", "close_value"],
            ["D1", "Acme Corporation", "Won", "1054"],
        ]
    )
    upload_file = SimpleUploadedFile("d.csv", buffer.getvalue().encode(), content_type="text/csv")
    job = client.post(
        "/api/v1/imports/", {"resource": "deal", "file": upload_file}, format="multipart"
    ).json()
    response = client.patch(f"/api/v1/imports/{job['id']}/mapping/", {}, format="json")
    assert response.status_code == 400 and "currency" in response.json()
    response = client.patch(f"/api/v1/imports/{job['id']}/mapping/", {"currency": "USD"}, format="json")
    assert response.status_code == 200 and response.json()["currency"] == "USD"
    body = client.post(f"/api/v1/imports/{job['id']}/dry-run/").json()
    assert {"rule": "currency", "label": "Currency: the file's currency", "rows": 1} in body["fills"]
    assert body["decimal_separator"] == "." and body["amount_from_list_price"] is False


def test_the_command_line_imports_a_maven_file_with_its_currency_and_dates(
    world: World, tmp_path: Path
) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    AccountFactory(name="Acme Corporation", owner=world.admin)
    Product.objects.create(name="GTX Pro", list_price=Decimal("4821"), currency="USD")
    path = _maven(
        tmp_path,
        [
            ["M1", "", "GTX Pro", "Acme Corporation", "Won", "2016-10-20", "2017-03-01", "1054"],
            ["M2", "", "GTX Pro", "Acme Corporation", "Engaging", "2017-06-01", "", ""],
        ],
    )
    mapping = tmp_path / "m.json"
    mapping.write_text(
        '{"columns": {"opportunity_id": "external_id", "product": "product", "account": "account", '
        '"deal_stage": "stage", "engage_date": "opened_on", "close_date": "closed_on", '
        '"close_value": "amount"}, "values": {"stage": {"Engaging": "Needs analysis"}}}'
    )
    with pytest.raises(CommandError, match="currency"):
        call_command(
            "import", "deal", str(path), "--mapping", str(mapping), "--user", "admin", stdout=io.StringIO()
        )
    out = io.StringIO()
    call_command(
        "import",
        "deal",
        str(path),
        "--mapping",
        str(mapping),
        "--user",
        "admin",
        "--currency",
        "USD",
        stdout=out,
    )
    assert "currency of the file: USD" in out.getvalue()
    assert "filled by a rule, 2 rows: Currency: the file's currency" in out.getvalue()
    won, engaged = Deal.objects.get(external_id="M1"), Deal.objects.get(external_id="M2")
    assert (won.amount, won.currency, won.opened_on, won.closed_on) == (
        Decimal("1054"),
        "USD",
        datetime.date(2016, 10, 20),
        datetime.date(2017, 3, 1),
    )
    assert (engaged.amount, engaged.currency, engaged.opened_on, engaged.closed_on) == (
        None,
        "USD",
        datetime.date(2017, 6, 1),
        None,
    )
