"""A small, hand-checkable data set over the named people of ``tandem.conftest.world``: the third
quarter of 2026 (custom range 2026-07-01..2026-09-30), deals of the owner and the teammate
(East sales, under the manager) and of the outsider (West sales).

By hand, for the manager (sees East sales):
    won: 3,000 (owner, 10 days) + 5,000 (owner, 60 days) + 2,000 (teammate, 10 days) = 10,000
    lost: owner (Price, vs Acme), teammate (Timing); win rate 3 ÷ 5 = 0.6
    average won deal 3,333.33; sales cycle 80 ÷ 3 = 26.7 days
    open: the owner's Proposal deal, 10,000 at 50 % → weighted 5,000
    follow-ups: owner 2 calls + 1 visit, teammate 1 email
The outsider adds a 9,000 win, an open 20,000 Negotiation deal (75 %) and 3 calls.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from tandem.activities.models import Activity, ActivityKind
from tandem.activities.tests.factories import ActivityFactory
from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal, DealLine, DealStageHistory, LostReason
from tandem.deals.tests.factories import DealFactory, ProductFactory, lost_reason_named, stage_named

START = datetime.date(2026, 7, 1)
END = datetime.date(2026, 9, 30)
PERIOD = {"period": "custom", "start": START.isoformat(), "end": END.isoformat()}


@dataclass
class Data:
    owner_won_small: Deal
    owner_won_big: Deal
    owner_lost: Deal
    owner_open: Deal
    teammate_won: Deal
    teammate_lost: Deal
    outsider_won: Deal
    outsider_open: Deal
    calls: list[Activity]


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_default_timezone())


def history(deal: Deal, *names: str) -> None:
    for n, name in enumerate(names):
        DealStageHistory.objects.create(
            deal=deal,
            stage=stage_named(name),
            entered_at=at(deal.opened_on or START) + datetime.timedelta(days=n),
        )


def make(world: World) -> Data:
    canton = AccountFactory(owner=world.owner, industry="Retail", country="CN", province="广东")
    berlin = AccountFactory(owner=world.teammate, industry="Energy", country="DE", province="Berlin")
    won, lost, proposal = stage_named("Won"), stage_named("Lost"), stage_named("Proposal")
    owner_won_small = DealFactory(
        owner=world.owner,
        account=canton,
        stage=won,
        amount=Decimal("3000.00"),
        opened_on=datetime.date(2026, 7, 31),
        closed_on=datetime.date(2026, 8, 10),
        source="referral",
    )
    owner_won_big = DealFactory(
        owner=world.owner,
        stage=won,
        amount=Decimal("5000.00"),
        opened_on=datetime.date(2026, 7, 17),
        closed_on=datetime.date(2026, 9, 15),
    )
    owner_lost = DealFactory(
        owner=world.owner,
        account=canton,
        stage=lost,
        opened_on=datetime.date(2026, 7, 2),
        closed_on=datetime.date(2026, 8, 20),
        lost_reason_ref=lost_reason_named("Price"),
        competitor="Acme",
    )
    owner_open = DealFactory(
        owner=world.owner, stage=proposal, amount=Decimal("10000.00"), opened_on=datetime.date(2026, 8, 5)
    )
    teammate_won = DealFactory(
        owner=world.teammate,
        account=berlin,
        stage=won,
        amount=Decimal("2000.00"),
        opened_on=datetime.date(2026, 6, 25),
        closed_on=datetime.date(2026, 7, 5),
        competitor="Acme",
    )
    teammate_lost = DealFactory(
        owner=world.teammate,
        stage=lost,
        opened_on=datetime.date(2026, 5, 1),
        closed_on=datetime.date(2026, 9, 1),
        # A reason an administrator named like a formula: exports must neutralise it.
        lost_reason_ref=LostReason.objects.create(name='=HYPERLINK("x")', order=50),
    )
    outsider_won = DealFactory(
        owner=world.outsider,
        stage=won,
        amount=Decimal("9000.00"),
        opened_on=datetime.date(2026, 7, 20),
        closed_on=datetime.date(2026, 8, 1),
    )
    outsider_open = DealFactory(
        owner=world.outsider,
        stage=stage_named("Negotiation"),
        amount=Decimal("20000.00"),
        opened_on=datetime.date(2026, 8, 9),
    )
    history(owner_won_small, "Qualification", "Needs analysis", "Proposal", "Won")
    history(owner_open, "Qualification", "Needs analysis", "Proposal")
    history(owner_lost, "Qualification", "Lost")
    history(outsider_won, "Qualification", "Negotiation", "Won")
    product = ProductFactory(name="GTX Pro")
    DealLine.objects.create(
        deal=owner_won_small,
        product=product,
        quantity=1,
        unit_price=Decimal("1200.00"),
        amount=Decimal("1200.00"),
    )
    calls = [
        ActivityFactory(
            author=world.owner, kind=ActivityKind.CALL, occurred_at=at(datetime.date(2026, 8, 3))
        ),
        ActivityFactory(
            author=world.owner, kind=ActivityKind.CALL, occurred_at=at(datetime.date(2026, 9, 30))
        ),
        ActivityFactory(
            author=world.owner, kind=ActivityKind.VISIT, occurred_at=at(datetime.date(2026, 7, 1))
        ),
        ActivityFactory(
            author=world.teammate, kind=ActivityKind.EMAIL, occurred_at=at(datetime.date(2026, 8, 8))
        ),
        *[
            ActivityFactory(
                author=world.outsider, kind=ActivityKind.CALL, occurred_at=at(datetime.date(2026, 8, d))
            )
            for d in (1, 2, 3)
        ],
        # Outside the quarter: counted by nobody.
        ActivityFactory(
            author=world.owner, kind=ActivityKind.CALL, occurred_at=at(datetime.date(2026, 10, 1))
        ),
    ]
    return Data(
        owner_won_small=owner_won_small,
        owner_won_big=owner_won_big,
        owner_lost=owner_lost,
        owner_open=owner_open,
        teammate_won=teammate_won,
        teammate_lost=teammate_lost,
        outsider_won=outsider_won,
        outsider_open=outsider_open,
        calls=calls,
    )
