"""The leads REST API: /api/v1/leads/ and converting a lead.

People come from the ``world`` fixture (tandem/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import stage_named
from tandem.leads.models import Lead, LeadStatus
from tandem.org.models import User

LEADS = "/api/v1/leads/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    """This folder's conftest points service tests at stub URLs; the API needs the project's own."""
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    yield
    translation.activate("en")


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def make_lead(user: User, **data: Any) -> dict[str, Any]:
    response = as_(user).post(LEADS, {"name": "张伟", **data}, format="json")
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def test_it_creates_a_lead_owned_by_the_caller(world: World) -> None:
    body = make_lead(world.owner, company="星辰科技", mobile="13700137000", source="event")
    assert body["owner"] == world.owner.pk
    assert body["mobile"] == "+8613700137000"
    assert body["status"] == "new"


def test_it_keeps_a_lead_country_as_an_upper_case_code_and_refuses_anything_else(world: World) -> None:
    body = make_lead(world.owner, company="Acme GmbH", country="de")
    assert body["country"] == "DE"
    response = as_(world.owner).post("/api/v1/leads/", {"name": "Hans", "country": "D1"}, format="json")
    assert response.status_code == 400 and "country" in response.json()
    assert not Lead.objects.filter(name="Hans").exists()


def test_it_shows_a_lead_to_its_owner_and_manager_but_not_a_teammate_or_outsider(world: World) -> None:
    lead_id = make_lead(world.owner)["id"]
    assert lead_id in ids(as_(world.owner).get(LEADS))
    assert lead_id in ids(as_(world.manager).get(LEADS))
    for user in (world.teammate, world.outsider):
        assert lead_id not in ids(as_(user).get(LEADS))
        assert as_(user).get(f"{LEADS}{lead_id}/").status_code == 404
        assert as_(user).post(f"{LEADS}{lead_id}/convert/", {}, format="json").status_code == 404
    assert Lead.objects.get(pk=lead_id).status == LeadStatus.NEW


def test_it_filters_leads_by_status_owner_source_and_search(world: World) -> None:
    first = make_lead(world.owner, company="Alpha", source="web")["id"]
    second = make_lead(world.teammate, name="Li", company="Beta", phone="02162345678")["id"]
    client = as_(world.manager)
    assert ids(client.get(LEADS, {"source": "web"})) == {first}
    assert ids(client.get(LEADS, {"owner": world.teammate.pk})) == {second}
    assert ids(client.get(LEADS, {"q": "beta"})) == {second}
    assert ids(client.get(LEADS, {"q": "6234 5678"})) == {second}
    assert ids(client.get(LEADS, {"status": "new"})) == {first, second}
    assert client.get(LEADS, {"status": "hot"}).status_code == 400
    assert client.get(LEADS, {"ordering": "email"}).status_code == 400


def test_it_asks_why_a_lead_is_unqualified(world: World) -> None:
    lead_id = make_lead(world.owner)["id"]
    response = as_(world.owner).patch(
        f"{LEADS}{lead_id}/", {"status": "unqualified", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "unqualified_reason" in response.json()


def test_it_answers_409_on_a_stale_lead_version(world: World) -> None:
    lead_id = make_lead(world.owner)["id"]
    client = as_(world.owner)
    assert (
        client.patch(f"{LEADS}{lead_id}/", {"title": "CTO", "version": 1}, format="json").status_code == 200
    )
    response = client.patch(f"{LEADS}{lead_id}/", {"title": "CEO", "version": 1}, format="json")
    assert response.status_code == 409
    assert Lead.objects.get(pk=lead_id).title == "CTO"


def test_it_converts_a_lead_into_an_account_a_contact_and_a_deal(world: World) -> None:
    lead_id = make_lead(world.owner, company="宏远贸易有限公司", mobile="13600136000")["id"]
    Activity.objects.create(
        lead_id=lead_id, author=world.owner, occurred_at="2025-01-01T10:00:00Z", content="First call"
    )
    response = as_(world.owner).post(
        f"{LEADS}{lead_id}/convert/",
        {
            "create_deal": True,
            "deal_name": "First order",
            "deal_amount": "8000",
            "deal_stage": stage_named("Needs analysis").pk,
            "deal_expected_close_date": "2030-03-31",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    account = Account.objects.get(pk=body["account"])
    contact = Contact.objects.get(pk=body["contact"])
    deal = Deal.objects.get(pk=body["deal"])
    assert account.name == "宏远贸易有限公司" and account.owner == world.owner
    assert contact.account == account and contact.mobile == "+8613600136000"
    assert deal.stage == stage_named("Needs analysis") and deal.amount == 8000
    lead = Lead.objects.get(pk=lead_id)
    assert lead.status == LeadStatus.CONVERTED and lead.converted_deal == deal
    assert Activity.objects.get(lead_id=lead_id).account == account
    again = as_(world.owner).post(f"{LEADS}{lead_id}/convert/", {}, format="json")
    assert again.status_code == 400


def test_it_converts_into_an_existing_account_without_a_deal(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    lead_id = make_lead(world.owner, company="Whatever")["id"]
    body = as_(world.owner).post(f"{LEADS}{lead_id}/convert/", {"account": account.pk}, format="json").json()
    assert body["account"] == account.pk and body["deal"] is None


def test_it_refuses_to_convert_into_an_account_the_caller_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider)
    lead_id = make_lead(world.owner)["id"]
    response = as_(world.owner).post(f"{LEADS}{lead_id}/convert/", {"account": hidden.pk}, format="json")
    assert response.status_code == 400
    assert "account" in response.json()
    assert Lead.objects.get(pk=lead_id).status == LeadStatus.NEW


def test_it_stops_a_conversion_that_would_duplicate_an_account(world: World) -> None:
    AccountFactory(owner=world.outsider, name="宏远贸易有限公司")
    lead_id = make_lead(world.owner, company="宏远贸易", confirm_duplicates=True)["id"]
    contacts_before = Contact.objects.count()
    response = as_(world.owner).post(f"{LEADS}{lead_id}/convert/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["blocking"] is True
    assert body["matches"][0]["visible"] is False and "name" not in body["matches"][0]
    assert Contact.objects.count() == contacts_before
    assert Lead.objects.get(pk=lead_id).status == LeadStatus.NEW


def test_it_exports_leads_for_managers_only(world: World) -> None:
    make_lead(world.owner, company="Alpha")
    assert as_(world.owner).get(LEADS, {"format": "csv"}).status_code == 403
    response = as_(world.manager).get(LEADS, {"format": "csv"})
    assert response.status_code == 200
    assert "Alpha" in b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_lead_export_reads_values_and_names_them_as_the_records_do(world: World, language: str) -> None:
    import csv
    import io

    from tandem.core import export
    from tandem.core.models import Tag
    from tandem.core.phones import format_phone
    from tandem.leads.tests.factories import LeadFactory

    tagged = LeadFactory(owner=world.owner, name="=Han", company="Hanco", mobile="+8613600136000")
    tagged.tags.add(Tag.objects.create(name="warm"), Tag.objects.create(name="Expo"))
    other = LeadFactory(owner=world.teammate, status=LeadStatus.CONVERTED, title="@CTO")
    with translation.override(language):
        response = as_(world.manager).get(LEADS, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        by_id = {row[0]: row for row in list(csv.reader(io.StringIO(text)))[1:]}
        for lead in (tagged, other):
            a = Lead.objects.get(pk=lead.pk)
            values = [
                a.pk,
                a.name,
                a.company,
                a.title,
                format_phone(a.mobile),
                format_phone(a.phone),
                a.email,
                a.get_status_display(),
                a.get_source_display(),
                str(a.owner) if a.owner else "",
                ", ".join(tag.name for tag in a.tags.all()),
                a.last_follow_up_at,
                a.created_at,
            ]
            assert by_id[str(a.pk)] == [str(export.csv_safe(export.plain(v))) for v in values]
    assert by_id[str(tagged.pk)][10] == "Expo, warm"
