"""The demo company's tasks (issue 15 §1, §9): a live week for 华东销售一部 — overdue, due today,
in progress with a checklist, done, cancelled, one without a date, a weekly recurring one — some
given by the manager, some linked to the rep's accounts and deals, with labels. Times are relative
to today in each person's zone; a second run adds nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.customers.models import Account
from tandem.deals.models import Deal, DealStatus
from tandem.org.models import User

from . import services
from .models import Task

MARKER = "给苏州客户回电话确认报价"


@dataclass
class TaskDemoResult:
    tasks: int = 0
    complete_already: bool = False

    def summary_line(self) -> str:
        if self.complete_already:
            return "Demo tasks are complete already: nothing added."
        return f"Demo tasks: {self.tasks} tasks in every state (overdue, today, recurring, done)."


def _at(user: User, days: int, hour: int, minute: int = 0) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(user.time_zone or "Asia/Shanghai")
    day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def _next_weekday(user: User, weekday: int, hour: int) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(user.time_zone or "Asia/Shanghai")
    today = timezone.now().astimezone(zone).date()
    ahead = (weekday - today.weekday()) % 7
    return _at(user, ahead, hour)


@transaction.atomic
def seed_tasks() -> TaskDemoResult:
    result = TaskDemoResult()
    if Task.all_objects.filter(title=MARKER).exists():
        result.complete_already = True
        return result
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["manager", "rep", "zhang.wei", "liu.yang", "zhao.min"], is_active=True
        )
    }
    if len(people) < 5:
        return result
    rep, manager = people["rep"], people["manager"]
    account = Account.objects.filter(owner=rep).order_by("id").first()
    deal = Deal.objects.filter(owner=rep, status=DealStatus.OPEN).order_by("id").first()

    def make(creator: User, checklist: tuple[str, ...] = (), **data: Any) -> Task:
        result.tasks += 1
        return services.task_create(actor=Actor.for_user(creator), data=data, checklist=checklist)

    def link(record: Any, kind: str) -> dict[str, Any]:
        return {"record_type": kind, "record_id": record.pk} if record is not None else {}

    # Overdue: a call the rep owes since yesterday afternoon.
    make(
        rep,
        title=MARKER,
        due_at=_at(rep, -1, 15),
        priority="high",
        labels=["报价"],
        **link(account, "account"),
    )
    # Due today, in progress, with a checklist half done.
    proposal = make(
        rep,
        checklist=("整理客户需求", "报价单（含折扣审批）", "演示环境准备"),
        title="准备明天拜访的方案",
        due_at=_at(rep, 0, 17),
        remind_minutes_before=60,
        labels=["拜访"],
        collaborators=[people["zhang.wei"].pk],
        **link(deal, "deal"),
    )
    rep_actor = Actor.for_user(rep)
    services.task_set_status(actor=rep_actor, task=proposal, status="in_progress")
    first_item = proposal.checklist.order_by("position").first()
    if first_item is not None:
        services.checklist_update(actor=rep_actor, item=first_item, done=True)
    # A weekly routine: the forecast update every Friday afternoon.
    make(
        rep,
        title="Update this week's forecast",
        due_at=_next_weekday(rep, 4, 16),
        recurrence="FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
        remind_minutes_before=60,
        labels=["例行 Routine"],
    )
    # Done yesterday, and one cancelled.
    sent = make(rep, title="Send the contract draft to legal", due_at=_at(rep, -1, 12), **link(deal, "deal"))
    services.task_complete(actor=rep_actor, task=sent)
    Task.objects.filter(pk=sent.pk).update(completed_at=_at(rep, -1, 11, 20))
    dropped = make(rep, title="报名参加上海工业展", due_at=_at(rep, 3, 18), priority="low")
    services.task_set_status(actor=rep_actor, task=dropped, status="cancelled")
    # Given by the manager: due in two days, overdue, no date, done this week.
    make(
        manager,
        title="跟进华东大客户续约意向",
        assignee=people["zhang.wei"].pk,
        due_at=_at(manager, 2, 10),
        priority="urgent",
        labels=["大客户"],
        collaborators=[rep.pk],
    )
    make(
        manager,
        title="Complete the contacts of last month's new customers",
        assignee=people["liu.yang"].pk,
        due_at=_at(manager, -2, 18),
        checklist=("Phone numbers", "Decision makers", "WeChat groups"),
    )
    make(manager, title="整理行业资料：新能源汽车零部件", assignee=people["zhao.min"].pk)
    reviewed = make(
        manager,
        title="Review the lost deals of Q3 and write down why",
        assignee=people["zhao.min"].pk,
        due_at=_at(manager, -1, 18),
    )
    services.task_complete(actor=Actor.for_user(people["zhao.min"]), task=reviewed)
    make(
        manager, title="一对一辅导：王小明", due_at=_at(manager, 1, 14), estimate_minutes=45, labels=["辅导"]
    )
    return result
