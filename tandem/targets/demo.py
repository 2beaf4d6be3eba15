"""The demo company's targets (issue 11 §9): this fiscal year's won amount and won deals per
month for every person who won something in the last twelve months, set about 10–20 % above
what they did (rounded), the company's year set top-down a little above the sum of the teams (so
the gap shows), and a few later corrections by the director so the pages have history.

``seed_targets()`` is idempotent: a year that has won-amount targets already is left alone.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.core.access import Actor
from tandem.core.models import HistoryAction, HistoryEntry
from tandem.deals.models import Deal
from tandem.kpis import periods
from tandem.kpis.company import company_settings
from tandem.kpis.models import KpiDefinition
from tandem.org.models import User

from . import services
from .models import PeriodKind, SubjectKind, Target

SEED = 11


@dataclass
class TargetSeedResult:
    created: int = 0
    people: int = 0
    edits: int = 0
    year: str = ""
    skipped: bool = False

    def summary_line(self) -> str:
        if self.skipped:
            return f"Targets for FY {self.year} exist already: nothing added."
        return (
            f"Targets for FY {self.year}: {self.created} set for {self.people} people and the company, "
            f"{self.edits} later changes in their history."
        )


def _director() -> User | None:
    return (
        User.objects.filter(is_active=True, roles__code="sales-director").order_by("pk").first()
        or User.objects.filter(is_active=True, roles__is_admin=True).order_by("pk").first()
        or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    )


def _rounded(value: Decimal, step: Decimal) -> Decimal:
    return max((value / step).quantize(Decimal(1), ROUND_HALF_UP) * step, step)


# Monthly rates into the demo company's currency (CNY) for the currencies its deals use, so its
# figures leave nothing out (the Singapore team sells in SGD); a little drift month to month.
DEMO_RATES = {"USD": Decimal("7.15"), "SGD": Decimal("5.30"), "EUR": Decimal("7.75"), "HKD": Decimal("0.92")}


def seed_exchange_rates(*, months: int = 27) -> int:
    """The demo's exchange rates: the past two years and the current quarter, those missing only."""
    from tandem.core.access import Actor
    from tandem.kpis.models import ExchangeRate
    from tandem.kpis.services import exchange_rate_set

    if company_settings().currency != "CNY":
        return 0
    admin = User.objects.filter(is_active=True, roles__is_admin=True).order_by("pk").first()
    if admin is None:
        return 0
    actor = Actor.for_user(admin)
    first = periods.add_months(timezone.localdate().replace(day=1), -(months - 3))
    have = set(ExchangeRate.objects.filter(month__gte=first).values_list("month", "currency"))
    added = 0
    for step in range(months):
        month = periods.add_months(first, step)
        for currency, base in DEMO_RATES.items():
            if (month, currency) in have:
                continue
            drift = Decimal(1) + Decimal((step % 7) - 3) / Decimal(400)
            exchange_rate_set(
                actor=actor, month=month, currency=currency, rate=(base * drift).quantize(Decimal("0.0001"))
            )
            added += 1
    return added


@transaction.atomic
def seed_targets(*, seed: int = SEED) -> TargetSeedResult:
    seed_exchange_rates()
    fiscal_start = company_settings().fiscal_year_start_month
    today = timezone.localdate()
    year = periods.period_containing(today, periods.YEAR, fiscal_start=fiscal_start)
    result = TargetSeedResult(year=year.key)
    won_amount = KpiDefinition.objects.get(code="won_amount")
    won_deals = KpiDefinition.objects.get(code="won_deals")
    if Target.objects.filter(kpi=won_amount, start__gte=year.start, end__lte=year.end).exists():
        result.skipped = True
        return result
    director = _director()
    if director is None:
        return result
    rng = random.Random(seed)
    since = periods.add_months(today.replace(day=1), -12)
    history = (
        Deal.objects.filter(status="won", closed_on__gte=since, closed_on__lt=today.replace(day=1))
        .values("owner_id")
        .annotate(
            amount=Sum("amount"), deals=Count("id"), months=Count(TruncMonth("closed_on"), distinct=True)
        )
    )
    now = timezone.now()
    rows: list[Target] = []
    people = 0
    for found in history:
        if not found["owner_id"] or not found["amount"]:
            continue
        people += 1
        monthly = Decimal(found["amount"]) / 12
        lift = Decimal(1) + Decimal(rng.randint(10, 20)) / 100
        amount = _rounded(monthly * lift, Decimal(1000))
        deals = _rounded(Decimal(found["deals"]) / 12 * lift, Decimal(1))
        for month in year.months():
            # a little seasonality: the fiscal year's last month of each quarter weighs more
            weight = Decimal("1.2") if month.start.month % 3 == (fiscal_start + 1) % 3 else Decimal(1)
            for kpi, value in ((won_amount, _rounded(amount * weight, Decimal(1000))), (won_deals, deals)):
                rows.append(
                    Target(
                        subject_kind=SubjectKind.PERSON,
                        user_id=found["owner_id"],
                        kpi=kpi,
                        period_kind=PeriodKind.MONTH,
                        start=month.start,
                        end=month.end,
                        value=value,
                        updated_by=director,
                    )
                )
    if not rows:
        return result
    total = sum((r.value for r in rows if r.kpi_id == won_amount.pk), Decimal(0))
    rows.append(
        Target(
            subject_kind=SubjectKind.COMPANY,
            kpi=won_amount,
            period_kind=PeriodKind.YEAR,
            start=year.start,
            end=year.end,
            value=_rounded(total * Decimal("1.05"), Decimal(10000)),
            updated_by=director,
        )
    )
    created = Target.objects.bulk_create(rows, batch_size=500)
    content_type = ContentType.objects.get_for_model(Target)
    HistoryEntry.objects.bulk_create(
        [
            HistoryEntry(
                content_type=content_type,
                object_id=t.pk,
                object_repr=f"{t.kpi} · {t.start:%Y-%m}"
                if t.period_kind == PeriodKind.MONTH
                else f"{t.kpi} · {year.key}",
                action=HistoryAction.CREATE,
                actor=director,
                at=now - datetime.timedelta(days=30),
                changes={"value": [None, str(t.value)]},
            )
            for t in created
        ],
        batch_size=500,
    )
    result.created = len(created)
    result.people = people
    # Later corrections, through the service: each is an old → new entry in history.
    actor = Actor.for_user(director)
    month_rows = [t for t in created if t.kpi_id == won_amount.pk and t.period_kind == PeriodKind.MONTH]
    for target in rng.sample(month_rows, k=min(6, len(month_rows))):
        subject = User.objects.get(pk=target.user_id)
        services.target_set(
            actor=actor,
            kind=SubjectKind.PERSON,
            subject=subject,
            kpi=won_amount,
            period=target.period(fiscal_start),
            value=_rounded(target.value * Decimal("1.1"), Decimal(1000)),
            version=target.version,
        )
        result.edits += 1
    return result
