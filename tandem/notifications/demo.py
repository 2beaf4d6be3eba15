"""Demo data for the notification channels: a few people's preferences, one disabled webhook
subscription and an inactive team robot (example addresses: nothing is ever sent to them).
Idempotent and deterministic: a re-run adds nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tandem.org.models import Team, User

from .models import Platform, Preference, TeamRobot, WebhookSubscription

WEBHOOK_NAME = "ERP integration (example)"
ROBOT_NAME = "Sales group (example)"


@dataclass
class NotificationsDemoResult:
    preferences: int = 0
    webhooks: int = 0
    robots: int = 0

    def summary_line(self) -> str:
        if not (self.preferences or self.webhooks or self.robots):
            return "Demo notification settings are complete already: nothing added."
        return (
            f"Demo notifications: {self.preferences} preferences, {self.webhooks} disabled webhook, "
            f"{self.robots} inactive team robot."
        )


def _secret(name: str) -> str:
    return hashlib.sha256(f"tandem-demo:{name}".encode()).hexdigest()[:43]


def seed_notifications() -> NotificationsDemoResult:
    result = NotificationsDemoResult()
    admin = User.objects.filter(is_active=True, roles__is_admin=True).order_by("username").first()
    if admin is None:
        return result
    reps = list(
        User.objects.filter(is_active=True, roles__code="sales-rep").distinct().order_by("username")[:3]
    )
    for rep in reps:
        _row, created = Preference.objects.get_or_create(
            user=rep, kind="follow_up_due", defaults={"in_app": True, "email": False, "digest": True}
        )
        result.preferences += int(created)
    if reps:
        _row, created = Preference.objects.get_or_create(
            user=reps[0], kind="mention", defaults={"in_app": True, "email": False, "digest": True}
        )
        result.preferences += int(created)
    _hook, created = WebhookSubscription.objects.get_or_create(
        name=WEBHOOK_NAME,
        defaults={
            "url": "https://erp.example.com/tandem/webhooks",
            "event_types": ["account.created", "deal.lost", "deal.won"],
            "secret": _secret(WEBHOOK_NAME),
            "active": False,
            "created_by": admin,
        },
    )
    result.webhooks += int(created)
    team = (
        Team.objects.filter(leader__isnull=False, parent__isnull=False).order_by("path").first()
        or Team.objects.order_by("path").first()
    )
    if team is not None:
        _robot, created = TeamRobot.objects.get_or_create(
            team=team,
            name=ROBOT_NAME,
            defaults={
                "platform": Platform.DINGTALK,
                "url": "https://oapi.dingtalk.com/robot/send?access_token=example",
                "secret": "SEC" + _secret(ROBOT_NAME),
                "event_types": ["deal.won", "account.created"],
                "include_subteams": True,
                "active": False,
                "created_by": admin,
            },
        )
        result.robots += int(created)
    return result
