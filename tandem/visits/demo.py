"""The demo company's field visits (issue 15 §4, §9): this week's customer visits of six demo
reps at accounts they own, checked in and out around Shanghai, Hangzhou and Guangzhou with notes
and follow-ups; one linked to a planned visit on the calendar when the schedule demo has one;
one from yesterday never checked out (closed by the job, "not checked out"); and one visit still
open now. Times are relative to today in each rep's zone. A second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.core.access import Actor
from tandem.customers.models import Account
from tandem.org.models import User
from tandem.schedule.models import Attendee, Event, EventKind

from . import services
from .models import CheckIn

REPS = ["rep", "zhang.wei", "liu.yang", "zhou.jie", "wu.ting", "he.jing"]
# Where each rep's customers are, roughly (latitude, longitude).
CITIES = {
    "rep": (31.2304, 121.4737),
    "zhang.wei": (31.2304, 121.4737),
    "liu.yang": (31.2989, 120.5853),
    "zhou.jie": (30.2741, 120.1551),
    "wu.ting": (30.2741, 120.1551),
    "he.jing": (23.1291, 113.2644),
}
NOTES = [
    "演示了移动签到和审批流程，对方 IT 关心数据导出。",
    "Walked the buyer through the renewal quote; they want a second option without hardware.",
    "与采购经理确认了下季度的培训安排。",
    "Met the new operations lead; sent the case study afterwards.",
    "现场查看了旧系统，整理了迁移需求。",
    "Quarterly business review: usage up, two teams still on spreadsheets.",
]


@dataclass
class VisitDemoResult:
    visits: int = 0
    linked: int = 0
    open: int = 0
    forgotten: int = 0

    def summary_line(self) -> str:
        if not self.visits:
            return "Demo field visits are there already (or no demo reps): nothing added."
        return (
            f"Demo field visits: {self.visits} check-ins this week ({self.linked} from a planned visit, "
            f"{self.forgotten} not checked out, {self.open} open now)."
        )


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "Asia/Shanghai")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Shanghai")


def _near(rng: random.Random, point: tuple[float, float], spread: float = 0.05) -> dict[str, Any]:
    lat = Decimal(str(round(point[0] + rng.uniform(-spread, spread), 6)))
    lon = Decimal(str(round(point[1] + rng.uniform(-spread, spread), 6)))
    return {"latitude": lat, "longitude": lon, "accuracy_m": rng.choice([8, 15, 30, 65])}


def _moved(rng: random.Random, where: dict[str, Any]) -> dict[str, Any]:
    """The check-out point: a few dozen metres from the check-in."""
    return {
        "latitude": where["latitude"] + Decimal(str(round(rng.uniform(-0.0004, 0.0004), 6))),
        "longitude": where["longitude"] + Decimal(str(round(rng.uniform(-0.0004, 0.0004), 6))),
        "accuracy_m": rng.choice([10, 20, 40]),
    }


def _planned_visit(user: User, now: datetime.datetime) -> tuple[Event, Account] | None:
    """A demo visit on the rep's calendar, already begun, linked to an account the rep owns."""
    invited = Attendee.objects.filter(user=user).values("event_id")
    events = Event.objects.filter(
        Q(organizer=user) | Q(pk__in=invited),
        kind=EventKind.VISIT,
        deleted_at__isnull=True,
        starts_at__lte=now,
    ).order_by("-starts_at")[:5]
    for event in events:
        account = services.event_account(event)
        if account is not None and account.owner_id == user.pk:
            return event, account
    return None


@transaction.atomic
def seed_visits() -> VisitDemoResult:
    result = VisitDemoResult()
    reps = {u.username: u for u in User.objects.filter(username__in=REPS, is_active=True)}
    if not reps or CheckIn.objects.filter(user__in=reps.values()).exists():
        return result
    rng = random.Random(15)
    now = timezone.now()
    for index, username in enumerate(REPS):
        user = reps.get(username)
        if user is None:
            continue
        accounts = list(Account.objects.filter(owner=user).order_by("id")[:6])
        if not accounts:
            continue
        actor = Actor.for_user(user)
        zone = _zone(user)
        today = timezone.localdate(now, zone)
        monday = today - datetime.timedelta(days=today.weekday())
        days = [monday + datetime.timedelta(days=n) for n in range((today - monday).days + 1)]
        if len(days) < 3:  # early in the week: last week's end too, so the view has a few days
            days = [today - datetime.timedelta(days=n) for n in (3, 2, 1, 0)]
        planned = _planned_visit(user, now) if index == 1 else None
        for day in days:
            for hour, minute in ((9, 30), (14, 0)):
                if rng.random() < 0.5:
                    continue
                began = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)
                began += datetime.timedelta(minutes=rng.randint(0, 40))
                ended = began + datetime.timedelta(minutes=rng.randint(35, 110))
                if ended >= now:
                    continue
                account = accounts[rng.randrange(len(accounts))]
                where = _near(rng, CITIES[username])
                event = None
                if planned is not None and planned[0].starts_at <= began + datetime.timedelta(hours=2):
                    event, account = planned
                    planned = None
                checkin = services.checkin_start(
                    actor=actor,
                    account=account,
                    event=event,
                    position=where,
                    note=rng.choice(NOTES),
                    at=began,
                )
                services.checkin_finish(actor=actor, checkin=checkin, position=_moved(rng, where), at=ended)
                result.visits += 1
                result.linked += event is not None
        if index == 2:
            # Yesterday afternoon, never checked out: the job closes it at midnight.
            began = datetime.datetime.combine(
                today - datetime.timedelta(days=1), datetime.time(16, 10), tzinfo=zone
            )
            services.checkin_start(
                actor=actor, account=accounts[0], position=_near(rng, CITIES[username]), at=began
            )
            result.visits += 1
            result.forgotten += services.checkins_close_forgotten(now=now)
        if index == 0:
            # Checked in a while ago and still there: today, in the rep's time zone, or the
            # forgotten check-ins' job below would close it (just after local midnight).
            midnight = datetime.datetime.combine(today, datetime.time(0, 0), tzinfo=zone)
            services.checkin_start(
                actor=actor,
                account=accounts[-1],
                position=_near(rng, CITIES[username]),
                note="演示会议进行中 / Demo in progress",
                at=max(now - datetime.timedelta(minutes=25), midnight),
            )
            result.visits += 1
            result.open += 1
    return result
