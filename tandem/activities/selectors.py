"""My day (我的一天): a person's follow-ups due — overdue, today, the next seven days — on the
accounts, leads and deals they own, with the customers the pool rules take back soon.

Every read starts from ``access.visible``: a manager looking at someone's day sees only what
their scope shows them, and the person select offers only people they may see. Counts are one
aggregate per kind of record; lists are bounded; the number of queries does not grow with rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.customers.models import Account
from tandem.customers.pools import ReclaimWarning, reclaim_warnings
from tandem.deals.models import Deal, DealStatus
from tandem.leads.models import Lead, LeadStatus
from tandem.org.models import User

GROUPS = ("overdue", "today", "upcoming")
UPCOMING_DAYS = 7
GROUP_LIMIT = 10
PAGE_SIZE = 50


@dataclass
class DueItem:
    """One record whose next follow-up is due: what it is, when, and how to reach it."""

    type: str
    obj: Any
    on: datetime.date
    days: int  # days overdue (positive), 0 today, negative ahead
    phone: str

    @property
    def key(self) -> str:
        return f"{self.type}:{self.obj.pk}"


@dataclass
class DueGroup:
    name: str
    count: int = 0
    items: list[DueItem] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


@dataclass
class MyDay:
    person: User
    today: datetime.date
    groups: dict[str, DueGroup]
    warnings: list[ReclaimWarning]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups.values())


def _sources(actor: Actor, person: User) -> list[tuple[str, QuerySet[Any]]]:
    """The person's records with a next follow-up, as ``actor`` may see them."""
    sources: list[tuple[str, QuerySet[Any]]] = [
        ("account", Account.objects.all()),
        ("lead", Lead.objects.exclude(status__in=[LeadStatus.CONVERTED, LeadStatus.UNQUALIFIED])),
        ("deal", Deal.objects.filter(status=DealStatus.OPEN).select_related("account")),
    ]
    return [
        (
            resource,
            access.visible(actor, resource, base.filter(owner=person, next_follow_up_on__isnull=False)),
        )
        for resource, base in sources
        if actor.has(resource)
    ]


def _group_q(name: str, today: datetime.date) -> Q:
    if name == "overdue":
        return Q(next_follow_up_on__lt=today)
    if name == "today":
        return Q(next_follow_up_on=today)
    return Q(
        next_follow_up_on__gt=today, next_follow_up_on__lte=today + datetime.timedelta(days=UPCOMING_DAYS)
    )


def _phone(resource: str, obj: Any) -> str:
    if resource == "account":
        return str(obj.phone or "")
    if resource == "lead":
        return str(obj.mobile or obj.phone or "")
    return str(obj.account.phone or "") if obj.account_id else ""


def _item(resource: str, obj: Any, today: datetime.date) -> DueItem:
    return DueItem(
        type=resource,
        obj=obj,
        on=obj.next_follow_up_on,
        days=(today - obj.next_follow_up_on).days,
        phone=_phone(resource, obj),
    )


def _merged(sources: list[tuple[str, QuerySet[Any]]], q: Q, today: datetime.date, upto: int) -> list[DueItem]:
    """The first ``upto`` due records of all kinds, oldest date first (one query per kind)."""
    items: list[DueItem] = []
    for resource, qs in sources:
        items.extend(
            _item(resource, obj, today) for obj in qs.filter(q).order_by("next_follow_up_on", "id")[:upto]
        )
    items.sort(key=lambda i: (i.on, i.type, i.obj.pk))
    return items[:upto]


def person_choices(actor: Actor) -> list[User]:
    """Whose day ``actor`` may look at: themself, and the active people their account scope shows
    (a manager's team); empty when they see only their own."""
    if actor.user is None or actor.scope_for("account") in (None, access.OWN):
        return []
    return list(
        access.visible(actor, "user", User.objects.filter(is_active=True))
        .only("id", "display_name")
        .order_by("display_name", "id")[:300]
    )


def person_for(actor: Actor, person_id: int | None) -> User:
    """The person whose day is shown: ``person_id`` when ``actor`` may see them, else ``actor``."""
    assert actor.user is not None
    if person_id is None or person_id == actor.user.pk:
        return actor.user
    if actor.scope_for("account") in (None, access.OWN):
        return actor.user
    found = access.visible(actor, "user", User.objects.filter(is_active=True, pk=person_id)).first()
    return found if found is not None else actor.user


def my_day(
    *, actor: Actor, person: User | None = None, today: datetime.date | None = None, limit: int = GROUP_LIMIT
) -> MyDay:
    """Overdue, today and upcoming follow-ups of ``person`` (default: the actor), each group
    counted and its first ``limit`` records listed, oldest first; and their live pool warnings."""
    today = today or timezone.localdate()
    person = person or actor.user
    assert person is not None
    sources = _sources(actor, person)
    groups = {name: DueGroup(name) for name in GROUPS}
    for _resource, qs in sources:
        counts = qs.aggregate(**{name: Count("id", filter=_group_q(name, today)) for name in GROUPS})
        for name in GROUPS:
            groups[name].count += counts[name] or 0
    for name in GROUPS:
        if groups[name].count:
            groups[name].items = _merged(sources, _group_q(name, today), today, limit)
    return MyDay(
        person=person, today=today, groups=groups, warnings=reclaim_warnings(actor=actor, person=person)
    )


def due_group_page(
    *, actor: Actor, person: User, group: str, page: int, today: datetime.date | None = None
) -> tuple[DueGroup, bool]:
    """One group in full, ``PAGE_SIZE`` records a page: the group and whether a next page exists."""
    today = today or timezone.localdate()
    sources = _sources(actor, person)
    q = _group_q(group, today)
    page = max(1, page)
    upto = page * PAGE_SIZE + 1
    items = _merged(sources, q, today, upto)
    result = DueGroup(group, count=sum(qs.filter(q).count() for _r, qs in sources))
    result.items = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return result, len(items) > page * PAGE_SIZE
