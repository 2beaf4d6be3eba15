"""Imports end to end through the services: reading, mapping, checking, writing, access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.customers.models import Account, Contact, DuplicateKey
from tandem.customers.tests.factories import AccountFactory, distinct_name
from tandem.deals.models import Deal, DealLine, Pipeline, Product, Stage
from tandem.imports import services
from tandem.imports.fields import suggest_mapping
from tandem.imports.models import ImportJob, ImportRowResult, ImportStatus
from tandem.leads.models import Lead

from .helpers import run, upload, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def messages_of(job_id: int, row: int) -> list[dict[str, Any]]:
    return ImportRowResult.objects.get(job_id=job_id, row_number=row).read_messages


# --- Suggestion and reading ------------------------------------------------------------------


def test_it_suggests_fields_from_english_chinese_and_foreign_headers() -> None:
    headers = ["Company", "sales_agent", "电话", "Email Address", "行业", "subsidiary_of", "revenue"]
    mapping = suggest_mapping("account", headers)
    assert mapping["Company"] == "name"
    assert mapping["sales_agent"] == "owner"
    assert mapping["电话"] == "phone"
    assert mapping["行业"] == "industry"
    assert mapping["subsidiary_of"] == "parent"
    assert "revenue" not in mapping
    deal = suggest_mapping(
        "deal", ["opportunity_id", "deal_stage", "close_value", "close_date", "客户名称", "负责人"]
    )
    assert deal == {
        "opportunity_id": "external_id",
        "deal_stage": "stage",
        "close_value": "amount",
        "close_date": "closed_on",
        "客户名称": "account",
        "负责人": "owner",
    }


def test_it_reads_a_gb18030_csv_with_chinese_headers_and_semicolons(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "客户.csv",
        [["客户名称", "电话", "行业"], ["北京华光科技有限公司", "010-6234 5678", "制造"]],
        encoding="gb18030",
        delimiter=";",
    )
    job = run(world.actor(world.manager), "account", path)
    assert job.encoding == "gb18030"
    assert job.delimiter == ";"
    assert job.status == ImportStatus.DONE, job.error
    account = Account.objects.get(name="北京华光科技有限公司")
    assert account.phone == "+861062345678"
    assert account.industry == "制造"
    assert account.owner == world.manager


def test_it_reads_excels_unicode_text_export_utf16_with_tabs(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "客户.txt",
        [["客户名称", "电话"], ["上海测试有限公司", "021-6234 5678"]],
        encoding="utf-16",
        delimiter="\t",
    )
    job = run(world.actor(world.manager), "account", path)
    assert (job.encoding, job.delimiter, job.status) == ("utf-16", "\t", ImportStatus.DONE)
    assert Account.objects.get(name="上海测试有限公司").phone == "+862162345678"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 20, "This is not a text file"),
        (b"PK\x03\x04" + b"\x00" * 200, "This is an Excel workbook or another zip file"),
    ],
)
def test_it_refuses_a_csv_that_is_not_text_and_says_what_it_is(
    world: World, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        upload(world.actor(world.manager), "account", path)
    assert any(message in text for text in caught.value.messages)
    assert not ImportJob.objects.exists()


def test_it_reads_the_first_sheet_of_an_xlsx_file(world: World, tmp_path: Path) -> None:
    import datetime

    path = write_xlsx(
        tmp_path / "contacts.xlsx",
        [["Name", "Mobile", "Birthday"], ["Li Lei", 13800138000, datetime.datetime(1990, 5, 1)]],
    )
    job = run(world.actor(world.manager), "contact", path)
    assert job.created_count == 1, ImportRowResult.objects.filter(job=job).values_list("messages", flat=True)
    contact = Contact.objects.get(name="Li Lei")
    assert contact.mobile == "+8613800138000"
    assert contact.birthday == datetime.date(1990, 5, 1)


def test_it_refuses_a_file_that_is_not_csv_or_xlsx(world: World, tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(ValidationError) as caught:
        upload(world.actor(world.manager), "account", path)
    assert "file" in caught.value.message_dict


# --- Dry run and modes -------------------------------------------------------------------------


def test_it_reports_a_bad_row_by_file_row_column_and_message_without_writing(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "accounts.csv",
        [
            ["name", "phone", "next_follow_up_on"],
            ["Alpha Ltd", "13800138000", "2030-01-02"],
            ["Beta Ltd", "12", "soon"],
        ],
    )
    job = run(world.actor(world.manager), "account", path, commit=False)
    assert job.status == ImportStatus.VALIDATED
    assert (job.total_rows, job.valid_rows, job.failed_count) == (2, 1, 1)
    problems = messages_of(job.pk, 3)
    assert {m["column"] for m in problems} == {"phone", "next_follow_up_on"}
    assert any("is not a phone number in CN" in m["message"] for m in problems)
    assert not Account.objects.exists()


def test_it_writes_nothing_in_all_or_nothing_mode_when_a_row_is_bad(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [["name", "email"], ["Alpha Ltd", "a@alpha.example"], ["Beta Ltd", "not-an-email"]],
    )
    job = run(world.actor(world.manager), "account", path, mode="all")
    assert job.status == ImportStatus.FAILED
    assert (job.created_count, job.failed_count, job.skipped_count) == (0, 1, 1)
    assert not Account.objects.exists()
    assert messages_of(job.pk, 3)[0]["column"] == "email"


def test_it_skips_bad_rows_and_imports_the_rest_in_skip_mode(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv", [["name", "email"], ["Alpha Ltd", "a@alpha.example"], ["", "x@y.example"]]
    )
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.failed_count) == (1, 1)
    assert list(Account.objects.values_list("name", flat=True)) == ["Alpha Ltd"]
    entry = HistoryEntry.objects.get(object_id=Account.objects.get().pk, action="create")
    assert entry.message == f"import #{job.pk}"
    assert entry.actor == world.manager
    assert DuplicateKey.objects.filter(record_type="account", kind="name", value="alpha").exists()
    csv_text = services.error_rows_csv(actor=world.actor(world.manager), job=job).decode("utf-8-sig")
    assert "x@y.example" in csv_text and "required" in csv_text


def test_it_updates_by_external_id_on_reimport_instead_of_duplicating(world: World, tmp_path: Path) -> None:
    actor = world.actor(world.manager)
    path = write_csv(
        tmp_path / "a.csv",
        [["id", "name", "city"], ["A-1", "Alpha Ltd", "Hangzhou"], ["A-2", "Beta Ltd", ""]],
    )
    first = run(actor, "account", path)
    assert first.created_count == 2
    write_csv(path, [["id", "name", "city"], ["A-1", "Alpha Ltd", "Suzhou"], ["A-2", "Beta Ltd", ""]])
    second = run(actor, "account", path)
    # Beta's row changes nothing: it is skipped as unchanged, not "updated".
    assert (second.created_count, second.updated_count, second.skipped_count, second.failed_count) == (
        0,
        1,
        1,
        0,
    )
    assert Account.objects.count() == 2
    alpha = Account.objects.get(external_id="A-1")
    assert alpha.city == "Suzhou"
    assert alpha.version == 2
    assert HistoryEntry.objects.filter(object_id=alpha.pk, action="update").get().changes["city"] == [
        "Hangzhou",
        "Suzhou",
    ]


def test_it_refuses_to_update_a_record_the_person_may_not_edit(world: World, tmp_path: Path) -> None:
    theirs = AccountFactory(name="West Corp", owner=world.outsider, external_id="W-1")
    path = write_csv(tmp_path / "a.csv", [["external_id", "name"], ["W-1", "Renamed"]])
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert job.failed_count == 1
    assert "may not edit" in messages_of(job.pk, 2)[0]["message"]
    theirs.refresh_from_db()
    assert theirs.name == "West Corp"


# --- References --------------------------------------------------------------------------------


def test_it_resolves_owners_and_suggests_the_nearest_name(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "owner"],
            ["Alpha Ltd", "tom teammate"],
            ["Beta Ltd", "Tom Teammat"],
            ["Gamma Ltd", "gone"],
        ],
    )
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert Account.objects.get(name="Alpha Ltd").owner == world.teammate
    assert Account.objects.get(name="Alpha Ltd").team == world.east_sales
    assert "Did you mean “Tom Teammate”?" in messages_of(job.pk, 3)[0]["message"]
    assert "active" in messages_of(job.pk, 4)[0]["message"]


def test_it_refuses_another_owner_without_the_assign_grant(world: World, tmp_path: Path) -> None:
    from tandem.org.models import Role, RoleGrant

    role = Role.objects.create(name="Importer", code="importer")
    RoleGrant.objects.create(
        role=role, resource="account", actions=["view", "create", "edit", "import"], scope="own"
    )
    world.owner.roles.add(role)
    path = write_csv(
        tmp_path / "a.csv", [["name", "owner"], ["Alpha Ltd", "teammate"], ["Beta Ltd", "owner"]]
    )
    job = run(world.actor(world.owner), "account", path, mode="skip")
    assert "give records to someone else" in messages_of(job.pk, 2)[0]["message"]
    assert Account.objects.get().owner == world.owner


def test_it_finds_accounts_by_normalised_name_and_stages_through_a_value_map(
    world: World, tmp_path: Path
) -> None:
    acme = AccountFactory(name="ACME Corporation", owner=world.owner)
    Product.objects.create(name="GTX Pro", list_price=100)
    path = write_csv(
        tmp_path / "deals.csv",
        [
            ["opportunity_id", "account", "deal_stage", "close_value", "close_date", "product"],
            ["D1", "Acme Corp", "Won", "1,200", "2026/11/26", "GTXPro"],
            ["D2", "Acme Corp", "Lost", "", "11/26/2026", "GTX Pro"],
            ["D3", "Acne Corp", "Prospecting", "¥3,000", "", "GTX Pro"],
        ],
    )
    job = run(
        world.actor(world.manager),
        "deal",
        path,
        mode="skip",
        values={"stage": {"Prospecting": "Qualification"}},
        currency="CNY",
    )
    won = Deal.objects.get(external_id="D1")
    assert won.account == acme and won.status == "won" and str(won.closed_on) == "2026-11-26"
    assert won.amount == 1200 and DealLine.objects.get(deal=won).product.name == "GTX Pro"
    assert messages_of(job.pk, 2)[0]["level"] == "warning"
    lost = Deal.objects.get(external_id="D2")
    assert lost.status == "lost" and lost.lost_reason == ""  # no reason is made up
    acme.refresh_from_db()
    assert acme.lifecycle == "customer"
    assert "Did you mean “ACME Corporation”?" in messages_of(job.pk, 4)[0]["message"]


def test_it_finds_pipelines_and_stages_by_their_name_in_any_language(world: World, tmp_path: Path) -> None:
    partner = Pipeline.objects.create(name="渠道合作", names={"en": "Partner deals"}, order=3)
    Stage.objects.create(pipeline=partner, name="联合方案", names={"en": "Joint proposal"}, probability=40)
    AccountFactory(name="Acme Corporation", owner=world.owner)
    suite = Product.objects.create(name="CRM 标准版", names={"en": "CRM Standard"}, list_price=100)
    path = write_csv(
        tmp_path / "deals.csv",
        [
            ["external id", "name", "account", "pipeline", "stage", "product"],
            ["P1", "Built-in stage in Chinese", "Acme Corporation", "", "方案报价", ""],
            [
                "P2",
                "Custom stage in English",
                "Acme Corporation",
                "Partner deals",
                "Joint proposal",
                "CRM Standard",
            ],
            ["P3", "Custom stage in Chinese", "Acme Corporation", "渠道合作", "联合方案", "CRM 标准版"],
            ["P4", "No such stage", "Acme Corporation", "Partner deals", "Joint proposa", ""],
        ],
    )
    job = run(
        world.actor(world.manager), "deal", path, mode="skip", currency="CNY", amount_from_list_price=True
    )
    assert Deal.objects.get(external_id="P1").stage.name == "Proposal"
    english = Deal.objects.get(external_id="P2")
    assert english.stage.name == "联合方案" and english.lines.get().product == suite
    assert messages_of(job.pk, 3) == []  # read by its English name: nothing to warn about
    assert Deal.objects.get(external_id="P3").stage.pipeline == partner
    assert not Deal.objects.filter(external_id="P4").exists()
    message = messages_of(job.pk, 5)[0]["message"]
    assert "Did you mean “Joint proposal”?" in message and "“Partner deals”" in message


def test_it_reads_a_misspelt_country_with_a_warning_and_refuses_one_it_cannot_place(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "accounts.csv",
        [
            ["account", "office_location"],
            ["Bioholding", "Philipines"],
            ["Cheese Corp", "Korea"],
            ["Nowhere Ltd", "Atlantis"],
        ],
    )
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert Account.objects.get(name="Bioholding").country == "PH"
    assert messages_of(job.pk, 2) == [
        {"column": "office_location", "message": "Read as “Philippines” (PH).", "level": "warning"}
    ]
    assert Account.objects.get(name="Cheese Corp").country == "KR" and messages_of(job.pk, 3) == []
    assert not Account.objects.filter(name="Nowhere Ltd").exists()
    assert "Enter a country name" in messages_of(job.pk, 4)[0]["message"]


def test_a_dry_run_reports_every_problem_of_a_row_at_once(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "deals.csv",
        [
            ["external id", "account", "sales_agent", "deal_stage", "close_value"],
            ["M1", "Nosuch Corp", "Nobody Atall", "Engaging", "lots"],
        ],
    )
    job = run(
        world.actor(world.manager),
        "deal",
        path,
        mode="skip",
        columns={
            "external id": "external_id",
            "account": "account",
            "sales_agent": "owner",
            "deal_stage": "stage",
            "close_value": "amount",
        },
        commit=False,
        currency="CNY",
    )
    columns = sorted(m["column"] for m in messages_of(job.pk, 2))
    assert columns == ["account", "close_value", "deal_stage", "sales_agent"]
    assert not Deal.objects.filter(external_id="M1").exists()


def test_it_sums_up_the_most_frequent_problems_errors_first(world: World, tmp_path: Path) -> None:
    AccountFactory(name="Acme Corporation", owner=world.owner)
    Product.objects.create(name="GTX Pro", list_price=100)
    path = write_csv(
        tmp_path / "deals.csv",
        [
            ["external id", "account", "deal_stage", "product"],
            ["S1", "Nosuch Corp", "Engaging", "GTXPro"],
            ["S2", "Nosuch Corp", "Won", "GTXPro"],
            ["S3", "Acme Corporation", "Engaging", "GTX Pro"],
        ],
    )
    job = run(world.actor(world.manager), "deal", path, mode="skip", commit=False, currency="CNY")
    assert [(p["level"], p["column"], p["rows"]) for p in job.problems] == [
        ("error", "account", 2),
        ("error", "deal_stage", 2),
        ("warning", "", 3),  # no amount: the product is not added as a line item
        ("warning", "product", 2),
    ]
    assert job.problems[0]["example"] == "No account called “Nosuch Corp” that you can see."
    job.refresh_from_db()
    assert len(job.problems) == 4


def test_a_follow_up_naming_an_unknown_account_is_told_only_that(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv", [["account", "subject", "date"], ["Nosuch Corp", "Called", "2025-03-01"]]
    )
    job = run(world.actor(world.manager), "activity", path, mode="skip", commit=False)
    messages = messages_of(job.pk, 2)
    assert len(messages) == 1 and "Nosuch Corp" in messages[0]["message"]


# --- Duplicates ----------------------------------------------------------------------------------


def test_it_reports_duplicates_in_the_file_and_against_the_database(world: World, tmp_path: Path) -> None:
    AccountFactory(name="Existing Trading Co", owner=world.outsider)
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "email"],
            ["Existing Trading Ltd", ""],
            ["Fresh Ltd", "ceo@fresh.example"],
            ["Fresh Limited", ""],
            ["Other Co", "ceo@fresh.example"],
        ],
    )
    job = run(world.actor(world.manager), "account", path, mode="skip")
    against_db = messages_of(job.pk, 2)[0]
    assert against_db["column"] == "name" and "Olga Outsider" in against_db["message"]
    assert "Existing Trading" not in against_db["message"]  # out of scope: existence and owner only
    assert "Like row 3 of this file" in messages_of(job.pk, 4)[0]["message"]
    assert "Tick" in messages_of(job.pk, 5)[0]["message"]  # a warning-level duplicate, not ticked
    assert list(Account.objects.filter(owner=world.manager).values_list("name", flat=True)) == ["Fresh Ltd"]


def test_it_finds_duplicates_whose_keys_hold_quotes_and_chinese_text(world: World, tmp_path: Path) -> None:
    AccountFactory(name="星辰科技", owner=world.manager)
    AccountFactory(name="Somewhere", owner=world.manager, email="o'brien+x@example.com")
    path = write_csv(
        tmp_path / "a.csv", [["name", "email"], ["星辰科技", ""], ["Elsewhere", "O'Brien+x@example.com"]]
    )
    job = run(world.actor(world.manager), "account", path, mode="skip", commit=False)
    assert "星辰科技" in messages_of(job.pk, 2)[0]["message"]
    assert "Somewhere" in messages_of(job.pk, 3)[0]["message"]


def test_it_drops_nul_characters_from_cells_rather_than_failing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name,website\nNul\x00 Trading,https://nul\x00.example.cn/\n", encoding="utf-8")
    job = run(world.actor(world.manager), "account", path)
    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert Account.objects.get(owner=world.manager).name == "Nul Trading"


def test_it_imports_warning_duplicates_when_asked(world: World, tmp_path: Path) -> None:
    AccountFactory(name="Somewhere", owner=world.manager, email="hello@shared.example")
    path = write_csv(tmp_path / "a.csv", [["name", "email"], ["Elsewhere", "hello@shared.example"]])
    job = run(world.actor(world.manager), "account", path, import_duplicates=True)
    assert job.created_count == 1
    assert messages_of(job.pk, 2)[0]["level"] == "warning"


def test_a_dry_run_and_the_import_agree_on_similar_names_across_batches(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows written by an earlier batch are rows of this file, not "records like this that exist"."""
    from tandem.imports import engine

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "phone"],
            ["Brightwater Logistics", "13800138001"],
            ["Unrelated Foods", "13800138002"],
            ["Brightwater Logistic", "13800138003"],  # similar to row 2, in the next batch
            ["Other Goods", "13800138001"],  # the same phone as row 2
        ],
    )
    actor = world.actor(world.manager)
    dry = run(actor, "account", path, commit=False, import_duplicates=True)
    dry_messages = {n: messages_of(dry.pk, n) for n in (4, 5)}
    job = run(actor, "account", path, import_duplicates=True)
    assert job.created_count == 4 and job.warning_count == dry.warning_count == 2
    for n in (4, 5):
        assert messages_of(job.pk, n) == dry_messages[n]
    assert "Like row 2 of this file: similar name" in dry_messages[4][0]["message"]
    assert dry_messages[4][0]["level"] == "warning" and dry_messages[4][0]["column"] == "name"
    assert "Like row 2 of this file: same phone" in dry_messages[5][0]["message"]
    assert len(dry_messages[5]) == 1  # not also "a record like this exists" once row 2 is written


# --- Access --------------------------------------------------------------------------------------


def test_it_denies_upload_without_the_import_grant(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["name"], ["Alpha Ltd"]])
    with pytest.raises(PermissionDenied):
        upload(world.actor(world.owner), "account", path)
    assert not Account.objects.exists()


def test_it_denies_someone_elses_job(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["name"], ["Alpha Ltd"]])
    job = upload(world.actor(world.manager), "account", path)
    with pytest.raises(PermissionDenied):
        services.job_commit(actor=world.actor(world.sibling_manager), job=job)
    assert not Account.objects.exists()


def test_it_requires_the_name_column_to_be_mapped(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["foo"], ["bar"]])
    job = upload(world.actor(world.manager), "account", path)
    with pytest.raises(ValidationError):
        services.job_set_mapping(
            actor=world.actor(world.manager), job=job, mapping={"columns": {"foo": "city"}}
        )


# --- Other kinds of records ----------------------------------------------------------------------


def test_it_imports_leads_with_the_lead_rules(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "leads.csv",
        [
            ["姓名", "公司", "状态", "来源", "国家"],
            ["张三", "华光", "unqualified", "web", ""],
            ["李四", "星河", "Contacted", "Website", "德国"],
        ],
    )
    job = run(world.actor(world.manager), "lead", path, mode="skip")
    assert "unqualified" in messages_of(job.pk, 2)[0]["message"]
    lead = Lead.objects.get()
    assert (lead.name, lead.status, lead.source, lead.country) == ("李四", "contacted", "web", "DE")


def test_it_imports_products_and_follow_ups(world: World, tmp_path: Path) -> None:
    admin = world.actor(world.admin)
    run(
        admin,
        "product",
        write_csv(tmp_path / "p.csv", [["product", "series", "sales_price"], ["MG Special", "MG", "$55"]]),
        currency="USD",
    )
    assert Product.objects.get().list_price == 55
    again = run(
        admin,
        "product",
        write_csv(tmp_path / "p2.csv", [["product", "sales_price"], ["mg special", "60"]]),
        currency="USD",
    )
    assert again.updated_count == 1 and Product.objects.get().list_price == 60
    account = AccountFactory(name="Visited Ltd", owner=world.admin)
    job = run(
        admin,
        "activity",
        write_csv(
            tmp_path / "f.csv",
            [["客户", "类型", "内容", "日期"], ["Visited Ltd", "电报", "Demo", "2025-03-01 10:30"]],
        ),
        mode="skip",
    )
    assert job.failed_count == 1  # 电报 is not a kind: the person is told the choices
    job = run(
        admin,
        "activity",
        write_csv(
            tmp_path / "f1.csv",
            [["客户", "类型", "内容", "日期"], ["Visited Ltd", "拜访", "Demo", "2025-03-01"]],
        ),
    )
    assert job.created_count == 1  # a kind by its Chinese label
    assert Activity.objects.filter(kind="visit").count() == 1
    job = run(
        admin,
        "activity",
        write_csv(
            tmp_path / "f2.csv",
            [["客户", "类型", "内容", "日期"], ["Visited Ltd", "Visit", "Demo", "2025年3月1日"]],
        ),
    )
    assert job.created_count == 1 and Activity.objects.count() == 2
    account.refresh_from_db()
    assert account.last_follow_up_at is not None and account.last_follow_up_at.year == 2025


# --- Batching --------------------------------------------------------------------------------------


def _accounts_file(tmp_path: Path, n: int) -> Path:
    rows: list[list[str]] = [["id", "name", "owner", "phone", "email"]]
    for i in range(n):
        rows.append(
            [
                f"X{n}-{i}",
                distinct_name("Alpha" if n == 5 else "Omega", i),
                "teammate",
                f"138{n:02d}13{i:04d}",
                f"c{i}@ex{n}-{i}.example",
            ]
        )
    return write_csv(tmp_path / f"accounts-{n}.csv", rows)


def test_it_commits_with_a_query_count_that_does_not_grow_with_rows(world: World, tmp_path: Path) -> None:
    """Reads, checks, updates and deletes are per batch. Inserts are per batch too; only SQLite
    splits one ``bulk_create`` into several statements (999 variables each), so inserts are
    bounded rather than equal there."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Account)  # cached for the whole process, as in production
    actor = world.actor(world.manager)
    reads, inserts = [], []
    for n in (5, 50):
        job = upload(actor, "account", _accounts_file(tmp_path, n))
        job = services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
        with CaptureQueriesContext(connection) as queries:
            job = services.job_commit(actor=actor, job=job)
        assert job.created_count == n
        statements = [q["sql"] for q in queries.captured_queries]
        reads.append(sum(1 for sql in statements if not sql.startswith("INSERT")))
        inserts.append(sum(1 for sql in statements if sql.startswith("INSERT")))
    assert reads[0] == reads[1]
    assert inserts[1] <= inserts[0] + (0 if connection.vendor == "postgresql" else 10)
    assert Account.objects.count() == 55


def test_a_lost_reason_column_names_a_reason_in_any_language_else_other_with_the_text(
    world: World, tmp_path: Path
) -> None:
    """Decision 0030: "价格" and "no budget" are reasons of the list; other text becomes "other"
    with the text as its note, a rule the dry run counts."""
    path = write_csv(
        tmp_path / "lost.csv",
        [
            ["external id", "name", "stage", "lost reason"],
            ["L1", "Lost on price", "Lost", "价格"],
            ["L2", "Lost on budget", "Lost", "no budget"],
            ["L3", "Lost to a merger", "Lost", "Bought by a group"],
            ["L4", "Lost quietly", "Lost", ""],
        ],
    )
    dry = run(world.actor(world.manager), "deal", path, commit=False, currency="CNY")
    assert {f["rule"]: f["rows"] for f in dry.fills}.get("lost_reason_other") == 1
    assert not Deal.objects.filter(external_id__startswith="L").exists()
    run(world.actor(world.manager), "deal", path, currency="CNY")
    found = {
        d.external_id: (d.lost_reason_ref.name if d.lost_reason_ref else None, d.lost_reason)
        for d in Deal.objects.filter(external_id__startswith="L").select_related("lost_reason_ref")
    }
    assert found == {
        "L1": ("Price", ""),
        "L2": ("No budget", ""),
        "L3": ("Other", "Bought by a group"),
        "L4": (None, ""),
    }
