"""The demo company's record teams (issue 14 §8): co-sellers, pre-sales engineers, account
managers and technical support on a few dozen accounts and deals, a couple of memberships that
have ended (greyed on the page), and a default team for the demo rep.

``seed_record_teams()`` is idempotent: when any record team exists it adds nothing. Deterministic:
records and people are taken in id order.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.customers.models import Account
from tandem.deals.models import Deal, DealStatus
from tandem.org.models import User

from . import services
from .models import DefaultTeamMember, RecordMember


@dataclass
class RecordTeamSeedResult:
    members: int = 0
    accounts: int = 0
    deals: int = 0
    skipped: bool = False

    def summary_line(self) -> str:
        if self.skipped:
            return "Record teams exist already: nothing added."
        return f"Record teams: {self.members} members on {self.accounts} accounts and {self.deals} deals."


def _people(role_code: str) -> list[User]:
    return list(User.objects.filter(is_active=True, roles__code=role_code).order_by("pk").distinct())


def _add(record: Any, user: User, role: str, access: str, result: RecordTeamSeedResult) -> bool:
    if user.pk == record.owner_id or RecordMember.objects.of(record).filter(user=user).exists():
        return False
    owner = User.objects.get(pk=record.owner_id)
    services.member_add(actor=Actor.for_user(owner), record=record, user=user, role=role, access=access)
    result.members += 1
    return True


@transaction.atomic
def seed_record_teams(*, accounts: int = 15, deals: int = 25) -> RecordTeamSeedResult:
    result = RecordTeamSeedResult()
    if RecordMember.objects.exists():
        result.skipped = True
        return result
    reps = _people("sales-rep")
    account_managers = _people("account-manager")
    support = _people("technical-support")
    managers = _people("sales-manager")
    if not reps or not support:
        return result
    # Customers: an account manager (edit) and technical support (read) on won customers.
    customers = list(
        Account.objects.filter(owner__isnull=False, owner__is_active=True, deals__status=DealStatus.WON)
        .distinct()
        .order_by("pk")[:accounts]
    )
    for i, account in enumerate(customers):
        added = False
        if account_managers:
            added |= _add(
                account, account_managers[i % len(account_managers)], "account_manager", "edit", result
            )
        added |= _add(account, support[i % len(support)], "support", "read", result)
        result.accounts += int(added)
    # Open deals: a co-seller (edit) from the reps, a pre-sales engineer (read) from the managers,
    # technical support on every third.
    open_deals = list(
        Deal.objects.filter(status=DealStatus.OPEN, owner__is_active=True).order_by("pk")[:deals]
    )
    for i, deal in enumerate(open_deals):
        added = _add(deal, reps[(i + 1) % len(reps)], "co_seller", "edit", result)
        if managers:
            added |= _add(deal, managers[i % len(managers)], "presales", "read", result)
        if i % 3 == 0:
            added |= _add(deal, support[i % len(support)], "support", "read", result)
        result.deals += int(added)
    # Two memberships that have ended: shown greyed, giving no access.
    ended = timezone.localdate() - datetime.timedelta(days=7)
    first_two = (
        RecordMember.objects.filter(role__code="co_seller").order_by("pk").values_list("pk", flat=True)[:2]
    )
    RecordMember.objects.filter(pk__in=list(first_two)).update(until=ended)
    # The demo rep's default team: pre-sales and support join each new deal.
    rep = User.objects.filter(username="rep", is_active=True).first()
    if rep is not None and not DefaultTeamMember.objects.filter(owner=rep).exists():
        actor = Actor.for_user(rep)
        if managers and managers[0].pk != rep.pk:
            services.default_team_add(actor=actor, user=managers[0], role="presales", access="read")
        services.default_team_add(actor=actor, user=support[0], role="support", access="read")
    return result
