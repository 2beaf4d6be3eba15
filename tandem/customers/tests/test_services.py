"""Accounts and contacts: create, edit with versions, lifecycle, and duplicate checking (查重)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.conftest import World
from tandem.core.errors import DuplicateFound, VersionConflict
from tandem.core.history import entries_for
from tandem.core.models import HistoryAction
from tandem.customers import dedupe, selectors, services
from tandem.customers.models import (
    Account,
    Contact,
    DuplicateKey,
    DuplicateRule,
    Lifecycle,
    LifecycleTransition,
)
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.leads.tests.factories import LeadFactory

# Notifications carry detail URLs; these tests do not depend on the web layer being wired.
pytestmark = pytest.mark.urls("tandem.customers.tests.urls")

# --- Create ---------------------------------------------------------------------------------


def test_it_creates_an_account_owned_by_the_actor_in_their_primary_team(world: World) -> None:
    account = services.account_create(
        actor=world.actor(world.owner), data={"name": "  星辰科技有限公司 ", "phone": "138 0013 8000"}
    )
    assert account.name == "星辰科技有限公司"
    assert account.owner == world.owner
    assert account.team == world.east_sales
    assert account.created_by == world.owner
    assert account.owned_since is not None
    assert account.name_key == "星辰科技"
    assert account.lifecycle == Lifecycle.LEAD
    assert entries_for(account).filter(action=HistoryAction.CREATE).count() == 1
    assert not LifecycleTransition.objects.filter(account=account).exists()  # the start is implied
    assert [(s.stage, s.at, s.actor) for s in selectors.lifecycle_history(account)] == [
        (Lifecycle.LEAD, account.created_at, world.owner)
    ]


def test_it_normalises_the_phone_and_stores_duplicate_keys(world: World) -> None:
    account = services.account_create(
        actor=world.actor(world.owner),
        data={"name": "Acme", "phone": "(021) 6234-5678", "email": "Sales@Acme.cn"},
    )
    assert account.phone.startswith("+86")
    assert " " not in account.phone and "-" not in account.phone
    kinds = set(
        DuplicateKey.objects.filter(record_type="account", record_id=account.pk).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"name", "phone", "email", "domain"}


def test_it_refuses_a_phone_that_is_not_one_with_a_field_error(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=world.actor(world.owner), data={"name": "Acme", "phone": "call me"})
    assert "phone" in exc.value.message_dict
    assert not Account.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", None])
def test_it_refuses_a_blank_name_with_a_field_error(world: World, name: str | None) -> None:
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=world.actor(world.owner), data={"name": name})
    assert exc.value.message_dict == {"name": ["This field is required."]}
    assert not Account.objects.exists()


def test_it_lets_a_manager_give_a_new_account_to_someone_in_their_team(world: World) -> None:
    account = services.account_create(
        actor=world.actor(world.manager), data={"name": "Acme"}, owner=world.teammate
    )
    assert account.owner == world.teammate
    assert account.team == world.east_sales
    assert account.created_by == world.manager


def test_it_refuses_a_rep_giving_a_new_account_to_someone_else(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=world.actor(world.owner), data={"name": "Acme"}, owner=world.teammate)
    assert "owner" in exc.value.message_dict
    assert not Account.objects.exists()


def test_it_refuses_an_inactive_owner(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=world.actor(world.manager), data={"name": "Acme"}, owner=world.gone)
    assert "owner" in exc.value.message_dict


def test_it_refuses_creation_to_someone_without_the_create_grant(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.account_create(actor=world.actor(world.support), data={"name": "Acme"})
    assert not Account.objects.exists()


# --- Update ---------------------------------------------------------------------------------


def test_it_updates_an_account_bumps_its_version_and_records_the_change(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Old name")
    updated = services.account_update(
        actor=world.actor(world.owner), account=account, data={"name": "New name", "city": "上海"}, version=1
    )
    assert (updated.name, updated.city, updated.version) == ("New name", "上海", 2)
    assert updated.name_key == "newname"
    entry = entries_for(account).get(action=HistoryAction.UPDATE)
    assert entry.changes["name"] == ["Old name", "New name"]
    assert (
        DuplicateKey.objects.get(record_type="account", record_id=account.pk, kind="name").value == "newname"
    )


def test_it_refuses_a_stale_version_with_the_current_values_and_changes_nothing(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Acme")
    services.account_update(
        actor=world.actor(world.manager), account=account, data={"city": "杭州"}, version=1
    )

    with pytest.raises(VersionConflict) as exc:
        services.account_update(
            actor=world.actor(world.owner), account=account, data={"name": "Mine"}, version=1
        )
    assert exc.value.version == 2
    assert exc.value.current["city"] == "杭州"
    assert exc.value.current["name"] == "Acme"
    account.refresh_from_db()
    assert (account.name, account.version) == ("Acme", 2)


def test_it_refuses_a_teammate_editing_the_account_and_changes_nothing(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Acme")
    with pytest.raises(PermissionDenied):
        services.account_update(actor=world.actor(world.teammate), account=account, data={"name": "Mine"})
    account.refresh_from_db()
    assert (account.name, account.version) == ("Acme", 1)


def test_it_refuses_an_account_as_its_own_parent(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=world.actor(world.owner), account=account, data={"parent": account})
    assert "parent" in exc.value.message_dict


def test_it_refuses_blanking_the_name_on_update(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Acme")
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=world.actor(world.owner), account=account, data={"name": " "})
    assert "name" in exc.value.message_dict
    account.refresh_from_db()
    assert account.name == "Acme"


# --- Lifecycle ------------------------------------------------------------------------------


def test_it_records_every_lifecycle_transition(world: World) -> None:
    actor = world.actor(world.owner)
    account = services.account_create(actor=actor, data={"name": "Acme"})
    services.account_set_lifecycle(actor=actor, account=account, stage=Lifecycle.PROSPECT)
    services.account_update(actor=actor, account=account, data={"lifecycle": Lifecycle.CUSTOMER})

    steps = list(
        LifecycleTransition.objects.filter(account=account)
        .order_by("id")
        .values_list("from_stage", "to_stage", "actor")
    )
    assert steps == [
        (Lifecycle.LEAD, Lifecycle.PROSPECT, world.owner.pk),
        (Lifecycle.PROSPECT, Lifecycle.CUSTOMER, world.owner.pk),
    ]
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CUSTOMER
    history = selectors.lifecycle_history(account)
    assert [s.stage for s in history] == [Lifecycle.CUSTOMER, Lifecycle.PROSPECT, Lifecycle.LEAD]
    assert history[-1].at == account.created_at


def test_lifecycle_history_reads_a_creation_row_from_before_it_was_implied(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle=Lifecycle.PROSPECT)
    LifecycleTransition.objects.create(account=account, to_stage=Lifecycle.LEAD, at=account.created_at)
    LifecycleTransition.objects.create(
        account=account, from_stage=Lifecycle.LEAD, to_stage=Lifecycle.PROSPECT, at=timezone.now()
    )
    assert [s.stage for s in selectors.lifecycle_history(account)] == [Lifecycle.PROSPECT, Lifecycle.LEAD]


def test_lifecycle_history_is_bounded_and_leaves_out_the_start_when_cut(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    stages = [Lifecycle.PROSPECT, Lifecycle.CUSTOMER] * 3
    before = Lifecycle.LEAD
    for n, stage in enumerate(stages):
        at = timezone.now() + datetime.timedelta(minutes=n)
        LifecycleTransition.objects.create(account=account, from_stage=before, to_stage=stage, at=at)
        before = stage
    assert len(selectors.lifecycle_history(account, limit=4)) == 4
    assert selectors.lifecycle_history(account, limit=10)[-1].stage == Lifecycle.LEAD


def test_it_records_nothing_when_the_lifecycle_does_not_change(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle=Lifecycle.PROSPECT)
    services.account_set_lifecycle(actor=world.actor(world.owner), account=account, stage=Lifecycle.PROSPECT)
    assert not LifecycleTransition.objects.filter(account=account).exists()


def test_it_refuses_an_unknown_lifecycle_stage(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        services.account_set_lifecycle(actor=world.actor(world.owner), account=account, stage="vip")
    assert "lifecycle" in exc.value.message_dict
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.LEAD


def test_it_refuses_a_lifecycle_change_by_a_teammate(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(PermissionDenied):
        services.account_set_lifecycle(
            actor=world.actor(world.teammate), account=account, stage=Lifecycle.CUSTOMER
        )
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.LEAD


# --- Duplicates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["（北京）华为技术有限公司", "华为技术 股份有限公司", "北京华为技术有限公司"]
)
def test_it_blocks_an_account_with_the_same_normalised_name(world: World, name: str) -> None:
    existing = AccountFactory(owner=world.owner, name="北京华为技术有限公司")
    with pytest.raises(DuplicateFound) as exc:
        services.account_create(actor=world.actor(world.owner), data={"name": name}, confirm_duplicates=True)
    assert exc.value.blocking
    assert exc.value.matches[0]["id"] == existing.pk
    assert exc.value.matches[0]["kind"] == "name"
    assert exc.value.matches[0]["action"] == "block"
    assert Account.objects.count() == 1


def test_it_blocks_renaming_an_account_to_an_existing_name(world: World) -> None:
    AccountFactory(owner=world.owner, name="华为技术有限公司")
    other = AccountFactory(owner=world.owner, name="中兴通讯")
    with pytest.raises(DuplicateFound):
        services.account_update(
            actor=world.actor(world.owner), account=other, data={"name": "华为技术"}, confirm_duplicates=True
        )
    other.refresh_from_db()
    assert other.name == "中兴通讯"


def test_it_does_not_find_an_account_a_duplicate_of_itself(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="华为技术有限公司", phone="+8613800138000")
    services.account_update(actor=world.actor(world.owner), account=account, data={"city": "深圳"})
    account.refresh_from_db()
    assert account.city == "深圳"


def test_it_warns_about_a_similar_name_until_confirmed(world: World) -> None:
    existing = AccountFactory(owner=world.owner, name="Northwind Traders")
    actor = world.actor(world.owner)
    with pytest.raises(DuplicateFound) as exc:
        services.account_create(actor=actor, data={"name": "Northwind Trader"})
    assert not exc.value.blocking
    match = exc.value.matches[0]
    assert (match["kind"], match["id"], match["action"]) == ("fuzzy", existing.pk, "warn")
    assert 88 <= match["score"] < 100
    assert Account.objects.count() == 1

    created = services.account_create(actor=actor, data={"name": "Northwind Trader"}, confirm_duplicates=True)
    assert created.pk != existing.pk


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ({"phone": "+8613800138000"}, {"phone": "138 0013 8000"}),
        ({"email": "info@acme.cn"}, {"email": "INFO@acme.cn"}),
    ],
)
def test_it_warns_about_the_same_phone_or_email(world: World, existing: dict, new: dict) -> None:
    AccountFactory(owner=world.owner, name="Alpha", **existing)
    actor = world.actor(world.owner)
    with pytest.raises(DuplicateFound) as exc:
        services.account_create(actor=actor, data={"name": "Zeta", **new})
    assert not exc.value.blocking
    assert exc.value.matches[0]["kind"] in {"phone", "email"}
    services.account_create(actor=actor, data={"name": "Zeta", **new}, confirm_duplicates=True)
    assert Account.objects.count() == 2


def test_it_reports_an_invisible_duplicate_by_existence_and_owner_only(world: World) -> None:
    AccountFactory(owner=world.outsider, name="Secret Corp", phone="+8613800138000")
    with pytest.raises(DuplicateFound) as exc:
        services.account_create(
            actor=world.actor(world.owner), data={"name": "Secret Corp Ltd"}, confirm_duplicates=True
        )
    (match,) = exc.value.matches
    assert match == {
        "record_type": "account",
        "kind": "name",
        "score": 100,
        "action": "block",
        "visible": False,
        "owner_name": "Olga Outsider",
    }


def test_it_describes_a_visible_duplicate_with_id_and_name(world: World) -> None:
    existing = AccountFactory(owner=world.teammate, name="Shared Corp")
    (match,) = dedupe.find(
        actor=world.actor(world.manager), record_type="account", values={"name": "Shared Corp Inc"}
    )
    assert match["visible"] is True
    assert (match["id"], match["name"], match["owner_name"]) == (existing.pk, "Shared Corp", "Tom Teammate")


def test_it_only_warns_when_an_account_matches_a_lead(world: World) -> None:
    LeadFactory(owner=world.owner, company="Gamma Industries")
    with pytest.raises(DuplicateFound) as exc:
        services.account_create(actor=world.actor(world.owner), data={"name": "Gamma Industries"})
    assert not exc.value.blocking
    assert exc.value.matches[0]["record_type"] == "lead"


def test_it_follows_the_configured_rules(world: World) -> None:
    DuplicateRule.objects.filter(record_type="account", kind="name").update(action="warn")
    DuplicateRule.objects.filter(record_type="account", kind="phone").update(is_active=False)
    AccountFactory(owner=world.owner, name="Delta", phone="+8613800138000")
    actor = world.actor(world.owner)
    services.account_create(actor=actor, data={"name": "Epsilon", "phone": "13800138000"})
    with pytest.raises(DuplicateFound) as exc:
        services.account_create(actor=actor, data={"name": "Delta"})
    assert not exc.value.blocking


# --- Contacts -------------------------------------------------------------------------------


def test_it_creates_a_contact_on_a_visible_account(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    contact = services.contact_create(
        actor=world.actor(world.owner),
        data={"name": "李雷", "account": account, "mobile": "138-0013-8000"},
    )
    assert (contact.owner, contact.team, contact.account) == (world.owner, world.east_sales, account)
    assert contact.mobile.startswith("+86")
    assert DuplicateKey.objects.filter(record_type="contact", record_id=contact.pk, kind="phone").exists()


def test_it_refuses_a_contact_on_an_account_the_actor_cannot_see(world: World) -> None:
    hidden = AccountFactory(owner=world.outsider)
    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=world.actor(world.owner), data={"name": "李雷", "account": hidden})
    assert "account" in exc.value.message_dict
    assert not Contact.objects.exists()


def test_it_warns_about_a_contact_with_the_same_mobile(world: World) -> None:
    ContactFactory(owner=world.owner, mobile="+8613800138000")
    actor = world.actor(world.owner)
    with pytest.raises(DuplicateFound):
        services.contact_create(actor=actor, data={"name": "韩梅梅", "mobile": "13800138000"})
    services.contact_create(
        actor=actor, data={"name": "韩梅梅", "mobile": "13800138000"}, confirm_duplicates=True
    )
    assert Contact.objects.count() == 2


def test_it_updates_a_contact_with_a_version_and_refuses_a_stale_one(world: World) -> None:
    contact = ContactFactory(owner=world.owner, name="李雷")
    actor = world.actor(world.owner)
    services.contact_update(actor=actor, contact=contact, data={"title": "CTO"}, version=1)
    with pytest.raises(VersionConflict) as exc:
        services.contact_update(actor=actor, contact=contact, data={"title": "CEO"}, version=1)
    assert exc.value.current["title"] == "CTO"
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("CTO", 2)


def test_it_refuses_an_outsider_editing_a_contact_and_changes_nothing(world: World) -> None:
    contact = ContactFactory(owner=world.owner, name="李雷")
    with pytest.raises(PermissionDenied):
        services.contact_update(actor=world.actor(world.outsider), contact=contact, data={"name": "X"})
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("李雷", 1)


def test_it_moves_an_account_to_the_recycle_bin_with_the_delete_grant_only(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(PermissionDenied):
        services.account_delete(actor=world.actor(world.owner), account=account)
    assert Account.objects.filter(pk=account.pk).exists()
    services.account_delete(actor=world.actor(world.manager), account=account)
    assert not Account.objects.filter(pk=account.pk).exists()
    assert Account.all_objects.filter(pk=account.pk, deleted_by=world.manager).exists()
