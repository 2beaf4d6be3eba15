"""Who a lead may be given to, what the giver sees afterwards, and who is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core.models import Notification
from tandem.core.tests.people import cao, lily, speaks_chinese
from tandem.leads import services
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import User


def state(lead: Lead) -> tuple[Any, ...]:
    fresh = Lead.objects.get(pk=lead.pk)
    return (fresh.owner_id, fresh.team_id, fresh.version)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lead(world: World) -> Lead:
    made: Lead = LeadFactory(name="张三", company="Acme", owner=world.owner)
    return made


def test_it_refuses_to_give_a_lead_to_support_and_changes_nothing(world: World, lead: Lead) -> None:
    support = cao(world)
    before = state(lead)
    with pytest.raises(ValidationError, match="may not own leads"):
        services.lead_update(actor=world.actor(world.manager), lead=lead, data={}, owner=support)
    assert state(lead) == before
    assert not Notification.objects.exists()


def test_a_reassigned_lead_tells_both_owners_in_their_languages(world: World, lead: Lead) -> None:
    speaks_chinese(world.teammate)
    services.lead_update(actor=world.actor(world.manager), lead=lead, data={}, owner=world.teammate)
    assert (
        Notification.objects.get(recipient=world.teammate).title
        == "Mia Manager 把线索「张三 (Acme)」转给了你"
    )
    assert Notification.objects.get(recipient=world.owner).title == (
        "Mia Manager gave your lead “张三 (Acme)” to Tom Teammate"
    )


def test_the_lead_form_offers_only_people_who_may_own_leads_and_keeps_the_current_owner(
    world: World, lead: Lead
) -> None:
    cao(world)
    page = client_for(world.manager).get(reverse("leads:lead-edit", args=[lead.pk])).content.decode()
    select = page[page.index('name="owner"') :]
    select = select[: select.index("</select>")]
    assert "王小明" in select and "Tom Teammate" in select
    assert "曹阳" not in select and "Sue Support" not in select and "Olga Outsider" not in select


def test_a_lead_given_out_of_sight_answers_with_the_list_and_where_it_went(world: World, lead: Lead) -> None:
    west_rep = lily(world)
    response = client_for(world.manager).post(
        reverse("leads:lead-edit", args=[lead.pk]),
        {"name": "张三", "company": "Acme", "status": "new", "owner": west_rep.pk, "version": lead.version},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("leads:lead-list")
    assert (
        "The lead “张三 (Acme)” went to Lily (West sales); you can no longer see it."
        in response.content.decode()
    )


def test_a_bulk_assignment_sums_up_and_refuses_support(world: World) -> None:
    support = cao(world)
    leads = [LeadFactory(owner=world.owner) for _ in range(2)]
    client = client_for(world.manager)
    client.post(
        reverse("leads:lead-bulk"), {"ids": [x.pk for x in leads], "action": "assign", "owner": support.pk}
    )
    assert {state(x)[0] for x in leads} == {world.owner.pk}
    assert not Notification.objects.exists()
    client.post(
        reverse("leads:lead-bulk"),
        {"ids": [x.pk for x in leads], "action": "assign", "owner": world.teammate.pk},
    )
    assert {state(x)[0] for x in leads} == {world.teammate.pk}
    assert [n.title for n in Notification.objects.filter(recipient=world.teammate)] == [
        "Mia Manager gave you 2 leads"
    ]


def test_the_api_refuses_support_and_answers_out_of_sight_with_where_it_went(
    world: World, lead: Lead
) -> None:
    support = cao(world)
    api = APIClient()
    api.force_authenticate(world.manager)
    before = state(lead)
    refused = api.patch(
        f"/api/v1/leads/{lead.pk}/", {"owner": support.pk, "version": lead.version}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()) == ["owner"]
    assert state(lead) == before
    west_rep = lily(world)
    response = api.patch(
        f"/api/v1/leads/{lead.pk}/", {"owner": west_rep.pk, "version": lead.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["visible"] is False and response.json()["team_name"] == "West sales"
