"""The administrator pages: company settings, the exchange rate grid, KPI definitions. Only
administrators open them; a refused or bad post changes nothing; both languages render."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.conftest import World
from tandem.kpis.company import company_settings
from tandem.kpis.models import ExchangeRate, KpiDefinition
from tandem.kpis.tests.factories import ExchangeRateFactory, KpiFactory, kpi
from tandem.org.models import User

PAGES = ["kpis:company-settings", "kpis:exchange-rates", "kpis:kpi-list", "kpis:kpi-create"]


def _client(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    if language != "en":
        User.objects.filter(pk=user.pk).update(language=language)
    return client


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_open_for_an_administrator_in_each_language(world: World, name: str, language: str) -> None:
    response = _client(world.admin, language).get(reverse(name))
    assert response.status_code == 200
    text = response.content.decode()
    if language == "zh-hans":
        assert {
            "kpis:company-settings": "公司币种",
            "kpis:exchange-rates": "汇率",
            "kpis:kpi-list": "业绩",
            "kpis:kpi-create": "统计日期",
        }[name] in text


@pytest.mark.parametrize("person", ["director", "manager", "owner"])
def test_the_pages_are_refused_to_everyone_else_and_posts_change_nothing(world: World, person: str) -> None:
    client = _client(getattr(world, person))
    custom = KpiFactory()
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403
    posts = [
        (
            reverse("kpis:company-settings"),
            {"currency": "USD", "fiscal_year_start_month": 4, "pace_at_risk": 90, "pace_off_track": 70},
        ),
        (reverse("kpis:exchange-rates"), {"rate-2026-01-USD": "7"}),
        (
            reverse("kpis:exchange-rate-cell"),
            {"month": "2026-01", "currency": "USD", "rate-2026-01-USD": "7"},
        ),
        (
            reverse("kpis:kpi-create"),
            {"name": "Mine", "measure": "count", "source": "deal", "date_field": "closed_on", "order": 1},
        ),
        (reverse("kpis:kpi-toggle", args=[custom.pk]), {}),
        (reverse("kpis:kpi-delete", args=[custom.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert company_settings().currency == "CNY" and not ExchangeRate.objects.exists()
    assert KpiDefinition.objects.get(pk=custom.pk).is_active


def test_the_nav_shows_the_pages_to_administrators_only(world: World) -> None:
    admin_home = _client(world.admin).get("/").content.decode()
    director_home = _client(world.director).get("/").content.decode()
    for name in ("kpis:company-settings", "kpis:exchange-rates", "kpis:kpi-list"):
        assert reverse(name) in admin_home
        assert reverse(name) not in director_home


def test_an_administrator_changes_the_company_settings_in_percent(world: World) -> None:
    client = _client(world.admin)
    response = client.post(
        reverse("kpis:company-settings"),
        {
            "currency": "USD",
            "fiscal_year_start_month": "4",
            "pace_at_risk": "95",
            "pace_off_track": "60",
            "version": "1",
        },
    )
    assert response.status_code == 302
    saved = company_settings()
    assert (saved.currency, saved.fiscal_year_start_month, saved.pace_at_risk, saved.pace_off_track) == (
        "USD",
        4,
        Decimal("0.95"),
        Decimal("0.60"),
    )


def test_a_currency_change_with_rates_asks_to_clear_them_inline(world: World) -> None:
    ExchangeRateFactory(month=datetime.date(2026, 1, 1), currency="USD")
    client = _client(world.admin)
    data = {
        "currency": "EUR",
        "fiscal_year_start_month": "1",
        "pace_at_risk": "90",
        "pace_off_track": "70",
        "version": "1",
    }
    refused = client.post(reverse("kpis:company-settings"), data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "exchange rates on file are stated in CNY" in text and 'name="clear_rates"' in text
    assert company_settings().currency == "CNY" and ExchangeRate.objects.count() == 1
    assert client.post(reverse("kpis:company-settings"), {**data, "clear_rates": "on"}).status_code == 302
    assert company_settings().currency == "EUR" and not ExchangeRate.objects.exists()


def test_a_stale_settings_form_is_refused_and_offers_the_new_version(world: World) -> None:
    client = _client(world.admin)
    data = {
        "currency": "CNY",
        "fiscal_year_start_month": "2",
        "pace_at_risk": "90",
        "pace_off_track": "70",
        "version": "1",
    }
    assert client.post(reverse("kpis:company-settings"), data).status_code == 302
    stale = client.post(reverse("kpis:company-settings"), {**data, "fiscal_year_start_month": "3"})
    assert stale.status_code == 400 and company_settings().fiscal_year_start_month == 2
    assert 'name="version" value="2"' in stale.content.decode()


def test_the_rate_grid_shows_months_by_currencies_and_saves_a_cell_in_place(world: World) -> None:
    ExchangeRateFactory(month=datetime.date(2020, 5, 1), currency="USD", rate=Decimal("6.9"))
    client = _client(world.admin)
    page = client.get(reverse("kpis:exchange-rates")).content.decode()
    this_month = timezone.localdate().replace(day=1)
    assert f'name="rate-{this_month:%Y-%m}-USD"' in page and 'name="rate-2020-05-USD" value="6.9"' in page
    assert "rate-2020-05-CNY" not in page  # the company currency has no column
    added = client.get(reverse("kpis:exchange-rates"), {"month": "2019-02"}).content.decode()
    assert 'name="rate-2019-02-EUR"' in added

    cell = client.post(
        reverse("kpis:exchange-rate-cell"),
        {"month": "2019-02", "currency": "EUR", "rate-2019-02-EUR": "7.85"},
        HTTP_HX_REQUEST="true",
    )
    assert cell.status_code == 200 and 'value="7.85"' in cell.content.decode()
    assert ExchangeRate.objects.get(month=datetime.date(2019, 2, 1), currency="EUR").rate == Decimal("7.85")
    bad = client.post(
        reverse("kpis:exchange-rate-cell"), {"month": "2019-02", "currency": "EUR", "rate-2019-02-EUR": "-1"}
    )
    assert bad.status_code == 400 and "is-invalid" in bad.content.decode()
    assert ExchangeRate.objects.get(month=datetime.date(2019, 2, 1), currency="EUR").rate == Decimal("7.85")
    emptied = client.post(
        reverse("kpis:exchange-rate-cell"), {"month": "2019-02", "currency": "EUR", "rate-2019-02-EUR": ""}
    )
    assert emptied.status_code == 200 and not ExchangeRate.objects.filter(currency="EUR").exists()
    assert (
        client.post(reverse("kpis:exchange-rate-cell"), {"month": "2019-02", "currency": "CNY"}).status_code
        == 404
    )


def test_the_whole_grid_saves_without_javascript_and_marks_bad_cells(world: World) -> None:
    client = _client(world.admin)
    response = client.post(
        reverse("kpis:exchange-rates"),
        {
            "rate-2026-01-USD": "7.1",
            "rate-2026-01-EUR": "abc",
            "rate-2026-02-USD": "",
            "rate-2026-01-CNY": "1",
        },
    )
    assert response.status_code == 400
    assert 'value="abc"' in response.content.decode()
    assert list(ExchangeRate.objects.values_list("currency", "rate")) == [("USD", Decimal("7.1"))]
    assert client.post(reverse("kpis:exchange-rates"), {"rate-2026-01-EUR": "8"}).status_code == 302


def test_the_kpi_list_says_what_each_counts(world: World) -> None:
    KpiFactory(name="Referral wins", filters={"source": ["referral"], "status": ["won"]})
    text = _client(world.admin).get(reverse("kpis:kpi-list")).content.decode()
    assert "Sum of amount of Deals by closed on; status: Won" in text
    assert "Deals won ÷ Deals closed" in text
    assert "source: Referral" in text
    zh = _client(world.admin, "zh-hans").get(reverse("kpis:kpi-list")).content.decode()
    assert "赢单数 ÷ 关闭商机数" in zh


def test_an_administrator_defines_a_kpi_with_filters_through_the_form(world: World) -> None:
    client = _client(world.admin)
    redrawn = client.get(
        reverse("kpis:kpi-create"),
        {"measure": "count", "source": "activity", "name": "Visits"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert (
        'name="filter_kind"' in redrawn
        and 'name="filter_status"' not in redrawn
        and 'value="Visits"' in redrawn
    )
    response = client.post(
        reverse("kpis:kpi-create"),
        {
            "name": "Visits",
            "name_zh_hans": "拜访次数",
            "code": "visits",
            "measure": "count",
            "source": "activity",
            "date_field": "occurred_at",
            "filter_kind": ["visit"],
            "order": "95",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    saved = KpiDefinition.objects.get(code="visits")
    assert (saved.filters, saved.names, saved.unit) == ({"kind": ["visit"]}, {"zh-hans": "拜访次数"}, "count")


def test_a_bad_kpi_shows_its_errors_inline_and_saves_nothing(world: World) -> None:
    before = KpiDefinition.objects.count()
    response = _client(world.admin).post(
        reverse("kpis:kpi-create"),
        {
            "name": "Ratio",
            "measure": "ratio",
            "source": "deal",
            "order": "1",
            "numerator": kpi("win_rate").pk,
        },
    )
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert KpiDefinition.objects.count() == before


def test_a_builtin_kpi_is_renamed_and_switched_off_but_not_deleted(world: World) -> None:
    client = _client(world.admin)
    won_amount = kpi("won_amount")
    page = client.get(reverse("kpis:kpi-edit", args=[won_amount.pk])).content.decode()
    assert "A built-in KPI counts what it counts" in page and 'name="filter_status"' not in page
    response = client.post(
        reverse("kpis:kpi-edit", args=[won_amount.pk]),
        {
            "name": "Won amount",
            "name_en": "Bookings",
            "order": "10",
            "is_active": "on",
            "version": "1",
            "date_field": "opened_on",
        },
    )
    assert response.status_code == 302
    assert (kpi("won_amount").display_name, kpi("won_amount").date_field) == ("Bookings", "closed_on")
    client.post(reverse("kpis:kpi-toggle", args=[won_amount.pk]))
    assert kpi("won_amount").is_active is False
    client.post(reverse("kpis:kpi-delete", args=[won_amount.pk]))
    assert KpiDefinition.objects.filter(pk=won_amount.pk).exists()
    custom = KpiFactory()
    client.post(reverse("kpis:kpi-delete", args=[custom.pk]))
    assert not KpiDefinition.objects.filter(pk=custom.pk).exists()
