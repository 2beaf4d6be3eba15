"""The demo company's team meetings (issue 15 §5, §9): the weekly sales meeting of 华东销售一部,
Mondays 09:30 Shanghai time. Last week's meeting was held, with minutes, decisions and three
action items (one done, two open); this week's has an agenda of three items, one a review of a
demo deal, after the automatic "review open action items". Dates are relative to today; a
second run adds nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.deals.models import Deal
from tandem.org.models import Team, User
from tandem.tasks.models import TaskStatus

from . import services
from .models import Meeting, MeetingSeries, MeetingStatus

TEAM = "华东销售一部"
TITLE = "华东销售一部周例会"
ZONE = "Asia/Shanghai"


@dataclass
class MeetingDemoResult:
    meetings: int = 0
    action_items: int = 0
    skipped: str = ""

    def summary_line(self) -> str:
        if self.skipped:
            return f"Demo meetings: {self.skipped}"
        return (
            f"Demo meetings: a weekly sales meeting with {self.meetings} meetings planned, "
            f"last week's held with {self.action_items} action items, this week's agenda ready."
        )


@transaction.atomic
def seed_meetings() -> MeetingDemoResult:
    team = Team.objects.filter(name=TEAM).first()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["manager", "rep", "zhang.wei", "liu.yang", "zhao.min"])
    }
    if team is None or "manager" not in people or "rep" not in people:
        return MeetingDemoResult(skipped="the demo sales team is missing: nothing added.")
    if MeetingSeries.objects.filter(team=team, title=TITLE).exists():
        return MeetingDemoResult(skipped="complete already: nothing added.")
    manager = Actor.for_user(people["manager"])
    zone = zoneinfo.ZoneInfo(ZONE)
    today = timezone.localdate(timezone=zone)
    this_monday = today - datetime.timedelta(days=today.weekday())
    last_monday = this_monday - datetime.timedelta(days=7)
    first = datetime.datetime.combine(last_monday, datetime.time(9, 30), tzinfo=zone)
    series = services.series_create(
        actor=manager,
        team=team,
        title=TITLE,
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        first_starts_at=first,
        duration_minutes=60,
        time_zone=ZONE,
        place="上海办公室 3 号会议室",
        now=first - datetime.timedelta(minutes=1),
    )
    meetings = list(Meeting.objects.filter(series=series).order_by("starts_at"))
    last, this = meetings[0], meetings[1]

    # Last week's meeting: agenda, minutes, decisions and action items; held.
    for username, title in (("rep", "本月回款进度"), ("zhang.wei", "华东区展会报名")):
        if username in people:
            services.agenda_add(actor=Actor.for_user(people[username]), meeting=last, title=title)
    services.minutes_write(
        actor=manager,
        meeting=last,
        minutes=(
            "本周新增商机 6 个，赢单 2 个；回款完成本月目标的 62%。\n\n"
            "- 华东区展会：报名截止周五，由张伟牵头\n"
            "- 两个重点客户的续约进入谈判，需要法务提前介入"
        ),
    )
    services.decision_add(actor=manager, meeting=last, text="展会预算控制在 3 万元以内，由王磊审批。")
    services.decision_add(actor=manager, meeting=last, text="续约谈判统一使用新版合同模板。")
    owners = [people.get("zhang.wei", people["rep"]), people["rep"], people.get("liu.yang", people["rep"])]
    items = [
        services.action_item_add(
            actor=manager,
            meeting=last,
            title="完成华东区展会报名",
            owner=owners[0],
            due_on=last_monday + datetime.timedelta(days=4),
        ),
        services.action_item_add(
            actor=manager,
            meeting=last,
            title="把两个续约客户的合同发给法务预审",
            owner=owners[1],
            due_on=this_monday + datetime.timedelta(days=2),
        ),
        services.action_item_add(
            actor=manager,
            meeting=last,
            title="整理上月丢单原因，下次例会分享",
            owner=owners[2],
            due_on=this_monday + datetime.timedelta(days=4),
        ),
    ]
    services.action_item_set_status(actor=manager, item=items[0], status=TaskStatus.DONE)
    services.meeting_mark_held(actor=manager, meeting=last)
    Meeting.objects.filter(pk=last.pk).update(held_at=last.ends_at, status=MeetingStatus.HELD)

    # This week's agenda: after the automatic review of open action items, three items.
    deal = (
        Deal.objects.filter(owner__in=list(people.values()), status="open").order_by("-amount", "id").first()
    )
    rep = Actor.for_user(people["rep"])
    if deal is not None:
        services.agenda_add(
            actor=Actor.for_user(deal.owner),
            meeting=this,
            title=f"商机评审：{deal.name}",
            notes="报价已发出，客户要求再降 5%；讨论是否让步。",
            record_type="deal",
            record_id=deal.pk,
        )
    services.agenda_add(actor=rep, meeting=this, title="下季度重点客户拜访计划")
    services.agenda_add(actor=manager, meeting=this, title="新版合同模板培训安排")
    services.plan_series(series)  # and four ahead of today, as the daily job keeps them
    return MeetingDemoResult(meetings=Meeting.objects.filter(series=series).count(), action_items=len(items))
