"""The demo company's calendar for this week (issue 15 §9): customer visits linked to demo
accounts, internal meetings, a call, a training, a 团建, a weekly sales meeting with one
occurrence moved, invitations accepted, declined, tentative and unanswered, and capacities that
leave one rep overloaded. Dates are relative to today (Asia/Shanghai); a second run adds nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.org.models import User

from . import services
from .models import Event, WorkCapacity

ZONE = "Asia/Shanghai"
WEEKLY = "周例会 · 华东销售一部"


@dataclass
class ScheduleDemoResult:
    events: int = 0
    skipped: bool = False

    def summary_line(self) -> str:
        if self.skipped:
            return "Calendar: already seeded."
        return f"Calendar: {self.events} events this week (visits, meetings, a call, training, 团建)."


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(ZONE))


@transaction.atomic
def seed_schedule() -> ScheduleDemoResult:
    result = ScheduleDemoResult()
    if Event.objects.filter(title=WEEKLY).exists():
        result.skipped = True
        return result
    names = ["manager", "rep", "zhang.wei", "liu.yang", "zhao.min", "director"]
    people = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    if not {"manager", "rep", "zhang.wei"} <= set(people):
        result.skipped = True
        return result
    from tandem.customers.models import Account, Contact

    today = timezone.now().astimezone(zoneinfo.ZoneInfo(ZONE)).date()
    monday = today - datetime.timedelta(days=today.weekday())
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    actors = {name: Actor.for_user(user) for name, user in people.items()}
    manager, rep, zhang = people["manager"], people["rep"], people["zhang.wei"]
    others = [people[n] for n in ("liu.yang", "zhao.min") if n in people]

    def make(who: str, title: str, kind: str, start: datetime.datetime, hours: float, **extra: Any) -> Event:
        attendees = extra.pop("attendees", [])
        contacts = extra.pop("contacts", [])
        data = {
            "title": title,
            "kind": kind,
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=hours),
            "time_zone": ZONE,
            **extra,
        }
        event = services.event_create(actor=actors[who], data=data, attendees=attendees, contacts=contacts)
        result.events += 1
        return event

    # The team's weekly meeting, Mondays 09:30, with this week's occurrence moved to Tuesday.
    weekly = make(
        "manager",
        WEEKLY,
        "meeting",
        _at(days[0] - datetime.timedelta(days=7), 9, 30),
        1,
        place="3F 会议室",
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        attendees=[rep, zhang, *others],
        description="过上周行动项、本周拜访计划、重点商机。",
    )
    services.event_respond(actor=actors["rep"], event=weekly, response="accepted")
    services.event_respond(actor=actors["zhang.wei"], event=weekly, response="accepted")
    if "liu.yang" in actors:
        services.event_respond(actor=actors["liu.yang"], event=weekly, response="tentative")
    services.occurrence_update(
        actor=actors["manager"],
        series=weekly,
        original_start=_at(days[0], 9, 30),
        data={"starts_at": _at(days[1], 9, 30), "ends_at": _at(days[1], 10, 30), "place": "线上 · 腾讯会议"},
    )

    # Customer visits linked to the reps' own accounts, with a contact where there is one.
    for who, hours_list in (
        ("rep", [(0, 14), (1, 14), (2, 10), (2, 15), (3, 9), (3, 14), (4, 10)]),
        ("zhang.wei", [(1, 10), (3, 15)]),
    ):
        accounts = list(Account.objects.filter(owner=people[who]).order_by("id")[: len(hours_list)])
        for (day, hour), account in zip(hours_list, accounts, strict=False):
            contact = Contact.objects.filter(account=account).order_by("id").first()
            make(
                who,
                f"拜访 {account.name}",
                "visit",
                _at(days[day], hour),
                2.5,
                record_type="account",
                record_id=account.pk,
                place=str(getattr(account, "city", "") or ""),
                contacts=[contact] if contact else [],
                attendees=[manager] if day == 2 and who == "rep" else [],
            )
    make("zhang.wei", "电话回访：续约意向", "call", _at(days[2], 16), 0.5)
    training = make(
        "manager",
        "新产品培训",
        "training",
        _at(days[3], 9),
        3,
        place="培训教室",
        attendees=[rep, zhang, *others],
    )
    services.event_respond(actor=actors["zhang.wei"], event=training, response="declined")
    make(
        "manager",
        "季度团建 · 徒步",
        "team_building",
        _at(days[5], 0),
        24,
        all_day=True,
        attendees=[rep, zhang, *others],
    )
    review = make("manager", "重点商机评审", "meeting", _at(days[4], 15), 1.5, attendees=[rep])
    services.event_respond(actor=actors["rep"], event=review, response="accepted")
    services.event_cancel(
        actor=actors["zhang.wei"],
        event=make("zhang.wei", "产品演示（客户改期）", "visit", _at(days[4], 10), 2),
    )

    # Capacities: the busiest rep is capped low enough to show as overloaded to the manager.
    WorkCapacity.objects.update_or_create(user=rep, defaults={"hours_per_week": 20, "visits_per_week": 5})
    WorkCapacity.objects.update_or_create(user=zhang, defaults={"hours_per_week": 40, "visits_per_week": 10})
    return result
