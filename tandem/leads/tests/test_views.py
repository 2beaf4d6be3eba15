"""The lead web UI: list, bulk, page, create / edit (duplicates, conflicts), qualify, convert.

People come from the ``world`` fixture (tandem/conftest.py).
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal
from tandem.leads.models import Lead, LeadStatus
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User

LIST = "/leads/"


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot(lead: Lead) -> tuple[Any, ...]:
    lead.refresh_from_db()
    return (lead.name, lead.status, lead.owner_id, lead.version, lead.deleted_at)


# --- List -----------------------------------------------------------------------------------


def test_it_lists_my_leads_but_not_others(world: World) -> None:
    mine = LeadFactory(owner=world.owner, name="Mine Lead")
    LeadFactory(owner=world.outsider, name="Hidden Lead")
    response = client_for(world.owner).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mine Lead" in body and "Hidden Lead" not in body
    assert mine.get_absolute_url() in body


def test_an_owner_without_a_display_name_is_named_by_username(world: World) -> None:
    world.owner.display_name = ""
    world.owner.save(update_fields=["display_name"])
    lead = LeadFactory(owner=world.owner, name="Named Lead")
    client = client_for(world.owner)
    listed = client.get(LIST).content.decode()
    shown = client.get(lead.get_absolute_url()).content.decode()
    assert f"<td>{world.owner.username}</td>" in listed
    assert f'<dd class="col-7">{world.owner.username}</dd>' in shown
    for body in (listed, shown):
        assert "Unassigned" not in body


def test_it_shows_the_manager_the_teams_leads(world: World) -> None:
    LeadFactory(owner=world.owner, name="Owner Lead")
    LeadFactory(owner=world.teammate, name="Teammate Lead")
    body = client_for(world.manager).get(LIST).content.decode()
    assert "Owner Lead" in body and "Teammate Lead" in body


def test_it_filters_with_the_api_filterset(world: World) -> None:
    LeadFactory(owner=world.owner, name="Fresh One", status=LeadStatus.NEW)
    LeadFactory(owner=world.owner, name="Good One", status=LeadStatus.QUALIFIED)
    body = client_for(world.owner).get(LIST, {"status": "qualified"}).content.decode()
    assert "Good One" in body and "Fresh One" not in body
    assert "filter-chip" in body


def test_it_finds_a_lead_by_phone_in_any_format(world: World) -> None:
    LeadFactory(owner=world.owner, name="Phone Lead", mobile="+8613800138000")
    body = client_for(world.owner).get(LIST, {"q": "138 0013 8000"}).content.decode()
    assert "Phone Lead" in body


def test_it_returns_only_the_table_to_htmx(world: World) -> None:
    LeadFactory(owner=world.owner)
    response = client_for(world.owner).get(LIST, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()


def test_it_shows_an_empty_state_that_teaches(world: World) -> None:
    body = client_for(world.owner).get(LIST).content.decode()
    assert "Add the first lead" in body


def test_it_lists_with_a_query_count_that_does_not_grow(world: World) -> None:
    client = client_for(world.manager)

    def count_with(rows: int) -> int:
        while Lead.objects.count() < rows:
            LeadFactory(owner=world.owner if Lead.objects.count() % 2 else world.teammate)
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    assert count_with(5) == count_with(50)


# --- Bulk -----------------------------------------------------------------------------------


def test_it_lets_the_manager_assign_leads_in_bulk(world: World) -> None:
    leads = [LeadFactory(owner=world.owner) for _ in range(3)]
    response = client_for(world.manager).post(
        "/leads/bulk/", {"ids": [lead.pk for lead in leads], "action": "assign", "owner": world.teammate.pk}
    )
    assert response.status_code == 302
    assert set(Lead.objects.values_list("owner_id", flat=True)) == {world.teammate.pk}


def test_it_changes_status_in_bulk_and_skips_what_i_cannot_see(world: World) -> None:
    mine = LeadFactory(owner=world.owner)
    other = LeadFactory(owner=world.outsider)
    before = snapshot(other)
    client_for(world.owner).post(
        "/leads/bulk/", {"ids": [mine.pk, other.pk], "action": "status", "status": "contacted"}
    )
    mine.refresh_from_db()
    assert mine.status == LeadStatus.CONTACTED
    assert snapshot(other) == before


def test_it_refuses_bulk_assign_to_a_rep(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    before = snapshot(lead)
    response = client_for(world.owner).post(
        "/leads/bulk/", {"ids": [lead.pk], "action": "assign", "owner": world.teammate.pk}
    )
    assert response.status_code == 403
    assert snapshot(lead) == before


def test_it_refuses_bulk_delete_to_a_rep(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    response = client_for(world.owner).post("/leads/bulk/", {"ids": [lead.pk], "action": "delete"})
    assert response.status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_it_lets_the_manager_delete_leads_in_bulk(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    client_for(world.manager).post("/leads/bulk/", {"ids": [lead.pk], "action": "delete"})
    assert not Lead.objects.filter(pk=lead.pk).exists()


# --- Lead page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("manager", 200), ("teammate", 404), ("outsider", 404)]
)
def test_it_shows_the_lead_page_to_those_who_may_see_it(world: World, who: str, status: int) -> None:
    lead = LeadFactory(owner=world.owner)
    response = client_for(getattr(world, who)).get(lead.get_absolute_url())
    assert response.status_code == status


def test_it_embeds_the_quick_follow_up_form(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    body = client_for(world.owner).get(lead.get_absolute_url()).content.decode()
    assert f'name="lead" value="{lead.pk}"' in body
    assert 'hx-post="/follow-ups/quick/"' in body
    assert 'id="followup-timeline"' in body


# --- Create / edit --------------------------------------------------------------------------


def test_it_creates_a_lead_owned_by_me(world: World) -> None:
    response = client_for(world.owner).post(
        "/leads/new/", {"name": "张伟", "company": "Acme", "status": "new", "mobile": "138 0013 8000"}
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert lead.owner == world.owner and lead.mobile == "+8613800138000"


def test_it_shows_field_errors_inline(world: World) -> None:
    client = client_for(world.owner)
    response = client.post("/leads/new/", {"name": "", "status": "new"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post("/leads/new/", {"name": "Wang", "status": "new", "mobile": "12"})
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.content.decode()
    assert not Lead.objects.exists()


def test_it_warns_about_a_duplicate_and_saves_when_confirmed(world: World) -> None:
    LeadFactory(owner=world.outsider, name="Li Lei", mobile="+8613800138000")
    client = client_for(world.owner)
    data = {"name": "Li Lei", "status": "new", "mobile": "13800138000"}
    response = client.post("/leads/new/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Olga Outsider" in body  # invisible duplicate: existence and owner only
    assert Lead.objects.count() == 1
    response = client.post("/leads/new/", {**data, "confirm_duplicates": "on"})
    assert response.status_code == 302
    assert Lead.objects.count() == 2


def test_it_answers_a_stale_edit_with_a_conflict_showing_both_versions(world: World) -> None:
    lead = LeadFactory(owner=world.owner, name="Old name")
    Lead.objects.filter(pk=lead.pk).update(name="Their name", version=2)
    response = client_for(world.owner).post(
        f"/leads/{lead.pk}/edit/", {"name": "My name", "status": "new", "version": 1}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Their name" in body and "My name" in body
    assert 'name="version" value="2"' in body
    lead.refresh_from_db()
    assert lead.name == "Their name"


def test_it_saves_mine_after_a_conflict_with_the_current_version(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    Lead.objects.filter(pk=lead.pk).update(version=2)
    response = client_for(world.owner).post(
        f"/leads/{lead.pk}/edit/", {"name": "My name", "status": "new", "version": 2}
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.name == "My name"


@pytest.mark.parametrize(("who", "status"), [("teammate", 404), ("outsider", 404)])
def test_it_refuses_edits_from_people_who_cannot_see_the_lead(world: World, who: str, status: int) -> None:
    lead = LeadFactory(owner=world.owner)
    before = snapshot(lead)
    client = client_for(getattr(world, who))
    assert client.get(f"/leads/{lead.pk}/edit/").status_code == status
    assert client.post(f"/leads/{lead.pk}/edit/", {"name": "x", "status": "new"}).status_code == status
    assert client.post(f"/leads/{lead.pk}/delete/").status_code == status
    assert snapshot(lead) == before


def test_it_refuses_delete_to_a_rep_who_sees_the_lead(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    before = snapshot(lead)
    assert client_for(world.owner).post(f"/leads/{lead.pk}/delete/").status_code == 403
    assert snapshot(lead) == before


# --- Qualify / unqualify --------------------------------------------------------------------


def test_it_qualifies_and_unqualifies_with_a_reason(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    client = client_for(world.owner)
    client.post(f"/leads/{lead.pk}/qualify/")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED
    client.post(f"/leads/{lead.pk}/unqualify/", {"unqualified_reason": ""})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED
    client.post(f"/leads/{lead.pk}/unqualify/", {"unqualified_reason": "No budget"})
    lead.refresh_from_db()
    assert (lead.status, lead.unqualified_reason) == (LeadStatus.UNQUALIFIED, "No budget")


def test_it_refuses_qualify_to_an_outsider(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    before = snapshot(lead)
    assert client_for(world.outsider).post(f"/leads/{lead.pk}/qualify/").status_code == 404
    assert snapshot(lead) == before


# --- Convert --------------------------------------------------------------------------------


def test_it_converts_into_a_new_account_with_a_deal(world: World) -> None:
    lead = LeadFactory(owner=world.owner, name="Han Mei", company="Blue Sky Ltd")
    client = client_for(world.owner)
    assert client.get(f"/leads/{lead.pk}/convert/").status_code == 200
    response = client.post(
        f"/leads/{lead.pk}/convert/",
        {"account_mode": "new", "create_deal": "on", "deal_name": "Blue Sky pilot", "deal_amount": "5000"},
    )
    assert response.status_code == 302
    account = Account.objects.get(name="Blue Sky Ltd")
    assert Contact.objects.get().account == account
    assert Deal.objects.get().name == "Blue Sky pilot"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED


def test_it_links_an_existing_visible_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    lead = LeadFactory(owner=world.owner)
    response = client_for(world.owner).post(
        f"/leads/{lead.pk}/convert/", {"account_mode": "existing", "account": account.pk}
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.converted_account == account
    assert not Deal.objects.exists()


def test_it_refuses_to_link_an_account_i_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider)
    lead = LeadFactory(owner=world.owner)
    before = snapshot(lead)
    response = client_for(world.owner).post(
        f"/leads/{lead.pk}/convert/", {"account_mode": "existing", "account": hidden.pk}
    )
    assert response.status_code == 400
    assert "Choose one of your accounts." in response.content.decode()
    assert snapshot(lead) == before
    assert not Contact.objects.exists()


def test_it_refuses_convert_to_an_outsider(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    before = snapshot(lead)
    client = client_for(world.outsider)
    assert client.get(f"/leads/{lead.pk}/convert/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/convert/", {"account_mode": "new"}).status_code == 404
    assert snapshot(lead) == before


def _account_via_services(owner: User, name: str, phone: str = "") -> Account:
    from tandem.core.access import Actor
    from tandem.customers import services as customer_services

    return customer_services.account_create(
        actor=Actor.for_user(owner), data={"name": name, "phone": phone}, owner=owner, confirm_duplicates=True
    )


def test_converting_a_lead_whose_company_exists_offers_that_account_first(world: World) -> None:
    account = _account_via_services(world.owner, "天祥精密机械", "+86 21 6234 5678")
    lead = LeadFactory(owner=world.owner, name="李雷", company="天祥精密机械", phone="+862162345678")
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    page = client_for(world.owner).get(f"/leads/{lead.pk}/convert/").content.decode()
    assert "该公司看起来与您已有的客户相同" in page and "名称相同" in page
    assert f'name="account" value="{account.pk}"' in page
    assert 'value="existing" class="form-check-input" id="id_account_mode_1" required checked>' in page


def test_an_account_i_cannot_see_or_change_is_not_offered(world: World) -> None:
    _account_via_services(world.outsider, "Blue Sky Ltd")
    lead = LeadFactory(owner=world.owner, name="Han Mei", company="Blue Sky Ltd")
    page = client_for(world.owner).get(f"/leads/{lead.pk}/convert/").content.decode()
    assert "looks like an account you already have" not in page
    assert 'name="account" value=""' in page
