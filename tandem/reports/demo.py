"""The demo company's work reports (issue 15 §6, §9): submission rules for 华东销售一部 (daily at
18:00 on working days, weekly on Friday at 17:00), this week's daily reports of its reps — the
demo rep's of today still missing, so the manager's missing-reports view has someone to remind —
and last week's weekly report of the demo rep, read, liked and commented on by the manager.
Drafted from the demo's real activity like any report. A second run adds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core.access import Actor
from tandem.org.models import Team, User

from . import periods, services
from .models import Report, ReportKind, ReportStatus, SubmissionRule

TEAM = "华东销售一部"
REPS = ["rep", "zhang.wei", "liu.yang", "zhao.min"]
PLANS = [
    "回访苏州精密的采购部，确认报价单的交付时间。",
    "准备杭州客户的方案演示，约技术支持一起上门。",
    "跟进两条新线索，安排首次电话沟通。",
    "整理本周商机的下一步，更新预计成交日期。",
]
PROBLEMS = ["", "竞品降价，需要经理一起评估折扣空间。", "", "一位客户的合同审批较慢，需要法务协助。"]


@dataclass
class ReportsDemoResult:
    rules: int = 0
    daily: int = 0
    weekly: int = 0

    def summary_line(self) -> str:
        return (
            f"Work reports: {self.rules} submission rules, {self.daily} daily reports this week, "
            f"{self.weekly} weekly report(s) with likes and comments"
        )


def _rules(team: Team, result: ReportsDemoResult) -> None:
    for kind, due in ((ReportKind.DAILY, datetime.time(18, 0)), (ReportKind.WEEKLY, datetime.time(17, 0))):
        _rule, created = SubmissionRule.objects.get_or_create(
            kind=kind,
            team=team,
            defaults={"due_time": due, "weekday": 4, "remind_minutes_before": 60},
        )
        result.rules += int(created)


def _send(person: User, kind: str, day: datetime.date, n: int) -> Report | None:
    start, _end = periods.period_for(kind, day)
    if Report.objects.filter(author=person, kind=kind, period_start=start).exists():
        return None
    actor = Actor.for_user(person)
    report = services.report_create(actor=actor, kind=kind, day=day)
    answers = dict(report.answers)
    if not answers.get("done", "").strip():
        answers["done"] = "- 电话沟通三位客户，更新商机阶段。"
    answers["plan"] = PLANS[n % len(PLANS)]
    answers["problems"] = PROBLEMS[n % len(PROBLEMS)]
    services.report_update(actor=actor, report=report, answers=answers)
    report = services.report_submit(actor=actor, report=report)
    # Sent in the evening of its day, as people do (the demo is seeded at any hour).
    due = services.rule_due_at(person, kind, report.period_start, report.period_end)
    evening = datetime.datetime.combine(
        periods.period_for(kind, day)[0] if kind == ReportKind.DAILY else day,
        datetime.time(17, 30 + n % 4 * 5),
        tzinfo=periods.zone_of(person),
    )
    Report.objects.filter(pk=report.pk).update(submitted_at=min(evening, timezone.now()), due_at=due)
    return report


def seed_reports() -> ReportsDemoResult:
    result = ReportsDemoResult()
    team = Team.objects.filter(name=TEAM, deleted_at__isnull=True).first()
    people = {u.username: u for u in User.objects.filter(username__in=REPS, is_active=True)}
    if team is None or not people:
        return result
    with transaction.atomic():
        _rules(team, result)
        for n, username in enumerate(REPS):
            person = people.get(username)
            if person is None:
                continue
            today = periods.today_for(person)
            monday = today - datetime.timedelta(days=today.weekday())
            day = monday
            while day <= today:
                missing_today = username == "rep" and day == today
                if (
                    day.weekday() < 5
                    and not missing_today
                    and _send(person, ReportKind.DAILY, day, n + day.day)
                ):
                    result.daily += 1
                day += datetime.timedelta(days=1)
        rep = people.get("rep")
        if rep is not None:
            last_friday = periods.today_for(rep) - datetime.timedelta(
                days=periods.today_for(rep).weekday() + 3
            )
            weekly = _send(rep, ReportKind.WEEKLY, last_friday, 0)
            if weekly is not None:
                result.weekly += 1
                _react(weekly)
    return result


def _react(report: Report) -> None:
    from tandem.discussions import services as discussions

    manager = report.author.manager
    if manager is None:
        return
    boss = Actor.for_user(manager)
    services.report_mark_read(actor=boss, report=report)
    services.report_like(actor=boss, report=report)
    discussions.comment_create(
        actor=boss, resource="report", record_id=report.pk, body="苏州精密的报价跟得很紧，下周演示我一起去。"
    )
    discussions.comment_create(
        actor=Actor.for_user(report.author),
        resource="report",
        record_id=report.pk,
        body="好的，我周二上午约客户。",
    )
    other = User.objects.filter(username="zhang.wei", is_active=True).first()
    if other is not None and Report.objects.filter(pk=report.pk, status=ReportStatus.SUBMITTED).exists():
        report.recipient_teams.add(*Team.objects.filter(name=TEAM, deleted_at__isnull=True))
        services.report_like(actor=Actor.for_user(other), report=report)
