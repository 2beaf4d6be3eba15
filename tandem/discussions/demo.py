"""The demo company's comments, announcements and team feed (issue 14 §8).

``seed_discussions()`` is idempotent (a company that has comments already gets nothing more) and
deterministic (records are picked by id, texts from fixed lists): comments with @mentions on the
newest open deals and a few accounts — one naming a person who cannot see the deal, so the
"add them to the record team?" offer shows — two announcements (one pinned, company-wide; one from
a team leader to their team, partly read), feed items for recent wins and new accounts, reactions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.customers.models import Account
from tandem.deals.models import Deal, DealStatus
from tandem.org.models import Team, User

from . import services
from .models import Announcement, AnnouncementRead, Comment, FeedItem, FeedReaction

DEAL_COMMENTS = [
    (
        "@{manager} the customer asked for a 10% discount — can we go to 8%?",
        "@{owner} 8% is fine if they sign this month.",
    ),
    ("Procurement wants references from a customer in the same industry. @{manager} any idea?", ""),
    ("客户下周三来公司参观，@{manager} 能否一起接待？", "可以，我安排会议室。@{owner}"),
]
ACCOUNT_COMMENTS = [
    "Met the new IT director today; budget for next year is being planned now.",
    "新的采购流程：合同须经法务审核，预计两周。",
]


@dataclass
class DiscussionSeedResult:
    comments: int = 0
    announcements: int = 0
    feed_items: int = 0
    reactions: int = 0
    skipped: bool = False

    def summary_line(self) -> str:
        if self.skipped:
            return "Comments and announcements exist already: nothing added."
        return (
            f"Discussions: {self.comments} comments with mentions, {self.announcements} announcements, "
            f"{self.feed_items} team feed items, {self.reactions} reactions."
        )


def _leader_of(user: User) -> User | None:
    if user.manager_id and user.manager is not None and user.manager.is_active:
        return user.manager
    team = Team.objects.filter(memberships__user=user, leader__isnull=False).exclude(leader=user).first()
    return team.leader if team is not None else None


def _director() -> User | None:
    return (
        User.objects.filter(is_active=True, roles__code="sales-director").order_by("pk").first()
        or User.objects.filter(is_active=True, roles__is_admin=True).order_by("pk").first()
    )


def _comment(author: User, resource: str, record_id: int, body: str) -> int:
    try:
        services.comment_create(
            actor=Actor.for_user(author), resource=resource, record_id=record_id, body=body
        )
    except Exception:
        return 0
    return 1


@transaction.atomic
def seed_discussions() -> DiscussionSeedResult:
    result = DiscussionSeedResult()
    if Comment.objects.exists() or Announcement.objects.exists():
        result.skipped = True
        return result
    now = timezone.now()
    deals = list(
        Deal.objects.filter(status=DealStatus.OPEN, owner__is_active=True, owner__manager__isnull=False)
        .select_related("owner", "owner__manager")
        .order_by("-pk")[: len(DEAL_COMMENTS)]
    )
    for deal, (first, reply) in zip(deals, DEAL_COMMENTS, strict=False):
        owner, manager = deal.owner, _leader_of(deal.owner)
        if owner is None or manager is None:
            continue
        names = {"owner": owner.username, "manager": manager.username}
        result.comments += _comment(owner, "deal", deal.pk, first.format(**names))
        if reply:
            result.comments += _comment(manager, "deal", deal.pk, reply.format(**names))
    if deals and deals[0].owner is not None:
        # Someone from another team, who cannot see the deal: the mention stays unresolved.
        deal = deals[0]
        stranger = (
            User.objects.filter(is_active=True, roles__code="technical-support")
            .exclude(memberships__team_id=deal.team_id)
            .order_by("pk")
            .first()
        )
        if stranger is not None:
            body = f"@{stranger.username} could you check the integration requirements?"
            result.comments += _comment(deal.owner, "deal", deal.pk, body)
    accounts = list(Account.objects.filter(owner__is_active=True).select_related("owner").order_by("-pk")[:2])
    for account, text in zip(accounts, ACCOUNT_COMMENTS, strict=False):
        if account.owner is not None:
            result.comments += _comment(account.owner, "account", account.pk, text)

    deal_type = ContentType.objects.get_for_model(Deal)
    won = list(
        Deal.objects.filter(status=DealStatus.WON, team__isnull=False)
        .select_related("owner")
        .order_by("-closed_on", "-pk")[:8]
    )
    items = [
        FeedItem(
            team_id=deal.team_id,
            type="deal.won",
            content_type=deal_type,
            object_id=deal.pk,
            resource="deal",
            actor=deal.owner,
            params={"name": deal.name, "actor": str(deal.owner) if deal.owner else ""},
            created_at=now - datetime.timedelta(hours=6 * (n + 1)),
        )
        for n, deal in enumerate(won)
    ]
    account_type = ContentType.objects.get_for_model(Account)
    for n, account in enumerate(
        Account.objects.filter(team__isnull=False).select_related("owner").order_by("-pk")[:5]
    ):
        items.append(
            FeedItem(
                team_id=account.team_id,
                type="account.created",
                content_type=account_type,
                object_id=account.pk,
                resource="account",
                actor=account.owner,
                params={"name": account.name, "actor": str(account.owner) if account.owner else ""},
                created_at=now - datetime.timedelta(hours=5 * (n + 1)),
            )
        )
    items.sort(key=lambda item: item.created_at)
    created = FeedItem.objects.bulk_create(items)
    reactions = []
    for n, item in enumerate(created):
        if item.type != "deal.won":
            continue
        team_members = User.objects.filter(memberships__team_id=item.team_id, is_active=True).order_by("pk")[
            :3
        ]
        for m, member in enumerate(team_members):
            emoji = FeedReaction.Emoji.PARTY if (n + m) % 2 == 0 else FeedReaction.Emoji.THUMBS_UP
            reactions.append(FeedReaction(item=item, user=member, emoji=emoji))
    FeedReaction.objects.bulk_create(reactions, ignore_conflicts=True)
    result.reactions = FeedReaction.objects.count()
    # Announcements last: their feed items are the newest (the feed reads by id).
    director = _director()
    if director is not None:
        services.announcement_publish(
            actor=Actor.for_user(director),
            title="Q4 kickoff: focus on renewals and key accounts / 第四季度启动：聚焦续约与重点客户",
            body="Every rep reviews their top 10 accounts this week.\n本周每位销售复盘自己的前十大客户。",
            everyone=True,
            pinned_until=now + datetime.timedelta(days=14),
        )
        result.announcements += 1
    # A sales team's leader (a manager may announce to their team; an account manager's may not).
    team = next(
        (
            t
            for t in Team.objects.filter(leader__is_active=True, children__isnull=True)
            .select_related("leader")
            .order_by("path")
            if t.leader is not None and access.can(Actor.for_user(t.leader), "create", "announcement")
        ),
        None,
    )
    if team is not None and team.leader is not None:
        announcement = services.announcement_publish(
            actor=Actor.for_user(team.leader),
            title="Weekly pipeline review moves to Thursday 9:00 / 周例会改到周四 9:00",
            body="Bring your three biggest open deals.\n请准备好你最大的三个在谈商机。",
            team_ids=[team.pk],
        )
        result.announcements += 1
        members = list(User.objects.filter(memberships__team=team, is_active=True).order_by("pk")[:3])
        for member in members[:2]:
            AnnouncementRead.objects.get_or_create(announcement=announcement, user=member)

    result.feed_items = FeedItem.objects.count()
    return result
