"""Phones typed in a form or sent to the API are read in the record's own country (issue 10: a
London number became +86); the default country only when the record has none."""

from __future__ import annotations

import pytest

from tandem.conftest import World
from tandem.customers import services
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.leads import services as lead_services

pytestmark = pytest.mark.django_db

LONDON = "020 7946 0000"


def test_a_british_customers_phone_is_read_as_british(world: World) -> None:
    actor = world.actor(world.owner)
    account = services.account_create(
        actor=actor, data={"name": "Thames Ltd", "country": "GB", "phone": LONDON}
    )
    assert account.phone == "+442079460000"
    updated = services.account_update(
        actor=actor, account=account, data={"phone": "020 7946 0001"}, version=1
    )
    assert updated.phone == "+442079460001"


def test_a_customer_without_a_country_reads_in_the_default_one(world: World) -> None:
    account = services.account_create(
        actor=world.actor(world.owner), data={"name": "上海精密", "country": "", "phone": "(021) 6234-5678"}
    )
    assert account.phone == "+862162345678"


def test_a_contacts_phones_are_read_in_its_accounts_country(world: World) -> None:
    actor = world.actor(world.owner)
    british = AccountFactory(owner=world.owner, country="GB")
    contact = services.contact_create(
        actor=actor, data={"name": "Ann Lee", "account": british, "mobile": "07700 900123"}
    )
    assert contact.mobile == "+447700900123"
    kept = ContactFactory(owner=world.owner, account=british)
    updated = services.contact_update(actor=actor, contact=kept, data={"phone": LONDON}, version=kept.version)
    assert updated.phone == "+442079460000"


def test_a_leads_phone_is_read_in_its_country(world: World) -> None:
    actor = world.actor(world.owner)
    lead = lead_services.lead_create(actor=actor, data={"name": "Tom", "country": "GB", "phone": LONDON})
    assert lead.phone == "+442079460000"
    updated = lead_services.lead_update(actor=actor, lead=lead, data={"mobile": "07700 900123"}, version=1)
    assert updated.mobile == "+447700900123"
