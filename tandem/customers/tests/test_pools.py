"""Public pools (公海): claim, release, assign, and the reclaim rules with preview and reminders."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tandem.conftest import World
from tandem.core import scheduler
from tandem.core.history import entries_for
from tandem.core.models import HistoryEntry, Notification
from tandem.customers import pools
from tandem.customers.models import Account, AccountLevel, Lifecycle, Pool, PoolEvent
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User

# Notifications carry detail URLs; these tests do not depend on the web layer being wired.
pytestmark = pytest.mark.urls("tandem.customers.tests.urls")

DAY = datetime.timedelta(days=1)


def _owned_for(account: Account, days: int, *, now: datetime.datetime | None = None) -> Account:
    """Pretend the account was claimed ``days`` ago and never followed up since."""
    since = (now or timezone.now()) - days * DAY
    Account.objects.filter(pk=account.pk).update(owned_since=since, created_at=since, last_follow_up_at=None)
    account.refresh_from_db()
    return account


def _followed_up(account: Account, days_ago: float, *, now: datetime.datetime | None = None) -> Account:
    Account.objects.filter(pk=account.pk).update(last_follow_up_at=(now or timezone.now()) - days_ago * DAY)
    account.refresh_from_db()
    return account


@pytest.fixture
def pool(world: World) -> Pool:
    """East sales' pool; the manager administers it. No limits unless a test sets them."""
    return PoolFactory(
        name="East pool", teams=[world.east_sales], admins=[world.manager], days_without_follow_up=30
    )


# --- Claim ----------------------------------------------------------------------------------


def test_it_lets_a_member_claim_a_pool_customer(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=None, pool=pool)
    claimed = pools.account_claim(actor=world.actor(world.owner), account=account)

    assert claimed.owner == world.owner
    assert claimed.team == world.east_sales
    assert claimed.owned_since is not None
    assert claimed.pool == pool
    event = PoolEvent.objects.get(account=account)
    assert (event.kind, event.actor, event.to_owner) == (PoolEvent.Kind.CLAIM, world.owner, world.owner)
    assert entries_for(account).get().changes["owner"] == [None, str(world.owner)]


def test_it_refuses_a_claim_by_a_non_member_and_changes_nothing(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=None, pool=pool)
    with pytest.raises(PermissionDenied):
        pools.account_claim(actor=world.actor(world.outsider), account=account)
    account.refresh_from_db()
    assert account.owner is None
    assert not PoolEvent.objects.exists()


def test_it_refuses_a_non_member_even_when_the_customer_is_owned(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=world.teammate, pool=pool)
    with pytest.raises(PermissionDenied):
        pools.account_claim(actor=world.actor(world.outsider), account=account)


def test_it_refuses_claiming_a_customer_claimed_already(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=None, pool=pool)
    stale = Account.objects.get(pk=account.pk)
    pools.account_claim(actor=world.actor(world.teammate), account=account)

    with pytest.raises(ValidationError):
        pools.account_claim(actor=world.actor(world.owner), account=Account.objects.get(pk=account.pk))
    with pytest.raises(ValidationError, match="a moment ago"):
        pools.account_claim(actor=world.actor(world.owner), account=stale)
    account.refresh_from_db()
    assert account.owner == world.teammate
    assert PoolEvent.objects.filter(kind=PoolEvent.Kind.CLAIM).count() == 1


def test_it_refuses_a_claim_beyond_the_most_customers_one_person_may_own(world: World, pool: Pool) -> None:
    pool.max_owned_per_person = 2
    pool.save()
    AccountFactory(owner=world.owner)
    AccountFactory(owner=world.owner)
    account = AccountFactory(owner=None, pool=pool)
    with pytest.raises(ValidationError, match="2 customers"):
        pools.account_claim(actor=world.actor(world.owner), account=account)
    account.refresh_from_db()
    assert account.owner is None


def test_it_refuses_claims_beyond_the_daily_limit(world: World, pool: Pool) -> None:
    pool.daily_claim_limit = 2
    pool.save()
    actor = world.actor(world.owner)
    first, second, third = (AccountFactory(owner=None, pool=pool) for _i in range(3))
    pools.account_claim(actor=actor, account=first)
    pools.account_claim(actor=actor, account=second)
    with pytest.raises(ValidationError, match="daily limit"):
        pools.account_claim(actor=actor, account=third)
    third.refresh_from_db()
    assert third.owner is None
    # Someone else still may.
    pools.account_claim(actor=world.actor(world.teammate), account=third)


def test_it_counts_only_todays_claims_against_the_daily_limit(world: World, pool: Pool) -> None:
    pool.daily_claim_limit = 1
    pool.save()
    actor = world.actor(world.owner)
    pools.account_claim(actor=actor, account=AccountFactory(owner=None, pool=pool))
    PoolEvent.objects.update(at=timezone.now() - 2 * DAY)
    pools.account_claim(actor=actor, account=AccountFactory(owner=None, pool=pool))
    assert Account.objects.filter(owner=world.owner).count() == 2


def test_it_makes_the_previous_owner_wait_for_the_cool_down(world: World, pool: Pool) -> None:
    pool.cooldown_days = 7
    pool.save()
    account = AccountFactory(owner=world.owner, pool=pool)
    pools.account_release(actor=world.actor(world.owner), account=account, reason="No budget this year")
    account.refresh_from_db()

    with pytest.raises(ValidationError, match="claim it again after"):
        pools.account_claim(actor=world.actor(world.owner), account=account)
    # Another member may claim it at once.
    Account.objects.filter(pk=account.pk).update(released_at=timezone.now() - 8 * DAY)
    account.refresh_from_db()
    pools.account_claim(actor=world.actor(world.owner), account=account)
    account.refresh_from_db()
    assert account.owner == world.owner


def test_it_lets_others_claim_during_the_previous_owners_cool_down(world: World, pool: Pool) -> None:
    pool.cooldown_days = 7
    pool.save()
    account = AccountFactory(owner=world.owner, pool=pool)
    pools.account_release(actor=world.actor(world.owner), account=account, reason="Not a fit")
    account.refresh_from_db()
    pools.account_claim(actor=world.actor(world.teammate), account=account)
    account.refresh_from_db()
    assert account.owner == world.teammate


# --- Release --------------------------------------------------------------------------------


def test_it_releases_a_customer_to_the_pool_with_a_reason(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=world.owner, pool=pool)
    released = pools.account_release(actor=world.actor(world.owner), account=account, reason=" Went quiet ")

    assert (released.owner, released.team, released.pool) == (None, None, pool)
    assert released.previous_owner == world.owner
    assert released.released_at is not None and released.owned_since is None
    event = PoolEvent.objects.get(account=account)
    assert (event.kind, event.from_owner, event.reason) == (PoolEvent.Kind.RELEASE, world.owner, "Went quiet")
    entry = entries_for(account).get()
    assert entry.changes["owner"] == [str(world.owner), None]
    assert entry.message == "Went quiet"


def test_it_releases_into_a_named_pool(world: World, pool: Pool) -> None:
    other = PoolFactory(teams=[world.east_sales])
    account = AccountFactory(owner=world.owner, pool=pool)
    released = pools.account_release(actor=world.actor(world.owner), account=account, reason="x", pool=other)
    assert released.pool == other


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_a_release_without_a_reason(world: World, pool: Pool, reason: str) -> None:
    account = AccountFactory(owner=world.owner, pool=pool)
    with pytest.raises(ValidationError) as exc:
        pools.account_release(actor=world.actor(world.owner), account=account, reason=reason)
    assert "reason" in exc.value.message_dict
    account.refresh_from_db()
    assert account.owner == world.owner


def test_it_refuses_a_release_without_a_pool(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        pools.account_release(actor=world.actor(world.owner), account=account, reason="x")
    assert "pool" in exc.value.message_dict


def test_it_refuses_a_teammate_releasing_the_owners_customer(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=world.owner, pool=pool)
    with pytest.raises(PermissionDenied):
        pools.account_release(actor=world.actor(world.teammate), account=account, reason="mine now")
    account.refresh_from_db()
    assert account.owner == world.owner
    assert not PoolEvent.objects.exists()


# --- Assign ---------------------------------------------------------------------------------


def test_it_lets_a_manager_assign_a_customer_and_notifies_the_new_owner(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=world.owner, pool=pool, name="Acme")
    assigned = pools.account_assign(
        actor=world.actor(world.manager), account=account, owner=world.teammate, reason="Workload"
    )
    assert (assigned.owner, assigned.team, assigned.previous_owner) == (
        world.teammate,
        world.east_sales,
        world.owner,
    )
    event = PoolEvent.objects.get(account=account)
    assert (event.kind, event.from_owner, event.to_owner) == (
        PoolEvent.Kind.ASSIGN,
        world.owner,
        world.teammate,
    )
    note = Notification.objects.get(recipient=world.teammate)
    assert note.kind == "account_assigned"
    assert "Acme" in note.title and "Mia Manager" in note.title
    assert note.url == account.get_absolute_url()


def test_it_lets_a_pool_administrator_assign_a_pool_customer(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=None, pool=pool)
    pools.account_assign(actor=world.actor(world.manager), account=account, owner=world.owner)
    account.refresh_from_db()
    assert account.owner == world.owner
    assert account.team == world.east_sales


def test_it_lets_the_director_assign_any_customer(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=world.outsider)
    pools.account_assign(actor=world.actor(world.director), account=account, owner=world.owner)
    account.refresh_from_db()
    assert (account.owner, account.team) == (world.owner, world.east_sales)


@pytest.mark.parametrize("who", ["owner", "teammate", "sibling_manager"])
def test_it_refuses_an_assignment_without_the_grant_and_changes_nothing(
    world: World, pool: Pool, who: str
) -> None:
    account = AccountFactory(owner=None, pool=pool)
    owned = AccountFactory(owner=world.owner, pool=pool)
    actor = world.actor(getattr(world, who))
    for target in (account, owned):
        with pytest.raises(PermissionDenied):
            pools.account_assign(actor=actor, account=target, owner=world.teammate)
    assert Account.objects.filter(owner=world.teammate).count() == 0
    assert not PoolEvent.objects.exists()
    assert not Notification.objects.exists()


def test_it_refuses_assigning_to_an_inactive_person(world: World, pool: Pool) -> None:
    account = AccountFactory(owner=world.owner, pool=pool)
    with pytest.raises(ValidationError):
        pools.account_assign(actor=world.actor(world.manager), account=account, owner=world.gone)
    account.refresh_from_db()
    assert account.owner == world.owner


def test_it_notifies_the_new_owner_in_their_own_language(world: World, pool: Pool) -> None:
    User.objects.filter(pk=world.teammate.pk).update(language="zh-hans")
    teammate = User.objects.get(pk=world.teammate.pk)
    account = AccountFactory(name="Acme", owner=world.owner, pool=pool)
    with translation.override("en"):
        pools.account_assign(actor=world.actor(world.manager), account=account, owner=teammate)
    assert Notification.objects.get(recipient=teammate).title == "Mia Manager 把客户「Acme」转给了你"
    # The previous owner (王小明, English) is told in theirs.
    assert Notification.objects.get(recipient=world.owner).title == (
        "Mia Manager gave your account “Acme” to Tom Teammate"
    )


# --- Reclaim rules --------------------------------------------------------------------------


def _due_ids(pool: Pool, at: datetime.datetime, within_days: int = 0) -> set[int]:
    return {c.account_id for c in pools.reclaim_candidates(pool, at, within_days=within_days)}


def test_it_returns_a_customer_after_the_days_without_follow_up(world: World, pool: Pool) -> None:
    now = timezone.now()
    stale = _followed_up(AccountFactory(owner=world.owner, pool=pool), 31, now=now)
    _followed_up(AccountFactory(owner=world.owner, pool=pool), 29, now=now)
    never = _owned_for(AccountFactory(owner=world.owner, pool=pool), 31, now=now)
    _owned_for(AccountFactory(owner=world.owner, pool=pool), 10, now=now)
    AccountFactory(owner=world.owner)  # not in this pool

    assert _due_ids(pool, now) == {stale.pk, never.pk}


def test_it_uses_the_days_of_the_customers_level(world: World, pool: Pool) -> None:
    pool.days_by_level = {"A": 90, "C": 10, "B": "oops"}
    pool.save()
    level = {lv.code: lv for lv in AccountLevel.objects.all()}
    now = timezone.now()
    a_40 = _followed_up(AccountFactory(owner=world.owner, pool=pool, level=level["A"]), 40, now=now)
    a_91 = _followed_up(AccountFactory(owner=world.owner, pool=pool, level=level["A"]), 91, now=now)
    c_15 = _followed_up(AccountFactory(owner=world.owner, pool=pool, level=level["C"]), 15, now=now)
    b_35 = _followed_up(AccountFactory(owner=world.owner, pool=pool, level=level["B"]), 35, now=now)
    none_35 = _followed_up(AccountFactory(owner=world.owner, pool=pool), 35, now=now)
    none_20 = _followed_up(AccountFactory(owner=world.owner, pool=pool), 20, now=now)

    due = _due_ids(pool, now)
    assert due == {a_91.pk, c_15.pk, b_35.pk, none_35.pk}
    assert a_40.pk not in due and none_20.pk not in due
    reasons = {c.account_id: c.reason for c in pools.reclaim_candidates(pool, now)}
    assert reasons[c_15.pk] == "No follow-up for 15 days (the limit is 10)."


def test_it_keeps_customers_of_a_level_whose_rule_is_off(world: World, pool: Pool) -> None:
    pool.days_by_level = {"A": 0}
    pool.save()
    level_a = AccountLevel.objects.get(code="A")
    now = timezone.now()
    _followed_up(AccountFactory(owner=world.owner, pool=pool, level=level_a), 400, now=now)
    assert _due_ids(pool, now) == set()


def test_it_exempts_customers_with_an_open_deal_or_won_customers(world: World, pool: Pool) -> None:
    now = timezone.now()
    with_open_deal = _owned_for(AccountFactory(owner=world.owner, pool=pool), 40, now=now)
    DealFactory(owner=world.owner, account=with_open_deal)
    won = _owned_for(AccountFactory(owner=world.owner, pool=pool), 40, now=now)
    DealFactory(owner=world.owner, account=won, stage=stage_named("Won"))
    customer = _owned_for(AccountFactory(owner=world.owner, pool=pool, lifecycle=Lifecycle.CUSTOMER), 40)
    lost_only = _owned_for(AccountFactory(owner=world.owner, pool=pool), 40, now=now)
    DealFactory(owner=world.owner, account=lost_only, stage=stage_named("Lost"))

    assert _due_ids(pool, now) == {lost_only.pk}

    pool.exempt_with_open_deal = False
    pool.exempt_won_customers = False
    pool.save()
    assert _due_ids(pool, now) == {with_open_deal.pk, won.pk, customer.pk, lost_only.pk}


def test_it_returns_a_customer_without_an_open_deal_for_too_long(world: World, pool: Pool) -> None:
    pool.days_without_follow_up = 0
    pool.days_without_open_deal = 20
    pool.exempt_with_open_deal = False
    pool.save()
    now = timezone.now()
    no_deal = _owned_for(AccountFactory(owner=world.owner, pool=pool), 25, now=now)
    open_deal = _owned_for(AccountFactory(owner=world.owner, pool=pool), 25, now=now)
    DealFactory(owner=world.owner, account=open_deal)
    recent_lost = _owned_for(AccountFactory(owner=world.owner, pool=pool), 25, now=now)
    DealFactory(owner=world.owner, account=recent_lost, stage=stage_named("Lost"))
    _owned_for(AccountFactory(owner=world.owner, pool=pool), 5, now=now)

    candidates = pools.reclaim_candidates(pool, now)
    assert [c.account_id for c in candidates] == [no_deal.pk]
    assert candidates[0].reason == "No open deal for 20 days."
    assert recent_lost.pk not in _due_ids(pool, now)


def test_it_returns_a_customer_without_a_won_deal_for_too_long(world: World, pool: Pool) -> None:
    pool.days_without_follow_up = 0
    pool.days_without_won_deal = 60
    pool.exempt_won_customers = False
    pool.exempt_with_open_deal = False
    pool.save()
    now = timezone.now()
    never_won = _owned_for(AccountFactory(owner=world.owner, pool=pool), 70, now=now)
    DealFactory(owner=world.owner, account=never_won)
    won_lately = _owned_for(AccountFactory(owner=world.owner, pool=pool), 70, now=now)
    DealFactory(owner=world.owner, account=won_lately, stage=stage_named("Won"))
    won_long_ago = _owned_for(AccountFactory(owner=world.owner, pool=pool), 70, now=now)
    DealFactory(
        owner=world.owner,
        account=won_long_ago,
        stage=stage_named("Won"),
        closed_on=timezone.localdate() - 65 * DAY,
    )

    assert _due_ids(pool, now) == {never_won.pk, won_long_ago.pk}


def test_it_previews_exactly_what_the_run_then_does_with_reasons(world: World, pool: Pool) -> None:
    now = timezone.now()
    first = _followed_up(AccountFactory(owner=world.owner, pool=pool, name="First"), 45, now=now)
    second = _owned_for(AccountFactory(owner=world.teammate, pool=pool, name="Second"), 31, now=now)
    soon = _followed_up(AccountFactory(owner=world.owner, pool=pool, name="Soon"), 28, now=now)
    _followed_up(AccountFactory(owner=world.owner, pool=pool), 5, now=now)

    preview = pools.reclaim_preview(actor=world.actor(world.manager), pool=pool, at=now)
    assert [(c.account_id, c.owner_id) for c in preview["due"]] == [
        (first.pk, world.owner.pk),
        (second.pk, world.teammate.pk),
    ]
    assert [c.account_id for c in preview["soon"]] == [soon.pk]

    result = pools.reclaim_run(pool=pool, now=now)

    assert result == {"reclaimed": 2, "reminded": 1}
    events = {e.account_id: e.reason for e in PoolEvent.objects.filter(kind=PoolEvent.Kind.RECLAIM)}
    assert events == {c.account_id: c.reason for c in preview["due"]}
    for account, previous in ((first, world.owner), (second, world.teammate)):
        account.refresh_from_db()
        assert (account.owner, account.team, account.pool) == (None, None, pool)
        assert account.previous_owner == previous
        assert entries_for(account).filter(actor__isnull=True).count() == 1
    soon.refresh_from_db()
    assert soon.owner == world.owner
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == {
        ("owner", "account_reclaimed"),
        ("teammate", "account_reclaimed"),
        ("owner", "account_reclaim_soon"),
    }


def test_it_refuses_the_preview_to_someone_not_administering_the_pool(world: World, pool: Pool) -> None:
    with pytest.raises(PermissionDenied):
        pools.reclaim_preview(actor=world.actor(world.owner), pool=pool)
    assert pools.reclaim_preview(actor=world.actor(world.admin), pool=pool)["due"] == []


def test_it_reclaims_once_however_often_it_runs_the_same_day(world: World, pool: Pool) -> None:
    now = timezone.now()
    account = _followed_up(AccountFactory(owner=world.owner, pool=pool), 45, now=now)

    assert pools.reclaim_run(pool=pool, now=now)["reclaimed"] == 1
    assert pools.reclaim_run(pool=pool, now=now + datetime.timedelta(minutes=30))["reclaimed"] == 0
    assert PoolEvent.objects.filter(account=account, kind=PoolEvent.Kind.RECLAIM).count() == 1
    assert Notification.objects.filter(kind="account_reclaimed").count() == 1


def test_it_reminds_an_owner_once_per_due_date(world: World, pool: Pool) -> None:
    now = timezone.now()
    account = _followed_up(AccountFactory(owner=world.owner, pool=pool), 28, now=now)

    assert pools.reclaim_run(pool=pool, now=now)["reminded"] == 1
    assert pools.reclaim_run(pool=pool, now=now + datetime.timedelta(hours=2))["reminded"] == 0
    assert pools.reclaim_run(pool=pool, now=now + DAY)["reminded"] == 0
    assert Notification.objects.filter(recipient=world.owner, kind="account_reclaim_soon").count() == 1
    assert PoolEvent.objects.filter(account=account, kind=PoolEvent.Kind.REMIND).count() == 1

    # A follow-up moves the due date: the owner hears again when the new date comes close.
    _followed_up(account, 28, now=now + 10 * DAY)
    assert pools.reclaim_run(pool=pool, now=now + 10 * DAY)["reminded"] == 1


def test_reminders_and_reclaims_read_wholly_in_the_owners_language(world: World, pool: Pool) -> None:
    """The reason was worked out in the run's language and pasted into a Chinese notification."""
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    world.owner.refresh_from_db()
    now = timezone.now()
    soon = _followed_up(AccountFactory(owner=world.owner, pool=pool), 28, now=now)
    gone = _followed_up(AccountFactory(owner=world.owner, pool=pool), 45, now=now)
    with translation.override("en"):
        pools.reclaim_run(pool=pool, now=now)
    reminder = Notification.objects.get(recipient=world.owner, kind="account_reclaim_soon")
    reclaimed = Notification.objects.get(recipient=world.owner, kind="account_reclaimed")
    for note in (reminder, reclaimed):
        assert "No follow-up" not in note.body and "天" in note.body, note.body
    assert soon.name in reminder.title and gone.name in reclaimed.title
    # The account's history tells each reader why, in their language.
    entry = HistoryEntry.objects.filter(object_id=gone.pk, message_said__isnull=False).get()
    with translation.override("zh-hans"):
        assert "天" in entry.message_text
    with translation.override("en"):
        assert entry.message_text.startswith("No follow-up for 45 days")


def test_it_does_not_remind_when_the_pool_says_not_to(world: World, pool: Pool) -> None:
    pool.remind_days_before = 0
    pool.save()
    now = timezone.now()
    _followed_up(AccountFactory(owner=world.owner, pool=pool), 29, now=now)
    assert pools.reclaim_run(pool=pool, now=now) == {"reclaimed": 0, "reminded": 0}


def test_it_reclaims_nothing_from_an_inactive_pool(world: World, pool: Pool) -> None:
    pool.is_active = False
    pool.save()
    _followed_up(AccountFactory(owner=world.owner, pool=pool), 45)
    assert pools.reclaim_all() == {"reclaimed": 0, "reminded": 0}


def test_it_runs_reclaim_and_reminders_from_the_schedule(world: World, pool: Pool, settings: Any) -> None:
    assert {"pool-reclaim", "follow-up-reminders"} <= set(settings.CELERY_BEAT_SCHEDULE)
    account = _followed_up(AccountFactory(owner=world.owner, pool=pool), 45)

    ran = scheduler.run_due()

    assert {"pool-reclaim", "follow-up-reminders"} <= set(ran)
    account.refresh_from_db()
    assert account.owner is None
    assert PoolEvent.objects.filter(account=account, kind=PoolEvent.Kind.RECLAIM).count() == 1


# --- Account levels named per language ---------------------------------------------------------


def test_an_administrator_names_an_account_level_in_each_language(world: World) -> None:
    from tandem.customers.pool_admin import account_level_set_names

    level = AccountLevel.objects.get(code="A")
    account_level_set_names(
        actor=world.actor(world.admin),
        level=level,
        names={"zh-hans": "A 类（重点客户）", "en": "A (key account)"},
    )
    level.refresh_from_db()
    assert level.name == "A"  # the stored name stays: pool rules and imports find it by either
    with translation.override("en"):
        assert level.display_name == "A (key account)"
    with translation.override("zh-hans"):
        assert level.display_name == "A 类（重点客户）"
    assert entries_for(level).exists()


def test_a_manager_may_not_name_an_account_level(world: World) -> None:
    from tandem.customers.pool_admin import account_level_set_names

    level = AccountLevel.objects.get(code="B")
    with pytest.raises(PermissionDenied):
        account_level_set_names(actor=world.actor(world.manager), level=level, names={"en": "B (growing)"})
    assert AccountLevel.objects.get(code="B").names == {}


def test_an_account_level_name_in_an_unknown_language_is_refused(world: World) -> None:
    from tandem.customers.pool_admin import account_level_set_names

    level = AccountLevel.objects.get(code="C")
    with pytest.raises(ValidationError) as raised:
        account_level_set_names(actor=world.actor(world.admin), level=level, names={"xx": "C"})
    assert "names" in raised.value.message_dict
    assert AccountLevel.objects.get(code="C").names == {}
