"""Countries read as names in the reader's language, never as codes (issue 13 §5: "国家: CN")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tandem.conftest import World
from tandem.core.access import Actor
from tandem.core.countries import country_choices, country_name
from tandem.customers import services
from tandem.customers.models import Account
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def _client(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_a_code_reads_as_its_name_in_each_language() -> None:
    with translation.override("zh-hans"):
        assert country_name("CN") == "中国" and country_name("gb") == "英国"
        assert country_choices()[1] == ("CN", "中国")
    with translation.override("en"):
        assert country_name("CN") == "China" and country_name("SG") == "Singapore"
    assert country_name("") == "" and country_name("ZZ") == "ZZ"


def test_the_account_form_offers_countries_by_name_and_stores_the_code(world: World) -> None:
    client = _client(world.owner, "zh-hans")
    page = client.get(reverse("customers:account-create")).content.decode()
    assert '<option value="CN"' in page and ">中国</option>" in page
    assert "国家代码" not in page
    response = client.post(reverse("customers:account-create"), {"name": "伦敦精密", "country": "GB"})
    account = Account.objects.get(name="伦敦精密")
    assert response.status_code == 302 and account.country == "GB"


def test_history_and_the_lead_page_name_the_country(world: World) -> None:
    lead = LeadFactory(owner=world.owner, country="SG", province="", city="")
    client = _client(world.owner, "zh-hans")
    assert "新加坡" in client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    actor = Actor.for_user(world.owner)
    account = services.account_create(actor=actor, data={"name": "Acme", "country": "CN"})
    services.account_update(actor=actor, account=account, data={"country": "US"})
    body = client.get(reverse("customers:account-detail", args=[account.pk])).content.decode()
    assert "美国" in body and ">US<" not in body
