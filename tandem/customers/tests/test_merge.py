"""Merging duplicate accounts: nothing is lost, history stays readable, only editors may merge."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.activities.models import Activity
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.core import history
from tandem.core.models import HistoryAction, HistoryEntry, Tag
from tandem.customers import merge, pools, selectors, services
from tandem.customers.models import Account, Contact, LifecycleTransition, PoolEvent
from tandem.customers.tests.factories import AccountFactory, ContactFactory, PoolFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.urls("tandem.customers.tests.urls")


def _linked_counts(account: Account) -> dict[str, int]:
    return {
        "contacts": Contact.all_objects.filter(account=account).count(),
        "deals": Deal.all_objects.filter(account=account).count(),
        "activities": Activity.all_objects.filter(account=account).count(),
        "leads": Lead.all_objects.filter(converted_account=account).count(),
        "children": Account.all_objects.filter(parent=account).count(),
        "pool_events": PoolEvent.objects.filter(account=account).count(),
        "transitions": LifecycleTransition.objects.filter(account=account).count(),
        "tags": account.tags.count(),
    }


@pytest.fixture
def pair(world: World) -> tuple[Account, Account]:
    """Two accounts of the owner that are the same company, each with its own linked records."""
    owner = world.owner
    actor = world.actor(owner)
    keep = services.account_create(actor=actor, data={"name": "Acme Trading", "city": ""})
    other = services.account_create(
        actor=actor,
        data={"name": "Acme Trading Shanghai", "city": "上海", "phone": "13800138000", "industry": "Retail"},
        confirm_duplicates=True,
    )
    keep.tags.add(Tag.objects.create(name="key"))
    other.tags.add(Tag.objects.create(name="expo-2026"))
    for account in (keep, other):
        ContactFactory(account=account, owner=owner)
        DealFactory(account=account, owner=owner)
        ActivityFactory(account=account, author=owner)
        LeadFactory(owner=owner, converted_account=account)
        AccountFactory(owner=owner, parent=account)
    deleted_contact = ContactFactory(account=other, owner=owner)
    services.contact_delete(actor=world.actor(world.manager), contact=deleted_contact)
    pool = PoolFactory(teams=[world.east_sales])
    actor = world.actor(owner)  # as the next request would: a member of the new pool
    Account.objects.filter(pk=other.pk).update(pool=pool)
    other.refresh_from_db()
    pools.account_release(actor=actor, account=other, reason="Not now")
    other.refresh_from_db()
    pools.account_claim(actor=actor, account=other)
    other.refresh_from_db()
    services.account_update(actor=actor, account=other, data={"description": "Met at the expo"})
    return keep, other


def test_it_moves_everything_linked_to_the_kept_account_and_loses_nothing(
    world: World, pair: tuple[Account, Account]
) -> None:
    keep, other = pair
    before_keep, before_other = _linked_counts(keep), _linked_counts(other)
    entries_before = HistoryEntry.objects.count()

    moved = merge.account_merge(actor=world.actor(world.owner), keep=keep, merge=other)

    after = _linked_counts(keep)
    for key in ("contacts", "deals", "activities", "leads", "children", "pool_events", "transitions"):
        assert after[key] == before_keep[key] + before_other[key], key
    assert set(keep.tags.values_list("name", flat=True)) == {"key", "expo-2026"}
    assert sum(moved.values()) > 0
    assert _linked_counts(other) == {**dict.fromkeys(before_other, 0), "tags": before_other["tags"]}
    # Nothing deleted from history: two MERGE entries and the DELETE entry were added.
    assert HistoryEntry.objects.count() == entries_before + 3


def test_it_fills_the_kept_accounts_empty_fields_from_the_merged_one(
    world: World, pair: tuple[Account, Account]
) -> None:
    keep, other = pair
    merge.account_merge(actor=world.actor(world.owner), keep=keep, merge=other)
    keep.refresh_from_db()
    assert keep.name == "Acme Trading"
    assert keep.city == "上海"
    assert keep.phone == "+8613800138000"
    assert keep.industry == "Retail"
    assert keep.description == "Met at the expo"


def test_it_moves_the_merged_account_to_the_recycle_bin_with_merge_entries_on_both(
    world: World, pair: tuple[Account, Account]
) -> None:
    keep, other = pair
    version = keep.version
    merge.account_merge(actor=world.actor(world.owner), keep=keep, merge=other)

    gone = Account.all_objects.get(pk=other.pk)
    assert gone.deleted_at is not None and gone.deleted_by == world.owner
    assert not Account.objects.filter(pk=other.pk).exists()
    keep_entry = history.entries_for(keep).get(action=HistoryAction.MERGE)
    assert keep_entry.changes["merged_from"] == [None, other.pk]
    assert "Acme Trading Shanghai" in keep_entry.message
    other_entry = history.entries_for(gone).get(action=HistoryAction.MERGE)
    assert other_entry.changes["merged_into"] == [None, keep.pk]
    keep.refresh_from_db()
    assert keep.version == version + 1


def test_the_kept_accounts_history_includes_the_merged_accounts_entries(
    world: World, pair: tuple[Account, Account]
) -> None:
    keep, other = pair
    other_entries = set(history.entries_for(other).values_list("pk", flat=True))
    merge.account_merge(actor=world.actor(world.owner), keep=keep, merge=other)

    shown = set(selectors.account_history(keep).values_list("pk", flat=True))
    assert other_entries <= shown
    items, _next = selectors.timeline(actor=world.actor(world.owner), account=keep, limit=200)
    timeline_history = {item["id"] for item in items if item["kind"] == "history"}
    assert other_entries <= timeline_history


def test_it_refreshes_the_kept_accounts_duplicate_keys(world: World, pair: tuple[Account, Account]) -> None:
    from tandem.customers.models import DuplicateKey

    keep, other = pair
    merge.account_merge(actor=world.actor(world.owner), keep=keep, merge=other)
    kinds = set(
        DuplicateKey.objects.filter(record_type="account", record_id=keep.pk).values_list("kind", "value")
    )
    assert ("phone", "8613800138000") in kinds or any(kind == "phone" for kind, _v in kinds)


def _state(*accounts: Account) -> list[Any]:
    return [
        (
            Account.all_objects.filter(pk=a.pk).values_list("deleted_at", "version", "city").get(),
            _linked_counts(a),
        )
        for a in accounts
    ]


def test_an_outsider_cannot_merge_and_nothing_changes(world: World, pair: tuple[Account, Account]) -> None:
    keep, other = pair
    before = _state(keep, other)
    entries = HistoryEntry.objects.count()
    with pytest.raises(PermissionDenied):
        merge.account_merge(actor=world.actor(world.outsider), keep=keep, merge=other)
    assert _state(keep, other) == before
    assert HistoryEntry.objects.count() == entries


def test_it_needs_edit_on_both_accounts(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    theirs = AccountFactory(owner=world.teammate)
    before = _state(mine, theirs)
    with pytest.raises(PermissionDenied):
        merge.account_merge(actor=world.actor(world.owner), keep=mine, merge=theirs)
    assert _state(mine, theirs) == before


def test_the_manager_above_may_merge_accounts_of_two_reps(world: World) -> None:
    mine = AccountFactory(owner=world.owner)
    theirs = AccountFactory(owner=world.teammate)
    ContactFactory(account=theirs)
    merge.account_merge(actor=world.actor(world.manager), keep=mine, merge=theirs)
    assert Contact.objects.filter(account=mine).count() == 1


def test_it_refuses_to_merge_an_account_into_itself(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError):
        merge.account_merge(actor=world.actor(world.owner), keep=account, merge=account)


def test_a_child_that_is_the_kept_account_does_not_become_its_own_parent(world: World) -> None:
    parent = AccountFactory(owner=world.owner)
    child = AccountFactory(owner=world.owner, parent=parent)
    merge.account_merge(actor=world.actor(world.owner), keep=child, merge=parent)
    child.refresh_from_db()
    assert child.parent_id is None
