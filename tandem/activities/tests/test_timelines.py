"""A record's timeline shows every follow-up on it, whoever logged it; lists keep the policy's scope.

People come from the ``world`` fixture (tandem/conftest.py): ``owner`` owns the records, ``support``
(another team) logs follow-ups on them, ``outsider`` sees none of it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory

from .test_views import _real_urls, client_for  # noqa: F401 (_real_urls: an autouse fixture)

pytestmark = pytest.mark.django_db


def test_the_owner_sees_every_follow_up_on_their_account_deal_and_lead(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    deal = DealFactory(owner=world.owner, account=account)
    lead = LeadFactory(owner=world.owner)
    ActivityFactory(author=world.support, account=account, subject="Support visit on site")
    ActivityFactory(author=world.support, account=account, deal=deal, subject="Support demo for the deal")
    ActivityFactory(author=world.support, lead=lead, subject="Support call to the lead")
    owner = client_for(world.owner)

    page = owner.get(reverse("customers:account-detail", args=[account.pk])).content.decode()
    assert "Support visit on site" in page and "Support demo for the deal" in page
    api = owner.get(f"/api/v1/accounts/{account.pk}/timeline/").json()
    assert {"Support visit on site", "Support demo for the deal"} <= {i["title"] for i in api["results"]}
    assert (
        "Support demo for the deal"
        in owner.get(reverse("deals:deal-detail", args=[deal.pk])).content.decode()
    )
    assert (
        "Support call to the lead" in owner.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    )

    # The follow-ups list keeps the policy's scope: a rep lists the follow-ups they logged.
    listed = owner.get("/follow-ups/").content.decode()
    assert "Support visit on site" not in listed


def test_someone_who_cannot_see_the_record_sees_none_of_its_follow_ups(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    ActivityFactory(author=world.owner, account=account, subject="Private pricing talk")
    outsider = client_for(world.outsider)
    assert outsider.get(reverse("customers:account-detail", args=[account.pk])).status_code == 404
    assert outsider.get(f"/api/v1/accounts/{account.pk}/timeline/").status_code == 404
    assert "Private pricing talk" not in outsider.get("/follow-ups/").content.decode()
