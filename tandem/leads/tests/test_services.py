"""Leads: create, edit, qualify, duplicate warnings, and conversion into account, contact and deal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core.errors import DuplicateFound, VersionConflict
from tandem.core.history import entries_for
from tandem.customers.models import Account, Contact, Lifecycle
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal, DealContact
from tandem.deals.tests.factories import stage_named
from tandem.leads import services
from tandem.leads.models import Lead, LeadStatus
from tandem.leads.tests.factories import LeadFactory

# Notifications carry detail URLs; these tests do not depend on the web layer being wired.
pytestmark = pytest.mark.urls("tandem.customers.tests.urls")


def test_it_creates_a_lead_owned_by_the_actor(world: World) -> None:
    lead = services.lead_create(
        actor=world.actor(world.owner),
        data={"name": " 李雷 ", "company": "星辰科技", "mobile": "138 0013 8000"},
    )
    assert (lead.name, lead.owner, lead.team, lead.status) == ("李雷", world.owner, world.east_sales, "new")
    assert lead.mobile.startswith("+86")
    assert entries_for(lead).count() == 1


def test_it_lets_a_manager_create_a_lead_for_a_rep(world: World) -> None:
    lead = services.lead_create(actor=world.actor(world.manager), data={"name": "x"}, owner=world.teammate)
    assert (lead.owner, lead.team) == (world.teammate, world.east_sales)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "mobile": "nope"}, "mobile"),
        ({"name": "x", "status": "maybe"}, "status"),
        ({"name": "x", "status": LeadStatus.CONVERTED}, "status"),
        ({"name": "x", "status": LeadStatus.UNQUALIFIED}, "unqualified_reason"),
        ({"name": "x", "status": LeadStatus.UNQUALIFIED, "unqualified_reason": "  "}, "unqualified_reason"),
    ],
)
def test_it_refuses_bad_input_with_field_errors(world: World, data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=world.actor(world.owner), data=data)
    assert field in exc.value.message_dict
    assert not Lead.objects.exists()


def test_it_marks_a_lead_unqualified_with_a_reason(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    updated = services.lead_update(
        actor=world.actor(world.owner),
        lead=lead,
        data={"status": LeadStatus.UNQUALIFIED, "unqualified_reason": "No budget"},
        version=1,
    )
    assert (updated.status, updated.unqualified_reason, updated.version) == ("unqualified", "No budget", 2)


def test_it_keeps_an_existing_reason_when_marking_unqualified_again(world: World) -> None:
    lead = LeadFactory(owner=world.owner, unqualified_reason="No budget")
    updated = services.lead_update(
        actor=world.actor(world.owner), lead=lead, data={"status": LeadStatus.UNQUALIFIED}
    )
    assert updated.status == LeadStatus.UNQUALIFIED


def test_it_refuses_a_stale_version_and_changes_nothing(world: World) -> None:
    lead = LeadFactory(owner=world.owner, name="Old")
    services.lead_update(actor=world.actor(world.owner), lead=lead, data={"title": "CTO"}, version=1)
    with pytest.raises(VersionConflict) as exc:
        services.lead_update(actor=world.actor(world.owner), lead=lead, data={"name": "New"}, version=1)
    assert exc.value.current["title"] == "CTO"
    lead.refresh_from_db()
    assert lead.name == "Old"


def test_it_refuses_a_teammate_editing_the_lead(world: World) -> None:
    lead = LeadFactory(owner=world.owner, name="Old")
    with pytest.raises(PermissionDenied):
        services.lead_update(actor=world.actor(world.teammate), lead=lead, data={"name": "New"})
    lead.refresh_from_db()
    assert (lead.name, lead.version) == ("Old", 1)


def test_it_moves_the_leads_team_with_a_new_owner(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    updated = services.lead_update(
        actor=world.actor(world.director), lead=lead, data={}, owner=world.outsider
    )
    assert (updated.owner, updated.team) == (world.outsider, world.west_sales)


# --- Duplicates -----------------------------------------------------------------------------


def test_it_warns_when_the_leads_company_matches_an_existing_account(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="北京华为技术有限公司")
    actor = world.actor(world.owner)
    with pytest.raises(DuplicateFound) as exc:
        services.lead_create(actor=actor, data={"name": "李雷", "company": "华为技术"})
    assert not exc.value.blocking
    match = exc.value.matches[0]
    assert (match["record_type"], match["id"], match["action"]) == ("account", account.pk, "warn")

    lead = services.lead_create(
        actor=actor, data={"name": "李雷", "company": "华为技术"}, confirm_duplicates=True
    )
    assert lead.pk is not None


def test_it_warns_about_an_invisible_matching_account_without_naming_it(world: World) -> None:
    AccountFactory(owner=world.outsider, name="Secret Corp")
    with pytest.raises(DuplicateFound) as exc:
        services.lead_create(actor=world.actor(world.owner), data={"name": "x", "company": "Secret Corp"})
    (match,) = exc.value.matches
    assert match["visible"] is False and "id" not in match and "name" not in match
    assert match["owner_name"] == "Olga Outsider"


def test_it_warns_about_a_lead_with_the_same_email(world: World) -> None:
    LeadFactory(owner=world.owner, email="li@acme.cn")
    with pytest.raises(DuplicateFound):
        services.lead_create(actor=world.actor(world.owner), data={"name": "y", "email": "LI@acme.cn"})


# --- Conversion -----------------------------------------------------------------------------


def test_it_converts_a_lead_into_an_account_a_contact_and_a_deal(world: World) -> None:
    lead = LeadFactory(
        owner=world.owner,
        name="李雷",
        company="星辰科技有限公司",
        mobile="+8613800138000",
        email="lilei@xingchen.cn",
        title="CTO",
        notes="Met at the fair",
    )
    result = services.lead_convert(
        actor=world.actor(world.owner), lead=lead, create_deal=True, deal_amount="5000"
    )
    account, contact, deal = result["account"], result["contact"], result["deal"]

    assert (account.name, account.owner, account.lifecycle) == ("星辰科技有限公司", world.owner, "prospect")
    assert account.phone == "+8613800138000" and account.description == "Met at the fair"
    assert (contact.name, contact.account, contact.title, contact.owner) == (
        "李雷",
        account,
        "CTO",
        world.owner,
    )
    assert (deal.name, deal.account, deal.amount, deal.owner) == (
        "星辰科技有限公司",
        account,
        Decimal("5000"),
        world.owner,
    )
    assert DealContact.objects.get(deal=deal).role == "decision_maker"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.converted_at is not None
    assert (lead.converted_account, lead.converted_contact, lead.converted_deal) == (account, contact, deal)
    assert entries_for(account).filter(message__contains="converted").exists()


def test_the_account_a_lead_becomes_takes_its_country(world: World) -> None:
    lead = LeadFactory(owner=world.owner, company="Hamburg Logistics GmbH", country="DE", city="Hamburg")
    account = services.lead_convert(actor=world.actor(world.owner), lead=lead)["account"]
    assert (account.country, account.city) == ("DE", "Hamburg")


def test_it_converts_without_a_deal_unless_asked(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    result = services.lead_convert(actor=world.actor(world.owner), lead=lead)
    assert result["deal"] is None
    assert not Deal.objects.exists()


def test_it_creates_the_deal_in_the_chosen_stage(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    result = services.lead_convert(
        actor=world.actor(world.owner),
        lead=lead,
        create_deal=True,
        deal_name="Pilot",
        deal_stage=stage_named("Needs analysis"),
    )
    assert (result["deal"].name, result["deal"].stage) == ("Pilot", stage_named("Needs analysis"))


def test_it_moves_the_leads_follow_ups_to_the_account_and_contact(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    latest = timezone.now() - datetime.timedelta(days=2)
    Lead.objects.filter(pk=lead.pk).update(last_follow_up_at=latest)
    call = ActivityFactory(author=world.owner, lead=lead, occurred_at=latest)
    note = ActivityFactory(author=world.teammate, lead=lead)

    result = services.lead_convert(actor=world.actor(world.owner), lead=lead)

    for activity in (call, note):
        activity.refresh_from_db()
        assert (activity.lead, activity.account, activity.contact) == (
            lead,
            result["account"],
            result["contact"],
        )
    assert call.author == world.owner and note.author == world.teammate
    result["account"].refresh_from_db()
    assert result["account"].last_follow_up_at == latest


def test_it_refuses_a_second_conversion(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    actor = world.actor(world.owner)
    services.lead_convert(actor=actor, lead=lead)
    with pytest.raises(ValidationError, match="converted already"):
        services.lead_convert(actor=actor, lead=lead)
    assert (Account.objects.count(), Contact.objects.count()) == (1, 1)


def test_it_refuses_editing_a_converted_lead(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    services.lead_convert(actor=world.actor(world.owner), lead=lead)
    with pytest.raises(ValidationError):
        services.lead_update(actor=world.actor(world.owner), lead=lead, data={"name": "Changed"})


def test_it_converts_into_an_existing_account(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="星辰科技", lifecycle=Lifecycle.CUSTOMER)
    lead = LeadFactory(owner=world.owner, company="星辰科技有限公司")
    result = services.lead_convert(actor=world.actor(world.owner), lead=lead, account=account)

    assert result["account"] == account
    assert result["contact"].account == account
    assert Account.objects.count() == 1
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CUSTOMER


def test_it_is_blocked_by_an_existing_account_of_the_same_name(world: World) -> None:
    AccountFactory(owner=world.owner, name="星辰科技")
    lead = LeadFactory(owner=world.owner, company="北京星辰科技有限公司")
    with pytest.raises(DuplicateFound) as exc:
        services.lead_convert(actor=world.actor(world.owner), lead=lead, confirm_duplicates=True)
    assert exc.value.blocking
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert (Account.objects.count(), Contact.objects.count()) == (1, 0)


def test_it_refuses_converting_into_an_account_the_actor_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider)
    lead = LeadFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=world.actor(world.owner), lead=lead, account=hidden)
    assert "account" in exc.value.message_dict
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and not Contact.objects.exists()


def test_it_refuses_a_teammate_converting_the_lead(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    with pytest.raises(PermissionDenied):
        services.lead_convert(actor=world.actor(world.teammate), lead=lead)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and not Account.objects.exists()


def test_it_gives_the_converted_records_to_the_leads_owner_when_a_manager_converts(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    result = services.lead_convert(actor=world.actor(world.manager), lead=lead, create_deal=True)
    assert result["account"].owner == world.owner
    assert result["contact"].owner == world.owner
    assert result["deal"].owner == world.owner
    assert result["account"].team == world.east_sales


def test_it_moves_activities_of_the_lead_only(world: World) -> None:
    lead = LeadFactory(owner=world.owner)
    other = ActivityFactory(author=world.owner, lead=LeadFactory(owner=world.owner))
    services.lead_convert(actor=world.actor(world.owner), lead=lead)
    other.refresh_from_db()
    assert other.account is None
    assert Activity.objects.count() == 1
