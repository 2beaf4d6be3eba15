"""The demo company's projects (issue 15 §2, §9): a key-account campaign around the sales rep's
largest open deal — board sections, milestones (one met), tasks in every state linked to the deal's
account and the deal, members — and a tender. Dates are relative to today; a second run adds
nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.deals.models import Deal, DealStatus
from tandem.org.models import User
from tandem.tasks.models import TaskPriority, TaskStatus

from . import services
from .models import Project, ProjectStatus

CAMPAIGN = "重点客户攻坚"
TENDER = "年度集采投标"


@dataclass
class ProjectDemoResult:
    projects: int = 0
    tasks: int = 0

    def summary_line(self) -> str:
        if not self.projects:
            return "Demo projects are complete already: nothing added."
        return f"Demo projects: {self.projects} projects, {self.tasks} tasks (every state), milestones."


def seed_projects() -> ProjectDemoResult:
    result = ProjectDemoResult()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["rep", "zhang.wei", "liu.yang", "manager"], is_active=True)
    }
    rep = people.get("rep")
    if rep is None or Project.all_objects.filter(name__startswith=CAMPAIGN).exists():
        return result
    today = timezone.localdate()

    def day(n: int) -> datetime.date:
        return today + datetime.timedelta(days=n)

    deal = (
        Deal.objects.filter(owner=rep, status=DealStatus.OPEN, account__isnull=False)
        .select_related("account")
        .order_by("-amount", "id")
        .first()
    )
    actor = Actor.for_user(rep)
    with transaction.atomic():
        name = (
            f"{CAMPAIGN}：{deal.account.name}" if deal is not None and deal.account is not None else CAMPAIGN
        )
        campaign = services.project_save(
            actor=actor,
            project=None,
            data={
                "name": name,
                "description": "拿下年度框架合同：高层拜访、方案演示、试点上线、商务谈判。",
                "status": ProjectStatus.ACTIVE,
                "start_on": day(-14),
                "end_on": day(30),
                "sections": ["准备", "方案与演示", "商务谈判", "交付"],
            },
        )
        for username in ("zhang.wei", "liu.yang", "manager"):
            if username in people:
                services.member_add(actor=actor, project=campaign, user=people[username])
        if deal is not None:
            services.link_record(actor=actor, project=campaign, resource="deal", record=deal)
            if deal.account is not None:
                services.link_record(actor=actor, project=campaign, resource="account", record=deal.account)
        sections = list(campaign.sections.order_by("position"))
        kick_off = services.milestone_save(
            actor=actor, project=campaign, milestone=None, data={"name": "启动会完成", "due_on": day(-10)}
        )
        services.milestone_set_met(actor=actor, milestone=kick_off, met=True)
        services.milestone_save(
            actor=actor, project=campaign, milestone=None, data={"name": "方案演示通过", "due_on": day(7)}
        )
        services.milestone_save(
            actor=actor, project=campaign, milestone=None, data={"name": "合同签署", "due_on": day(28)}
        )
        zhang = people.get("zhang.wei", rep)
        liu = people.get("liu.yang", rep)
        plan = [
            ("梳理客户组织架构与决策链", rep, 0, -14, -10, TaskStatus.DONE),
            ("启动会纪要发给客户", zhang, 0, -11, -9, TaskStatus.DONE),
            ("准备行业方案演示", rep, 1, -6, 2, TaskStatus.IN_PROGRESS),
            ("安排技术交流会", liu, 1, -3, -1, TaskStatus.TODO),  # overdue
            ("试点范围确认", zhang, 1, 1, 6, TaskStatus.TODO),
            ("报价与折扣审批", rep, 2, 8, 14, TaskStatus.TODO),
            ("竞品对比材料", liu, 2, -5, 3, TaskStatus.CANCELLED),
            ("交付计划与培训安排", zhang, 3, 20, 29, TaskStatus.TODO),
        ]
        for title, who, column, start, due, state in plan:
            link = services.task_create(
                actor=actor,
                project=campaign,
                data={
                    "title": title,
                    "assignee": who,
                    "section": sections[column] if column < len(sections) else None,
                    "priority": TaskPriority.HIGH if column == 1 else TaskPriority.NORMAL,
                    "start_on": day(start),
                    "due_on": day(due),
                },
            )
            if state != TaskStatus.TODO:
                services.task_set_status(actor=actor, project=campaign, link=link, status=state)
            result.tasks += 1
        result.projects += 1

        tender = services.project_save(
            actor=actor,
            project=None,
            data={
                "name": TENDER,
                "description": "响应客户年度集中采购招标：资格预审、技术标、商务标、开标。",
                "status": ProjectStatus.PLANNED,
                "start_on": day(3),
                "end_on": day(45),
                "sections": ["资格预审", "技术标", "商务标"],
            },
        )
        if "zhang.wei" in people:
            services.member_add(actor=actor, project=tender, user=people["zhang.wei"])
        if deal is not None and deal.account is not None:
            services.link_record(actor=actor, project=tender, resource="account", record=deal.account)
        services.milestone_save(
            actor=actor, project=tender, milestone=None, data={"name": "投标文件递交", "due_on": day(35)}
        )
        tender_sections = list(tender.sections.order_by("position"))
        for title, column, start, due in [
            ("购买招标文件", 0, 3, 5),
            ("资质文件准备", 0, 4, 12),
            ("技术方案编写", 1, 8, 25),
            ("报价测算", 2, 15, 30),
        ]:
            services.task_create(
                actor=actor,
                project=tender,
                data={
                    "title": title,
                    "assignee": rep,
                    "section": tender_sections[column],
                    "start_on": day(start),
                    "due_on": day(due),
                },
            )
            result.tasks += 1
        result.projects += 1
    return result
