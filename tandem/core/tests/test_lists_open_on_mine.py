"""Lists open on what the person works on (decision 0028): the default per role, owner filters
limited to the viewer's scope, and views saved for a team.

People (tandem/conftest.py): 王小明 ``owner`` (a rep of East sales), ``teammate`` (the same team),
``manager`` (East sales), ``outsider`` (a rep of West sales), ``admin``.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.conftest import World
from tandem.core import access
from tandem.core.listing import saved_view_create, saved_view_delete
from tandem.core.models import SavedView
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.tests.factories import DealFactory
from tandem.leads.tests.factories import LeadFactory
from tandem.org.tests.factories import UserFactory, join


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: Any, name: str, query: str = "") -> str:
    response = as_(user).get(reverse(name) + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response.content.decode()


# --- The default each role opens on ---------------------------------------------------------


def test_a_rep_opens_customers_on_their_own_and_the_pool_stays_in_the_pool(world: World) -> None:
    pool = PoolFactory(members=[world.owner])
    AccountFactory(owner=world.owner, name="Mine Trading")
    AccountFactory(owner=None, pool=pool, name="Pool Metals")
    body = page(world.owner, "customers:account-list")
    assert "Mine Trading" in body and "Pool Metals" not in body
    assert "filter-chip" in body and "Whose: Mine" in body  # the default shows, removable
    assert 'href="/customers/accounts/?whose=all"' in body
    assert "Clear filters" not in body  # nothing to clear but the default, which has its own ×
    assert "Clear filters" in page(world.owner, "customers:account-list", "whose=me&lifecycle=lead")
    # Removing the chip: everything the rep may see, the pool customers they are members of too.
    everything = page(world.owner, "customers:account-list", "whose=all")
    assert "Mine Trading" in everything and "Pool Metals" in everything
    # A filter of their own replaces the default: the pool filter still finds the pool customer.
    assert "Pool Metals" in page(world.owner, "customers:account-list", "in_pool=true")


def test_a_manager_opens_on_their_teams_and_an_administrator_on_everything(world: World) -> None:
    AccountFactory(owner=world.teammate, name="Team Foods")
    AccountFactory(owner=world.outsider, name="West Steel")
    AccountFactory(owner=None, team=world.east_sales, name="Unowned Paper")
    mine = page(world.manager, "customers:account-list")
    assert "Team Foods" in mine and "West Steel" not in mine and "Unowned Paper" not in mine
    assert "Whose: My teams&#x27;" in mine
    everything = page(world.admin, "customers:account-list")
    assert "Team Foods" in everything and "West Steel" in everything
    assert "Whose:" not in everything


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("deals:deal-list", lambda owner, label: DealFactory(owner=owner, name=label)),
        ("leads:lead-list", lambda owner, label: LeadFactory(owner=owner, name=label)),
        ("customers:contact-list", lambda owner, label: ContactFactory(owner=owner, name=label)),
    ],
)
def test_deals_leads_and_contacts_open_on_the_reps_own(world: World, name: str, make: Any) -> None:
    make(world.owner, "Ownpiece")
    make(world.teammate, "Matepiece")
    rep = page(world.owner, name)
    assert "Ownpiece" in rep and "Matepiece" not in rep
    manager = page(world.manager, name)
    assert "Ownpiece" in manager and "Matepiece" in manager


def test_the_api_keeps_answering_everything_visible_and_accepts_whose(world: World) -> None:
    AccountFactory(owner=world.teammate, name="Team Foods")
    AccountFactory(owner=world.manager, name="Boss Own")
    client = as_(world.manager)
    names = {a["name"] for a in client.get("/api/v1/accounts/").json()["results"]}
    assert names == {"Team Foods", "Boss Own"}
    mine = {a["name"] for a in client.get("/api/v1/accounts/?whose=me").json()["results"]}
    assert mine == {"Boss Own"}


# --- Owner filters: the people in scope -----------------------------------------------------


def test_people_in_scope_follow_the_view_scope(world: World) -> None:
    rep = set(access.people_in_scope(world.actor(world.owner), "account"))
    assert rep == {world.owner}
    team = set(access.people_in_scope(world.actor(world.manager), "account"))
    assert {world.owner, world.teammate, world.manager, world.gone} <= team
    assert world.outsider not in team and world.admin not in team
    assert world.outsider in set(access.people_in_scope(world.actor(world.admin), "account"))


def test_the_owner_filter_offers_only_the_managers_people(world: World) -> None:
    body = page(world.manager, "customers:account-list")
    select = body.split('id="filter-owner"', 1)[1].split("</select>", 1)[0]
    assert "Tom Teammate" in select and "Olga Outsider" not in select and "Ada Admin" not in select


@pytest.mark.parametrize(
    "name", ["customers:account-list", "deals:deal-list", "leads:lead-list", "deals:board"]
)
def test_a_rep_whose_scope_is_himself_gets_no_owner_filter(world: World, name: str) -> None:
    rep = page(world.owner, name)
    assert 'id="filter-owner"' not in rep and 'id="lead-owner"' not in rep
    assert 'id="filter-owner"' in page(world.manager, name) or 'id="lead-owner"' in page(world.manager, name)


def test_filtering_by_someone_outside_scope_answers_nothing_and_400_in_the_api(world: World) -> None:
    AccountFactory(owner=world.outsider, name="West Steel")
    AccountFactory(owner=world.teammate, name="Team Foods")
    client = as_(world.manager)
    response = client.get("/api/v1/accounts/", {"owner": world.outsider.pk})
    assert response.status_code == 400 and "owner" in response.json()
    web = client.get(reverse("customers:account-list"), {"owner": world.outsider.pk}).content.decode()
    assert "West Steel" not in web and "Team Foods" not in web
    deals = client.get("/api/v1/deals/", {"owner": world.outsider.pk})
    assert deals.status_code == 400


def test_with_many_people_the_filter_lists_a_page_and_offers_a_search(world: World) -> None:
    from tandem.core import listing

    for n in range(4):
        join(
            UserFactory(username=f"extra{n}", display_name=f"Zed Extra {n}", roles=["sales-rep"]), world.east
        )
    original = listing.OWNER_OPTIONS
    listing.OWNER_OPTIONS = 3
    try:
        body = page(world.admin, "customers:account-list")
        found = as_(world.admin).get(reverse("core:people-options"), {"resource": "account", "q": "Extra 3"})
    finally:
        listing.OWNER_OPTIONS = original
    select = body.split('id="filter-owner"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") == 4  # "any" and three people
    assert reverse("core:people-options") in body
    assert "Zed Extra 3" in found.content.decode() and "Zed Extra 2" not in found.content.decode()


def test_the_people_search_keeps_to_the_scope(world: World) -> None:
    found = as_(world.manager).get(reverse("core:people-options"), {"resource": "account", "q": "Olga"})
    assert "Olga" not in found.content.decode()
    assert as_(world.manager).get(reverse("core:people-options"), {"resource": "nope"}).status_code == 404


# --- Views saved for a team -----------------------------------------------------------------


def test_a_manager_saves_a_view_for_the_team_and_its_members_see_it(world: World) -> None:
    manager = world.actor(world.manager)
    view = saved_view_create(
        actor=manager,
        resource="account",
        name="Hot leads",
        query="lifecycle=lead",
        team_id=world.east_sales.pk,
    )
    assert view.team_id == world.east_sales.pk and not view.is_shared
    teammate_page = page(world.teammate, "customers:account-list")
    assert "Team views" in teammate_page and 'data-saved-view="Hot leads"' in teammate_page
    assert 'data-saved-view="Hot leads"' not in page(world.outsider, "customers:account-list")
    # A view for a region reaches the teams below it.
    saved_view_create(
        actor=world.actor(world.east_manager),
        resource="account",
        name="Region",
        query="q=x",
        team_id=world.east.pk,
    )
    assert 'data-saved-view="Region"' in page(world.teammate, "customers:account-list")


def test_only_managers_share_with_their_own_teams(world: World) -> None:
    with pytest.raises(ValidationError):
        saved_view_create(
            actor=world.actor(world.owner),
            resource="account",
            name="x",
            query="q=a",
            team_id=world.east_sales.pk,
        )
    with pytest.raises(ValidationError):
        saved_view_create(
            actor=world.actor(world.manager),
            resource="account",
            name="x",
            query="q=a",
            team_id=world.west_sales.pk,
        )
    assert not SavedView.objects.exists()


def test_only_the_owner_deletes_a_team_view(world: World) -> None:
    view = saved_view_create(
        actor=world.actor(world.manager),
        resource="account",
        name="Ours",
        query="q=a",
        team_id=world.east_sales.pk,
    )
    for person in (world.teammate, world.admin):
        with pytest.raises(PermissionDenied):
            saved_view_delete(actor=world.actor(person), view=view)
        response = as_(person).post(reverse("core:saved-view-delete", args=[view.pk]))
        assert response.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    saved_view_delete(actor=world.actor(world.manager), view=view)
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_the_save_form_shares_with_a_team(world: World) -> None:
    client = as_(world.manager)
    form = page(world.manager, "customers:account-list", "lifecycle=lead")
    assert f'value="team-{world.east_sales.pk}"' in form
    response = client.post(
        reverse("core:saved-view-save"),
        {
            "resource": "account",
            "name": "East leads",
            "query": "lifecycle=lead",
            "share": f"team-{world.east_sales.pk}",
            "next": "/customers/accounts/",
        },
    )
    assert response.status_code == 302
    assert SavedView.objects.get(name="East leads").team_id == world.east_sales.pk
    assert 'value="team-' not in page(world.owner, "customers:account-list", "lifecycle=lead")


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "manager", "admin"])
def test_the_default_list_query_count_stays_flat(world: World, who: str) -> None:
    person = getattr(world, who)
    client = as_(person)
    saved_view_create(
        actor=world.actor(world.manager),
        resource="account",
        name="Ours",
        query="q=a",
        team_id=world.east_sales.pk,
    )

    def make(n: int) -> None:
        for _ in range(n):
            AccountFactory(owner=world.owner)

    make(2)
    client.get(reverse("customers:account-list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("customers:account-list")).status_code == 200
    make(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("customers:account-list")).status_code == 200
    assert len(many) == len(few)


def test_the_deal_count_from_the_totals_agrees_with_the_default(world: World) -> None:
    """The deals list counts from pre-aggregated totals; ``whose`` must narrow them alike."""
    from django.test import RequestFactory

    from tandem.core.listing import EVERYONE, MINE, MY_TEAMS
    from tandem.deals import selectors
    from tandem.deals.filters import DealFilter

    DealFactory(owner=world.manager)
    DealFactory(owner=world.teammate)
    DealFactory(owner=world.teammate)
    DealFactory(owner=world.outsider)
    for person, whose, expected in (
        (world.manager, MINE, 1),
        (world.manager, MY_TEAMS, 3),
        (world.admin, EVERYONE, 4),
        (world.admin, MY_TEAMS, 0),
        (world.teammate, MINE, 2),
    ):
        request = RequestFactory().get("/deals/", {"whose": whose})
        request.user = person
        actor = access.get_actor(request)
        filterset = DealFilter(request.GET, queryset=selectors.deal_list_queryset(actor), request=request)
        assert selectors.deal_count(actor, filterset) == expected == filterset.qs.count(), (person, whose)
