"""Who a deal may go to, and what the person who gave it sees afterwards.

The issue: a manager gave a deal to technical support; it left the team, nobody could open it
(support cannot open deals at all) and the page said it did not exist. Now only people who may own
deals, within the manager's reach, are offered and accepted; a refusal changes nothing; after a
reassignment the deal's page, or — when it went out of sight — the list with where it went.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.core.models import HistoryEntry, Notification
from tandem.core.tests.people import cao, lily, speaks_chinese
from tandem.deals import services
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User


def state(deal: Deal) -> tuple[Any, ...]:
    fresh = Deal.objects.get(pk=deal.pk)
    return (fresh.owner_id, fresh.team_id, fresh.version)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def deal(world: World) -> Deal:
    made: Deal = DealFactory(name="Big order", owner=world.owner)
    return made


# --- The service ----------------------------------------------------------------------------


def test_it_refuses_to_give_a_deal_to_support_and_changes_nothing(world: World, deal: Deal) -> None:
    support = cao(world)
    before = state(deal)
    with pytest.raises(Exception) as exc:
        services.deal_update(actor=world.actor(world.manager), deal=deal, data={}, owner=support)
    assert exc.value.message_dict == {
        "owner": ["曹阳 may not own deals: their roles do not let them open and edit them."]
    }
    assert state(deal) == before
    assert not Notification.objects.exists()
    assert not HistoryEntry.objects.filter(object_id=deal.pk, action="update").exists()


@pytest.mark.parametrize("giver", ["manager", "director"])
def test_nobody_may_give_a_deal_to_someone_who_cannot_own_deals(world: World, deal: Deal, giver: str) -> None:
    before = state(deal)
    with pytest.raises(Exception, match="may not own deals"):
        services.deal_update(
            actor=world.actor(getattr(world, giver)), deal=deal, data={}, owner=world.support
        )
    assert state(deal) == before


def test_a_manager_may_not_give_a_deal_outside_their_teams(world: World, deal: Deal) -> None:
    before = state(deal)
    with pytest.raises(Exception, match="outside the teams"):
        services.deal_update(actor=world.actor(world.manager), deal=deal, data={}, owner=world.outsider)
    assert state(deal) == before


def test_a_reassignment_tells_the_new_and_the_previous_owner_in_their_languages(
    world: World, deal: Deal
) -> None:
    speaks_chinese(world.owner)
    services.deal_update(actor=world.actor(world.manager), deal=deal, data={}, owner=world.teammate)
    assert state(deal)[0] == world.teammate.pk
    new = Notification.objects.get(recipient=world.teammate)
    previous = Notification.objects.get(recipient=world.owner)
    assert new.title == "Mia Manager gave you the deal “Big order”"
    assert new.url == deal.get_absolute_url()
    assert previous.title == "Mia Manager 把你的商机「Big order」转给了 Tom Teammate"
    assert not Notification.objects.filter(recipient=world.manager).exists()


def test_an_edit_that_keeps_the_owner_tells_nobody(world: World, deal: Deal) -> None:
    services.deal_update(actor=world.actor(world.manager), deal=deal, data={"name": "Bigger order"})
    assert not Notification.objects.exists()


def test_a_deal_created_for_someone_else_tells_them(world: World) -> None:
    services.deal_create(actor=world.actor(world.manager), data={"name": "New one"}, owner=world.teammate)
    assert (
        Notification.objects.get(recipient=world.teammate).title == "Mia Manager gave you the deal “New one”"
    )


# --- The deal page --------------------------------------------------------------------------


def test_the_reassign_form_offers_only_people_who_may_own_the_deal(world: World, deal: Deal) -> None:
    cao(world)
    lily(world)
    body = client_for(world.manager).get(deal.get_absolute_url()).content.decode()
    form = body[body.index('id="reassign-panel"') :]
    form = form[: form.index("</form>")]
    for offered in ("Tom Teammate", "Tina Two", "Lily"):
        assert offered in form
    for refused in ("曹阳", "Sue Support", "Olga Outsider", "Gary Gone"):
        assert refused not in form


def test_reassigning_to_support_by_a_crafted_post_is_refused_inline(world: World, deal: Deal) -> None:
    support = cao(world)
    before = state(deal)
    response = client_for(world.manager).post(
        reverse("deals:deal-reassign", args=[deal.pk]), {"owner": support.pk, "version": deal.version}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert state(deal) == before


def test_a_deal_still_in_sight_answers_with_its_page(world: World, deal: Deal) -> None:
    response = client_for(world.manager).post(
        reverse("deals:deal-reassign", args=[deal.pk]),
        {"owner": world.teammate.pk, "version": deal.version},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == deal.get_absolute_url()
    assert "Tom Teammate now owns this deal." in response.content.decode()


def test_a_deal_gone_out_of_sight_answers_with_the_list_and_where_it_went(world: World, deal: Deal) -> None:
    west_rep = lily(world)
    response = client_for(world.manager).post(
        reverse("deals:deal-reassign", args=[deal.pk]),
        {"owner": west_rep.pk, "version": deal.version},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("deals:deal-list")
    assert (
        "The deal “Big order” went to Lily (West sales); you can no longer see it."
        in response.content.decode()
    )
    assert state(deal)[:2] == (west_rep.pk, world.west_sales.pk)


def test_the_message_is_in_the_givers_language(world: World, deal: Deal) -> None:
    west_rep = lily(world)
    speaks_chinese(world.manager)
    response = client_for(world.manager).post(
        reverse("deals:deal-reassign", args=[deal.pk]),
        {"owner": west_rep.pk, "version": deal.version},
        follow=True,
    )
    assert "商机「Big order」已转给 Lily（West sales），你已无法查看。" in response.content.decode()


def test_an_htmx_reassignment_out_of_sight_redirects_to_the_list(world: World, deal: Deal) -> None:
    response = client_for(world.manager).post(
        reverse("deals:deal-reassign", args=[deal.pk]),
        {"owner": lily(world).pk, "version": deal.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("deals:deal-list")


def test_the_edit_form_giving_the_deal_away_answers_with_the_list(world: World, deal: Deal) -> None:
    west_rep = lily(world)
    client = client_for(world.manager)
    form = client.get(reverse("deals:deal-edit", args=[deal.pk])).content.decode()
    assert "曹阳" not in form and "Sue Support" not in form
    response = client.post(
        reverse("deals:deal-edit", args=[deal.pk]),
        {
            "name": "Big order",
            "owner": west_rep.pk,
            "stage": deal.stage_id,
            "currency": deal.currency,
            "amount": "10000",
            "version": deal.version,
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("deals:deal-list")
    assert "went to Lily (West sales)" in response.content.decode()


# --- Bulk -----------------------------------------------------------------------------------


def test_a_bulk_assignment_tells_each_person_once(world: World) -> None:
    speaks_chinese(world.teammate)
    deals = [DealFactory(name=f"Order {i}", owner=world.owner) for i in range(3)]
    response = client_for(world.manager).post(
        reverse("deals:deal-bulk"),
        {"action": "assign", "ids": [d.pk for d in deals], "owner": world.teammate.pk},
        follow=True,
    )
    assert "3 deals assigned." in response.content.decode()
    assert [n.title for n in Notification.objects.filter(recipient=world.teammate)] == [
        "Mia Manager 把 3 个商机转给了你"
    ]
    assert [n.title for n in Notification.objects.filter(recipient=world.owner)] == [
        "Mia Manager gave 3 deals of yours to Tom Teammate"
    ]


def test_a_bulk_assignment_to_support_changes_nothing(world: World, deal: Deal) -> None:
    support = cao(world)
    before = state(deal)
    body = client_for(world.manager).get(reverse("deals:deal-list")).content.decode()
    bar = body[body.index('id="bulk-owner"') :]
    assert "曹阳" not in bar[: bar.index("</select>")]
    client_for(world.manager).post(
        reverse("deals:deal-bulk"), {"action": "assign", "ids": [deal.pk], "owner": support.pk}
    )
    assert state(deal) == before
    assert not Notification.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_the_api_refuses_support_as_owner_with_a_field_message(world: World, deal: Deal) -> None:
    support = cao(world)
    before = state(deal)
    response = api_for(world.manager).patch(
        f"/api/v1/deals/{deal.pk}/", {"owner": support.pk, "version": deal.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "owner": ["曹阳 may not own deals: their roles do not let them open and edit them."]
    }
    assert state(deal) == before


def test_the_api_answers_with_the_deal_while_it_is_in_sight(world: World, deal: Deal) -> None:
    response = api_for(world.manager).patch(
        f"/api/v1/deals/{deal.pk}/", {"owner": world.teammate.pk, "version": deal.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["owner"] == world.teammate.pk and response.json()["name"] == "Big order"


def test_the_api_says_where_the_deal_went_once_out_of_sight(world: World, deal: Deal) -> None:
    west_rep = lily(world)
    with translation.override("en"):
        response = api_for(world.manager).patch(
            f"/api/v1/deals/{deal.pk}/", {"owner": west_rep.pk, "version": deal.version}, format="json"
        )
    assert response.status_code == 200
    assert response.json() == {
        "id": deal.pk,
        "visible": False,
        "owner": west_rep.pk,
        "owner_name": "Lily",
        "team": world.west_sales.pk,
        "team_name": "West sales",
        "detail": "The deal “Big order” went to Lily (West sales); you can no longer see it.",
    }


def test_the_schema_documents_both_answers_of_an_edit(world: World) -> None:
    schema = api_for(world.admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    answer = schema["paths"]["/api/v1/deals/{id}/"]["patch"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert answer["schema"]["$ref"].endswith("DealOrHandedOver")
    one_of = schema["components"]["schemas"]["DealOrHandedOver"]["oneOf"]
    assert {ref["$ref"].rsplit("/", 1)[-1] for ref in one_of} == {"Deal", "HandedOver"}
    assert "visible" in schema["components"]["schemas"]["HandedOver"]["required"]
