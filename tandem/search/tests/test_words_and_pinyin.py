"""Finding things: several words (all of them), pinyin and initials, everywhere search is offered.

"上海 精密" and "精密 天祥" find the records holding every word; "tianxiang" and "txjm" find 天祥精密 —
in global search, the command palette, the list search boxes, the API and the record pickers
(they share ``customers.filters.search``). The search text behind it (``search.text``) is kept right
by create, update, import and merge, and back-filled by the migrations (``search.indexing``).
People come from the ``world`` fixture (tandem/conftest.py).
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import factory
import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers import services as customer_services
from tandem.customers.merge import account_merge
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.imports.tests.helpers import run, write_csv
from tandem.leads import services as lead_services
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User
from tandem.search import indexing
from tandem.search.text import normalize, pinyin_forms, search_text_of, search_text_of_values, terms

TIANXIANG = "上海天祥精密机械有限公司"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def palette_titles(user: User, q: str, **params: str) -> set[str]:
    body = web(user).get("/search/palette/", {"q": q, "actions": "0", **params}).json()
    return {row["title"] for row in body["results"]}


@pytest.fixture
def accounts(world: World) -> dict[str, Any]:
    return {
        "tianxiang": AccountFactory(owner=world.owner, name=TIANXIANG, city="上海"),
        "trading": AccountFactory(owner=world.owner, name="天祥贸易有限公司", city="上海"),
        "beijing": AccountFactory(owner=world.owner, name="北京精密仪器厂", city="北京"),
    }


# --- The search text ------------------------------------------------------------------------


def test_the_search_text_holds_the_words_their_pinyin_and_initials() -> None:
    assert pinyin_forms("天祥精密") == ("tianxiangjingmi", "txjm")
    assert pinyin_forms("Harbour Glass") == ("", "")
    text = search_text_of_values(["天祥精密", "上海"])
    assert text == "天祥精密 上海 tianxiangjingmi txjm shanghai sh"
    # Full-width letters and capitals read as plain lower-case ones; a polyphonic character reads
    # as in its phrase (重庆 is chongqing, not zhongqing).
    assert normalize("ＡＢＣ　Ltd") == "abc ltd"
    assert pinyin_forms("重庆")[0] == "chongqing"
    assert terms("  上海   精密 ") == ["上海", "精密"]


POLYPHONIC_NAMES = [
    "重庆银行",
    "长沙银行行长办公室",
    "重庆长安汽车股份有限公司",
    "朝阳区朝阳医院",
    "乐山音乐学院",
    "厦门单县蚌埠都市调查中心",
    "了解行业的银行",
    "中国银行上海分行",
    "重重叠叠",
]


# Names made as the import benchmark makes them: a city, characters read one by one, a trade.
COMPANY_NAMES = [
    f"{city}{a}{b}{c}{trade}{suffix}"
    for city, a, b, c, trade, suffix in zip(
        "上北深广杭南苏成武西厦青",
        "华信达通宏泰鑫源盛恒瑞丰",
        "嘉成兴隆安康德利天祥云海",
        "金汇博远创新科联合众智长",
        ["科技", "贸易", "实业", "信息技术", "电子", "医药", "物流", "建材", "食品", "咨询", "银行", "重工"],
        ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"] * 3,
        strict=True,
    )
]


@pytest.mark.parametrize("run", [*POLYPHONIC_NAMES, *COMPANY_NAMES])
def test_a_run_reads_as_pinyin_reads_it_whole(run: str) -> None:
    """Readings are cached by word, but the run is still cut as a whole: the same syllables as
    ``lazy_pinyin`` of the run, polyphonic characters included, cold or warm."""
    from pypinyin import Style, lazy_pinyin

    from tandem.search import text

    whole = tuple(lazy_pinyin(run, style=Style.NORMAL, errors="default"))
    text.clear_memos()
    assert text._syllables(run) == whole
    for word in POLYPHONIC_NAMES:  # other runs' words cached first
        text._syllables(word)
    text._syllables.cache_clear()
    assert text._syllables(run) == whole


# --- Several words: every one of them ------------------------------------------------------


@pytest.mark.parametrize("q", ["上海 精密", "精密 天祥", "天祥 上海 精密机械"])
def test_several_words_find_only_the_records_holding_all_of_them(
    world: World, accounts: dict[str, Any], q: str
) -> None:
    assert palette_titles(world.owner, q) == {TIANXIANG}
    page = web(world.owner).get("/search/", {"q": q}).content.decode()
    assert TIANXIANG in page
    assert "天祥贸易有限公司" not in page and "北京精密仪器厂" not in page


def test_one_word_still_finds_every_record_holding_it(world: World, accounts: dict[str, Any]) -> None:
    assert palette_titles(world.owner, "精密") == {TIANXIANG, "北京精密仪器厂"}
    assert palette_titles(world.owner, "天祥") == {TIANXIANG, "天祥贸易有限公司"}


def test_words_are_matched_across_a_leads_name_and_company(world: World) -> None:
    LeadFactory(owner=world.owner, name="王小明", company="天祥精密")
    LeadFactory(owner=world.owner, name="王大力", company="宏达贸易")
    assert palette_titles(world.owner, "王 精密") == {"王小明"}
    assert palette_titles(world.owner, "wxm txjm") == {"王小明"}


# --- Pinyin and initials, in every place search is offered --------------------------------


@pytest.mark.parametrize("q", ["tianxiang", "txjm", "TianXiang JingMi", "shtxjm", "jingmi 上海"])
def test_pinyin_and_initials_find_a_chinese_name_in_search_and_the_palette(
    world: World, accounts: dict[str, Any], q: str
) -> None:
    assert TIANXIANG in palette_titles(world.owner, q)
    assert "北京精密仪器厂" not in palette_titles(world.owner, q)
    assert TIANXIANG in web(world.owner).get("/search/", {"q": q}).content.decode()


def test_pinyin_finds_every_kind(world: World, accounts: dict[str, Any]) -> None:
    ContactFactory(account=accounts["tianxiang"], owner=world.owner, name="张伟")
    LeadFactory(owner=world.owner, name="李娜", company="天祥精密")
    DealFactory(owner=world.owner, account=accounts["tianxiang"], name="天祥精密 二期")
    found = web(world.owner).get("/search/palette/", {"q": "zhangwei", "actions": "0"}).json()["results"]
    assert [(r["type"], r["title"]) for r in found] == [("contact", "张伟")]
    types = {r["type"] for r in web(world.owner).get("/search/palette/", {"q": "txjm"}).json()["results"]}
    assert types == {"account", "lead", "deal"}


def test_the_follow_up_record_picker_finds_by_initials(world: World, accounts: dict[str, Any]) -> None:
    # The quick follow-up dialog's picker is the palette limited to some kinds.
    assert palette_titles(world.owner, "txjm", kinds="account,lead") == {TIANXIANG}


def test_the_account_pickers_find_by_pinyin_and_several_words(world: World, accounts: dict[str, Any]) -> None:
    client = web(world.owner)
    options = client.get("/customers/accounts/options/", {"q": "txjm"}).content.decode()
    assert TIANXIANG in options and "北京精密仪器厂" not in options
    deal_form = client.get("/deals/form/accounts/", {"q": "jingmi shanghai"}).content.decode()
    assert TIANXIANG in deal_form and "北京精密仪器厂" not in deal_form


def test_list_search_boxes_and_the_api_find_by_pinyin(world: World, accounts: dict[str, Any]) -> None:
    LeadFactory(owner=world.owner, name="李娜", company="天祥精密")
    DealFactory(owner=world.owner, account=accounts["tianxiang"], name="天祥精密 二期")
    client = web(world.owner)
    listed = client.get("/customers/accounts/", {"q": "tianxiang jingmi"}).content.decode()
    assert TIANXIANG in listed and "天祥贸易有限公司" not in listed
    api = APIClient()
    api.force_login(world.owner)
    assert [r["name"] for r in api.get("/api/v1/accounts/", {"q": "txjm"}).json()["results"]] == [TIANXIANG]
    assert [r["name"] for r in api.get("/api/v1/leads/", {"q": "lina"}).json()["results"]] == ["李娜"]
    assert [r["name"] for r in api.get("/api/v1/deals/", {"q": "txjm erqi"}).json()["results"]] == [
        "天祥精密 二期"
    ]


@pytest.mark.parametrize("who", ["teammate", "outsider"])
def test_pinyin_finds_nothing_the_person_may_not_see(
    world: World, accounts: dict[str, Any], who: str
) -> None:
    person = getattr(world, who)
    assert palette_titles(person, "txjm") == set()
    assert palette_titles(person, "上海 精密") == set()


def test_the_manager_finds_the_teams_records_by_initials(world: World, accounts: dict[str, Any]) -> None:
    assert TIANXIANG in palette_titles(world.manager, "txjm")


def test_the_palettes_queries_stay_flat_as_matches_grow(world: World) -> None:
    def count() -> int:
        client = web(world.owner)
        client.get("/search/palette/", {"q": "txjm jingmi"})  # session and caches warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/search/palette/", {"q": "txjm jingmi"}).status_code == 200
        return len(queries)

    AccountFactory(owner=world.owner, name="天祥精密 1")
    few = count()
    for i in range(2, 12):
        account = AccountFactory(owner=world.owner, name=f"天祥精密 {i}")
        ContactFactory(account=account, owner=world.owner, name=f"天祥精密 联系人 {i}")
        DealFactory(owner=world.owner, account=account, name=f"天祥精密 商机 {i}")
    assert count() == few


# --- The search text is kept right by every write ---------------------------------------------


def test_create_and_update_through_the_services_keep_the_search_text(world: World) -> None:
    actor = world.actor(world.owner)
    account = customer_services.account_create(actor=actor, data={"name": "天祥精密", "city": "上海"})
    assert Account.objects.get(pk=account.pk).search_text == search_text_of_values(["天祥精密", "上海"])
    customer_services.account_update(actor=actor, account=account, data={"name": "宏达贸易", "city": ""})
    stored = Account.objects.get(pk=account.pk).search_text
    assert "hongdamaoyi" in stored and "txjm" not in stored
    lead = lead_services.lead_create(actor=actor, data={"name": "李娜", "company": "天祥精密"})
    assert "lina" in Lead.objects.get(pk=lead.pk).search_text
    lead_services.lead_update(actor=actor, lead=lead, data={"company": "宏远物流"})
    assert "hywl" in Lead.objects.get(pk=lead.pk).search_text


def test_save_with_update_fields_writes_the_search_text_too(world: World) -> None:
    deal = DealFactory(owner=world.owner, name="Old name")
    deal.name = "天祥精密 二期"
    deal.save(update_fields=["name"])
    assert "txjmeq" in Deal.objects.get(pk=deal.pk).search_text


def test_a_merge_keeps_the_kept_accounts_search_text(world: World) -> None:
    keep = AccountFactory(owner=world.owner, name="天祥精密", city="")
    merge = AccountFactory(owner=world.owner, name="天祥精密(上海)", city="上海")
    account_merge(actor=world.actor(world.admin), keep=keep, merge=merge)
    keep.refresh_from_db()
    assert keep.search_text == search_text_of(keep)
    assert "shanghai" in keep.search_text  # the city filled from the merged account


def test_an_import_writes_and_updates_the_search_text(world: World, tmp_path: Path) -> None:
    actor = world.actor(world.manager)
    path = write_csv(tmp_path / "accounts.csv", [["id", "name", "city"], ["T-1", "天祥精密机械", "上海"]])
    run(actor, "account", path)
    account = Account.objects.get(external_id="T-1")
    assert account.search_text == search_text_of(account)
    assert palette_titles(world.manager, "txjmjx shanghai") == {"天祥精密机械"}
    # The same account again (by its id) with a new city: its search text follows.
    path = write_csv(tmp_path / "again.csv", [["id", "name", "city"], ["T-1", "天祥精密机械", "苏州"]])
    run(actor, "account", path)
    account.refresh_from_db()
    assert account.city == "苏州"
    assert account.search_text == search_text_of(account)
    assert palette_titles(world.manager, "txjmjx suzhou") == {"天祥精密机械"}
    assert palette_titles(world.manager, "txjmjx shanghai") == set()
    path = write_csv(tmp_path / "contacts.csv", [["name", "email"], ["张伟", "zw@example.com"]])
    run(actor, "contact", path)
    contact = Contact.objects.get(name="张伟")
    assert "zhangwei" in contact.search_text and "zw@example.com" in contact.search_text


# --- The back-fill -------------------------------------------------------------------------


def test_the_back_fill_writes_every_rows_search_text_in_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "BATCH", 2)
    made = [AccountFactory(owner=world.owner, name=f"天祥精密 {i}") for i in range(5)]
    deleted = AccountFactory(owner=world.owner, name="已删除的天祥")
    Account.all_objects.filter(pk=deleted.pk).update(deleted_at=deleted.created_at)
    Account.all_objects.update(search_text="")
    assert indexing.stale(Account, "customers.Account") == 6
    forward, _backward = indexing.migration_operations("customers.Account", "customers_account")
    forward(apps, SimpleNamespace(connection=connection))  # as the migration runs it
    assert indexing.stale(Account, "customers.Account") == 0
    for account in Account.all_objects.filter(pk__in=[a.pk for a in made] + [deleted.pk]):
        assert account.search_text == search_text_of(account)
    assert len(palette_titles(world.owner, "txjm")) == 5
    # Run again, nothing is stale and nothing is written.
    assert indexing.backfill(Account, "customers.Account", only_stale=True) == 0


def test_the_search_index_command_checks_and_rebuilds(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    account = AccountFactory(owner=world.owner, name="天祥精密")
    Account.all_objects.filter(pk=account.pk).update(search_text="")  # written past save()
    with pytest.raises(CommandError, match="1 row"):
        call_command("search_index", "--check", stdout=StringIO())
    out = StringIO()
    call_command("search_index", "--rebuild", stdout=out)
    assert "customers.Account: 1 row(s) rewritten" in out.getvalue()
    call_command("search_index", "--check", stdout=StringIO())
    assert palette_titles(world.owner, "txjm") == {"天祥精密"}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the grams index and its statistics are PostgreSQL's"
)
def test_the_planner_knows_a_common_gram_is_common(world: World) -> None:
    """The grams index is partial, so PostgreSQL would ignore its statistics and take every gram
    for rare (and read half a million deals through the index for 商机 1). The statistics on the
    expression (migrations deals 0019, customers 0010, leads 0009) tell it otherwise."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE %s ORDER BY 1", ["%_search_grams_stats"]
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "account_search_grams_stats",
            "contact_search_grams_stats",
            "deal_search_grams_stats",
            "lead_search_grams_stats",
        ]
    DealFactory.create_batch(300, owner=world.owner, name=factory.Sequence(lambda n: f"商机 {n}"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deals_deal")
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM deals_deal WHERE deleted_at IS NULL "
            "AND tandem_search_grams(search_text) @> ARRAY['商机']::text[]"
        )
        plan = cursor.fetchone()[0][0]["Plan"]
    assert plan["Plan Rows"] >= 150  # without the statistics: 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the grams function is PostgreSQL's")
def test_the_grams_function_gives_the_first_versions_pieces(db: None) -> None:
    """Customers 0011 replaced ``tandem_search_grams`` by a faster one without rebuilding the
    indexes and statistics on it: every text must still give the same pieces, each once, sorted
    by code point."""
    texts = [
        "",
        " ",
        "a",
        "ab",
        "aaaa",
        "abab ab",
        "  a  b ",
        "\t上海\n x",
        "a\u3000b",
        "x\u00a0y",
        "x\x0by\x0cz\r\n",
        "商机 12",
        "é e\u0301",
        "😀😀a",
        "a\u200bb",
        "上海天祥精密机械有限公司 上海 shanghaitianxiangjingmijixieyouxiangongsi shtxjmjxyxgs shanghai sh",
        "harbour glass co., ltd. 深圳 shenzhen sz",
    ]
    before = indexing.PREVIOUS_GRAMS_FUNCTION.replace("tandem_search_grams", "pg_temp.grams_before")
    with connection.cursor() as cursor:
        cursor.execute(before)
        cursor.execute(
            "SELECT t, tandem_search_grams(t), pg_temp.grams_before(t) FROM unnest(%s::text[]) AS t", [texts]
        )
        rows = cursor.fetchall()
    assert len(rows) == len(texts)
    for text, now, first in rows:
        assert now == sorted(set(first)), text
    assert rows[1][1] == [] and rows[3][1] == ["a", "ab", "b"]


def test_short_words_share_one_grams_condition_and_find_the_same_records(world: World) -> None:
    """``商机 1``: two short words, each matched by LIKE, and on PostgreSQL one grams condition for
    both (each evaluation of the grams function costs where rows are walked)."""
    from tandem.customers.filters import search

    for name in ("商机 1", "商机 12", "商机 2", "机会 1", "商 机1"):
        DealFactory(owner=world.owner, name=name)
    found = search(Deal.objects.all(), "商机 1", ("name",), ())
    with CaptureQueriesContext(connection) as ctx:
        names = sorted(found.values_list("name", flat=True))

    assert names == ["商机 1", "商机 12"]
    grams = ctx.captured_queries[0]["sql"].count("tandem_search_grams")
    assert grams == (1 if connection.vendor == "postgresql" else 0)
