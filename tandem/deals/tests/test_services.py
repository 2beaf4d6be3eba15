"""Deals: create in the default pipeline, stage guidance, won/lost, line items, versions, owners."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.conftest import World
from tandem.core.errors import VersionConflict
from tandem.core.history import entries_for
from tandem.core.models import HistoryAction
from tandem.customers.models import Lifecycle, LifecycleTransition
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals import services
from tandem.deals.models import Deal, DealContact, DealLine, DealStageHistory, DealStatus
from tandem.deals.tests.factories import DealFactory, ProductFactory, first_open_stage, pipeline, stage_named

# Notifications carry detail URLs; these tests do not depend on the web layer being wired.
pytestmark = pytest.mark.urls("tandem.customers.tests.urls")


class Clock:
    """A controllable ``timezone.now`` for stage durations."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def _create(world: World, **data: Any) -> Deal:
    return services.deal_create(actor=world.actor(world.owner), data={"name": "Big deal", **data})


# --- Create ---------------------------------------------------------------------------------


def test_it_creates_a_deal_in_the_default_pipelines_first_open_stage(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    deal = _create(world, account=account, amount="12000.50")

    assert deal.pipeline == pipeline()
    assert deal.stage == first_open_stage() == stage_named("Qualification")
    assert deal.status == DealStatus.OPEN
    assert (deal.owner, deal.team, deal.created_by) == (world.owner, world.east_sales, world.owner)
    assert deal.amount == Decimal("12000.50")
    assert deal.closed_on is None and deal.stage_entered_at is not None
    assert DealStageHistory.objects.filter(deal=deal, stage=deal.stage, left_at__isnull=True).count() == 1
    assert entries_for(deal).filter(action=HistoryAction.CREATE).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": " "}, "name"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"probability": 101}, "probability"),
        ({"probability": "high"}, "probability"),
        ({"currency": "XXX"}, "currency"),
    ],
)
def test_it_refuses_bad_input_with_field_errors(world: World, data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(world, **data)
    assert field in exc.value.message_dict
    assert not Deal.objects.exists()


def test_it_refuses_a_deal_on_an_account_the_actor_cannot_see(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(world, account=AccountFactory(owner=world.outsider))
    assert "account" in exc.value.message_dict
    assert not Deal.objects.exists()


def test_it_refuses_creating_straight_into_proposal_without_amount_and_budget(world: World) -> None:
    with pytest.raises(ValidationError):
        services.deal_create(
            actor=world.actor(world.owner), data={"name": "x"}, stage=stage_named("Proposal")
        )
    assert not Deal.objects.exists()


def test_it_creates_a_deal_with_contacts_in_their_roles(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    boss = ContactFactory.create(account=account)
    user = ContactFactory.create(account=account)
    deal = services.deal_create(
        actor=world.actor(world.owner),
        data={"name": "x", "account": account},
        contacts=[(boss, "decision_maker"), (user, "")],
    )
    assert dict(DealContact.objects.filter(deal=deal).values_list("contact", "role")) == {
        boss.pk: "decision_maker",
        user.pk: "other",
    }


def test_it_refuses_a_contact_the_actor_cannot_see(world: World) -> None:
    hidden = ContactFactory.create(owner=world.outsider)
    with pytest.raises(ValidationError) as exc:
        services.deal_create(actor=world.actor(world.owner), data={"name": "x"}, contacts=[(hidden, "user")])
    assert "contacts" in exc.value.message_dict
    assert not Deal.objects.exists()


# --- Stage guidance -------------------------------------------------------------------------


def test_it_refuses_a_move_to_proposal_naming_the_missing_amount_and_budget(world: World) -> None:
    deal = DealFactory(owner=world.owner, amount=Decimal("0"))
    with pytest.raises(ValidationError) as exc:
        services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Proposal"))
    (message,) = exc.value.message_dict["stage"]
    assert "Proposal" in message and "amount" in message and "budget" in message
    deal.refresh_from_db()
    assert deal.stage == first_open_stage()
    assert deal.version == 1


def test_it_names_only_the_fields_still_missing(world: World) -> None:
    deal = DealFactory(owner=world.owner, amount=Decimal("500"))
    with pytest.raises(ValidationError) as exc:
        services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Proposal"))
    (message,) = exc.value.message_dict["stage"]
    assert "budget" in message and "amount" not in message


def test_it_moves_to_proposal_once_amount_and_budget_are_filled(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    moved = services.deal_update(
        actor=world.actor(world.owner),
        deal=deal,
        data={"amount": "8000", "budget": "10000"},
        stage=stage_named("Proposal"),
        version=1,
    )
    assert moved.stage == stage_named("Proposal")
    assert moved.version == 2
    assert moved.effective_probability == 50


def test_it_refuses_lost_without_a_reason(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Lost"))
    assert "lost_reason" in exc.value.message_dict
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_a_lost_deal_brought_in_without_a_reason_can_be_edited_and_keeps_no_made_up_reason(
    world: World,
) -> None:
    """Imported history has lost deals with no reason; editing another field of one must not
    demand a reason (an import used to write "imported" to get past this), and none is invented."""
    deal = DealFactory(
        owner=world.owner, stage=stage_named("Lost"), status=DealStatus.LOST, lost_reason_ref=None
    )
    edited = services.deal_update(
        actor=world.actor(world.owner),
        deal=deal,
        data={"next_step": "Ask again in spring", "lost_reason": ""},  # a form posts every field
        version=1,
    )
    assert (edited.next_step, edited.lost_reason_ref, edited.lost_reason, edited.version) == (
        "Ask again in spring",
        None,
        "",
        2,
    )


def test_taking_the_reason_off_a_lost_deal_is_refused_and_changes_nothing(world: World) -> None:
    deal = DealFactory(owner=world.owner, stage=stage_named("Lost"), status=DealStatus.LOST)
    with pytest.raises(ValidationError) as exc:
        services.deal_update(actor=world.actor(world.owner), deal=deal, data={"lost_reason": " "}, version=1)
    assert "lost_reason" in exc.value.message_dict
    deal.refresh_from_db()
    assert (deal.lost_reason_ref.name, deal.version) == ("Price", 1)


def test_it_closes_a_lost_deal_with_its_reason(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    lost = services.deal_move(
        actor=world.actor(world.owner), deal=deal, stage=stage_named("Lost"), lost_reason="Price"
    )
    assert (lost.status, lost.lost_reason_ref.name, lost.lost_reason, lost.closed_on) == (
        DealStatus.LOST,
        "Price",
        "",
        timezone.localdate(),
    )


def test_it_closes_a_won_deal_today_and_makes_the_account_a_customer(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle=Lifecycle.PROSPECT)
    deal = DealFactory(owner=world.owner, account=account)
    won = services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Won"))

    assert (won.status, won.closed_on) == (DealStatus.WON, timezone.localdate())
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CUSTOMER
    transition = LifecycleTransition.objects.get(account=account)
    assert (transition.from_stage, transition.to_stage, transition.actor) == (
        Lifecycle.PROSPECT,
        Lifecycle.CUSTOMER,
        world.owner,
    )


def test_it_leaves_a_loyal_customer_loyal_when_another_deal_is_won(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle=Lifecycle.LOYAL)
    deal = DealFactory(owner=world.owner, account=account)
    services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Won"))
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.LOYAL


def test_it_refuses_won_without_an_amount(world: World) -> None:
    deal = DealFactory(owner=world.owner, amount=Decimal("0"))
    with pytest.raises(ValidationError) as exc:
        services.deal_move(actor=world.actor(world.owner), deal=deal, stage=stage_named("Won"))
    assert "amount" in exc.value.message_dict["stage"][0]


def test_it_clears_closed_on_when_a_deal_moves_back_to_an_open_stage(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    actor = world.actor(world.owner)
    services.deal_move(actor=actor, deal=deal, stage=stage_named("Won"))
    reopened = services.deal_move(actor=actor, deal=deal, stage=stage_named("Needs analysis"))
    assert (reopened.status, reopened.closed_on) == (DealStatus.OPEN, None)


def test_it_closes_again_today_when_a_won_deal_turns_lost(world: World) -> None:
    deal = DealFactory(owner=world.owner, stage=stage_named("Won"), closed_on=datetime.date(2024, 1, 2))
    lost = services.deal_move(
        actor=world.actor(world.owner), deal=deal, stage=stage_named("Lost"), lost_reason="Timing"
    )
    assert (lost.status, lost.closed_on) == (DealStatus.LOST, timezone.localdate())


def test_it_records_how_long_the_deal_stayed_in_each_stage(world: World, clock: Clock) -> None:
    actor = world.actor(world.owner)
    deal = _create(world, amount="100", budget="100")
    clock.advance(days=2)
    services.deal_move(actor=actor, deal=deal, stage=stage_named("Needs analysis"))
    clock.advance(hours=5)
    services.deal_move(actor=actor, deal=deal, stage=stage_named("Proposal"))
    clock.advance(hours=1)
    services.deal_move(actor=actor, deal=deal, stage=stage_named("Needs analysis"))
    clock.advance(hours=3)

    stays = list(
        DealStageHistory.objects.filter(deal=deal)
        .order_by("entered_at")
        .values_list("stage__name", "duration_seconds", "actor")
    )
    assert stays == [
        ("Qualification", 2 * 86400, world.owner.pk),
        ("Needs analysis", 5 * 3600, world.owner.pk),
        ("Proposal", 3600, world.owner.pk),
        ("Needs analysis", None, world.owner.pk),
    ]
    totals = {row["stage"].name: row["seconds"] for row in services.stage_durations(deal)}
    assert totals == {"Qualification": 2 * 86400, "Needs analysis": 8 * 3600, "Proposal": 3600}


# --- Line items -----------------------------------------------------------------------------


def test_it_computes_the_amount_from_line_items(world: World) -> None:
    licence = ProductFactory(list_price=Decimal("100"))
    service = ProductFactory(list_price=Decimal("999"))
    deal = services.deal_create(
        actor=world.actor(world.owner),
        data={"name": "x", "amount": "1"},
        lines=[
            {"product": licence, "quantity": 3, "discount_percent": "10"},
            {"product": service, "quantity": "2", "unit_price": "250.50"},
        ],
    )
    lines = list(DealLine.objects.filter(deal=deal).values_list("amount", flat=True))
    assert lines == [Decimal("270.00"), Decimal("501.00")]
    deal.refresh_from_db()
    assert deal.amount == Decimal("771.00")


def test_it_replaces_line_items_on_update(world: World) -> None:
    product = ProductFactory(list_price=Decimal("100"))
    deal = DealFactory(owner=world.owner)
    actor = world.actor(world.owner)
    services.deal_update(actor=actor, deal=deal, data={}, lines=[{"product": product, "quantity": 1}])
    updated = services.deal_update(
        actor=actor, deal=deal, data={}, lines=[{"product": product, "quantity": 4, "discount_percent": 25}]
    )
    assert DealLine.objects.filter(deal=deal).count() == 1
    assert updated.amount == Decimal("300.00")


@pytest.mark.parametrize(
    "line",
    [
        {"product": None},
        {"quantity": 0},
        {"unit_price": "-1"},
        {"discount_percent": "101"},
        {"quantity": "many"},
    ],
)
def test_it_refuses_a_bad_line_naming_it(world: World, line: dict[str, Any]) -> None:
    product = ProductFactory()
    deal = DealFactory(owner=world.owner, amount=Decimal("10"))
    with pytest.raises(ValidationError) as exc:
        services.deal_update(
            actor=world.actor(world.owner), deal=deal, data={}, lines=[{"product": product, **line}]
        )
    assert exc.value.message_dict["lines"][0].startswith("Line 1")
    deal.refresh_from_db()
    assert deal.amount == Decimal("10") and not DealLine.objects.exists()


# --- Versions, permissions, owners ----------------------------------------------------------


def test_it_refuses_a_stale_version_with_the_current_values(world: World) -> None:
    deal = DealFactory(owner=world.owner, name="Old")
    services.deal_update(actor=world.actor(world.manager), deal=deal, data={"next_step": "Call"}, version=1)
    with pytest.raises(VersionConflict) as exc:
        services.deal_update(actor=world.actor(world.owner), deal=deal, data={"name": "New"}, version=1)
    assert exc.value.version == 2
    assert exc.value.current["next_step"] == "Call"
    assert exc.value.current["version"] == 2
    deal.refresh_from_db()
    assert deal.name == "Old"


@pytest.mark.parametrize("who", ["teammate", "outsider", "sibling_manager", "support"])
def test_it_refuses_someone_moving_a_deal_they_may_not_edit(world: World, who: str) -> None:
    deal = DealFactory(owner=world.owner)
    with pytest.raises(PermissionDenied):
        services.deal_move(
            actor=world.actor(getattr(world, who)), deal=deal, stage=stage_named("Needs analysis")
        )
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (first_open_stage(), 1)
    assert not DealStageHistory.objects.filter(deal=deal).exists()


def test_it_lets_the_manager_move_a_reps_deal(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    moved = services.deal_move(
        actor=world.actor(world.manager), deal=deal, stage=stage_named("Needs analysis")
    )
    assert moved.stage == stage_named("Needs analysis")


def test_it_moves_the_deals_team_with_a_new_owner(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    moved = services.deal_update(actor=world.actor(world.director), deal=deal, data={}, owner=world.outsider)
    assert (moved.owner, moved.team) == (world.outsider, world.west_sales)


def test_it_refuses_a_rep_giving_their_deal_away(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        services.deal_update(actor=world.actor(world.owner), deal=deal, data={}, owner=world.teammate)
    assert "owner" in exc.value.message_dict
    deal.refresh_from_db()
    assert deal.owner == world.owner


def test_it_replaces_the_contacts_and_their_roles(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    keep, drop, new = (ContactFactory.create(account=account) for _i in range(3))
    deal = DealFactory(owner=world.owner, account=account)
    actor = world.actor(world.owner)
    services.deal_update(actor=actor, deal=deal, data={}, contacts=[(keep, "user"), (drop, "other")])
    services.deal_update(
        actor=actor, deal=deal, data={}, contacts=[(keep, "decision_maker"), (new, "technical")]
    )
    assert dict(DealContact.objects.filter(deal=deal).values_list("contact", "role")) == {
        keep.pk: "decision_maker",
        new.pk: "technical",
    }
