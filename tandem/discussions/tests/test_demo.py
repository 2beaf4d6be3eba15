"""The demo company's comments, announcements and feed: once, deterministic."""

from __future__ import annotations

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.discussions.demo import seed_discussions
from tandem.discussions.models import Announcement, Comment, FeedItem, FeedReaction, Mention


def test_it_seeds_comments_announcements_and_feed_once(world: World) -> None:
    for n in range(3):
        DealFactory(owner=world.owner, name=f"Open {n}")
    DealFactory(owner=world.teammate, stage=stage_named("Won"), name="Won one")
    AccountFactory(owner=world.owner)
    result = seed_discussions()
    assert result.comments >= 5 and Comment.objects.count() == result.comments
    assert Mention.objects.filter(status=Mention.Status.NOTIFIED).exists()
    assert Mention.objects.filter(status=Mention.Status.NOT_VISIBLE, user=world.support).exists()
    assert Announcement.objects.filter(everyone=True, pinned_until__isnull=False).exists()
    assert Announcement.objects.count() == 2
    assert FeedItem.objects.filter(type="deal.won").exists() and FeedReaction.objects.exists()
    counts = (Comment.objects.count(), Announcement.objects.count(), FeedItem.objects.count())
    again = seed_discussions()
    assert again.skipped and "nothing added" in again.summary_line()
    assert (Comment.objects.count(), Announcement.objects.count(), FeedItem.objects.count()) == counts
