"""Reads of comments, announcements and the team feed; every one starts from the access policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Actor
from tandem.org.models import Team, User

from .models import Announcement, AnnouncementRead, AnnouncementTeam, Comment, FeedItem, FeedReaction, Mention
from .registry import Commentable, get_record_or_404, kind_for_model

PAGE = 20
PICKER_LIMIT = 10


@dataclass
class CommentPage:
    comments: list[Comment]  # oldest first: the newest is last, next to the box to answer
    older: int | None  # the id to ask for older ones with (``before``), None when there are none


def _comments(kind: Commentable, record: Any) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(kind.model), object_id=record.pk
        )
        .select_related("author", "deleted_by")
        .prefetch_related(Prefetch("mentions", queryset=Mention.objects.select_related("user", "team")))
    )


def comment_page(
    *, kind: Commentable, record: Any, before: int | None = None, limit: int = PAGE
) -> CommentPage:
    """The last ``limit`` comments on a record the caller has found visible (before ``before``)."""
    queryset = _comments(kind, record)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    newest_first = list(queryset.order_by("-pk")[: limit + 1])
    more = len(newest_first) > limit
    shown = newest_first[:limit]
    shown.reverse()
    return CommentPage(comments=shown, older=shown[0].pk if more and shown else None)


def comment_get_or_404(*, actor: Actor, pk: Any) -> tuple[Commentable, Any, Comment]:
    """A comment whose record the caller may see; otherwise 404, as if it did not exist."""
    try:
        comment = Comment.objects.select_related("author", "deleted_by", "content_type").get(pk=pk)
    except (Comment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    model = comment.content_type.model_class()
    kind = kind_for_model(model) if model is not None else None
    if kind is None:
        raise Http404
    kind, record = get_record_or_404(actor, kind.resource, comment.object_id)
    return kind, record, comment


def waiting_for_access(*, actor: Actor, kind: Commentable, record: Any) -> list[dict[str, Any]]:
    """People the actor mentioned on this record who cannot see it (unresolved mentions), each
    with the latest comment naming them: ``{"user": User, "comment_id": int}``, at most 10."""
    rows = (
        Mention.objects.filter(
            comment__content_type=ContentType.objects.get_for_model(kind.model),
            comment__object_id=record.pk,
            comment__author_id=actor.id,
            comment__deleted_at__isnull=True,
            status=Mention.Status.NOT_VISIBLE,
        )
        .values("user_id")
        .annotate(latest=Max("comment_id"))
        .order_by("user_id")[:PICKER_LIMIT]
    )
    latest = {row["user_id"]: row["latest"] for row in rows}
    people = User.objects.filter(pk__in=latest).order_by("display_name", "pk")
    return [{"user": user, "comment_id": latest[user.pk]} for user in people]


def people_search(*, actor: Actor, q: str) -> list[User]:
    """People to mention: active people the actor may see, by username or name, at most 10."""
    text = (q or "").strip().lstrip("@")
    queryset = access.visible(actor, "user", User.objects.filter(is_active=True))
    if text:
        queryset = queryset.filter(
            Q(username__istartswith=text) | Q(display_name__icontains=text) | Q(first_name__istartswith=text)
        )
    return list(queryset.order_by("display_name", "pk")[:PICKER_LIMIT])


def team_search(*, actor: Actor, q: str) -> list[Team]:
    text = (q or "").strip().lstrip("@").lstrip("[")
    queryset = access.visible(actor, "team", Team.objects.all())
    if text:
        queryset = queryset.filter(name__icontains=text)
    return list(queryset.order_by("name", "pk")[:5])


# --- Announcements ---------------------------------------------------------------------------


def announcements(*, actor: Actor) -> QuerySet[Announcement]:
    """Published announcements the actor is addressed by (or wrote), pinned ones first, each
    with ``is_read`` for the actor."""
    now = timezone.now()
    mine = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user_id=actor.id or 0)
    queryset = access.visible(actor, "announcement", Announcement.objects.filter(published_at__lte=now))
    return (
        queryset.select_related("author")
        .prefetch_related(Prefetch("audience", queryset=AnnouncementTeam.objects.select_related("team")))
        .annotate(
            is_read=Exists(mine),
            pinned=Case(
                When(pinned_until__gt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("-pinned", "-published_at", "-id")
    )


def announcement_get_or_404(*, actor: Actor, pk: Any) -> Announcement:
    return access.get_visible_or_404(actor, "announcement", announcements(actor=actor), pk=pk)


def unread_announcements(*, actor: Actor, limit: int = 3) -> tuple[int, list[Announcement]]:
    """How many addressed announcements the actor has not read, and the first few of them."""
    if actor.user is None or not actor.has("announcement"):
        return 0, []
    unread = announcements(actor=actor).filter(is_read=False)  # type: ignore[misc]
    return unread.count(), list(unread[:limit])


@dataclass
class Readers:
    read_count: int
    unread_count: int
    read: list[tuple[User, Any]]  # (person, read at), first 50
    unread: list[User]  # first 50


READERS_SHOWN = 50


def audience(announcement: Announcement) -> QuerySet[User]:
    """The active people an announcement is addressed to: everyone, or the members of its teams
    and of every team below them (one indexed prefix condition per team)."""
    people = User.objects.filter(is_active=True)
    if announcement.everyone:
        return people
    condition = Q(pk__in=[])
    for link in announcement.audience.all():
        condition |= Q(team__path__startswith=link.team.path)
    from tandem.org.models import Membership

    members = Membership.objects.filter(condition, team__deleted_at__isnull=True).values("user_id")
    return people.filter(pk__in=members)


def readers(*, actor: Actor, announcement: Announcement) -> Readers:
    """Who has and has not read it: for its author, and for whoever may edit announcements to its
    audience (counts, and the first 50 of each)."""
    if announcement.author_id != actor.id and not access.can(actor, "edit", "announcement", announcement):
        raise PermissionDenied
    people = audience(announcement)
    receipts = AnnouncementRead.objects.filter(announcement=announcement, user__in=people)
    read_ids = receipts.values("user_id")
    read_rows = list(receipts.select_related("user").order_by("-read_at", "pk")[:READERS_SHOWN])
    unread = people.exclude(pk__in=read_ids)
    return Readers(
        read_count=receipts.count(),
        unread_count=unread.count(),
        read=[(r.user, r.read_at) for r in read_rows],
        unread=list(unread.order_by("display_name", "pk")[:READERS_SHOWN]),
    )


# --- The team feed ---------------------------------------------------------------------------


@dataclass
class FeedEntry:
    item: FeedItem
    text: str
    icon: str
    url: str
    reactions: list[dict[str, Any]]  # [{"emoji", "count", "mine"}] in the order of the choices
    comments: int


@dataclass
class FeedPage:
    entries: list[FeedEntry]
    older: int | None  # pass as ``before`` for the next page


def _feed_team_ids(actor: Actor) -> list[int] | None:
    """The teams whose items the actor reads (None: every team, for administrators)."""
    if actor.is_admin:
        return None
    return sorted(actor.team_ids | actor.subtree_team_ids | actor.lineage_team_ids)


def _visible_records(actor: Actor, items: list[FeedItem]) -> set[tuple[int, int]]:
    """(content type, object id) of the items' records the actor may see: one query per kind."""
    wanted: dict[tuple[int, str], set[int]] = {}
    for item in items:
        if item.content_type_id and item.object_id and item.resource in access.RESOURCES:
            wanted.setdefault((item.content_type_id, item.resource), set()).add(item.object_id)
    seen: set[tuple[int, int]] = set()
    for (content_type_id, resource), ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        queryset = access.visible(actor, resource, model._default_manager.filter(pk__in=sorted(ids)))
        seen.update((content_type_id, pk) for pk in queryset.values_list("pk", flat=True))
    return seen


def feed_items(
    *, actor: Actor, before: int | None = None, limit: int = PAGE
) -> tuple[list[FeedItem], int | None]:
    """The newest items of the actor's teams whose record they may see, ``before`` an item id
    (keyset). A page scans at most 3 × ``limit`` rows; ``older`` goes on from the last scanned."""
    if actor.user is None:
        return [], None
    queryset = FeedItem.objects.select_related("actor")
    team_ids = _feed_team_ids(actor)
    if team_ids is not None:
        queryset = queryset.filter(team_id__in=team_ids)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    scanned = list(queryset.order_by("-pk")[: limit * 3 + 1])
    more = len(scanned) > limit * 3
    scanned = scanned[: limit * 3]
    seen = _visible_records(actor, scanned)
    shown: list[FeedItem] = []
    keys: set[tuple[str, int | None]] = set()
    last = None
    for item in scanned:
        last = item.pk
        key = (item.type, item.object_id)
        if (item.content_type_id, item.object_id) in seen and key not in keys:
            keys.add(key)  # one line per event, even when it reached several of the reader's teams
            shown.append(item)
        if len(shown) == limit:
            more = more or item is not scanned[-1]
            break
    return shown, (last if more else None)


def feed_page(*, actor: Actor, before: int | None = None, limit: int = PAGE) -> FeedPage:
    from . import feed

    items, older = feed_items(actor=actor, before=before, limit=limit)
    ids = [item.pk for item in items]
    counts: dict[int, dict[str, int]] = {}
    for row in (
        FeedReaction.objects.filter(item_id__in=ids).values("item_id", "emoji").annotate(n=Count("pk"))
    ):
        counts.setdefault(row["item_id"], {})[row["emoji"]] = row["n"]
    mine = set(
        FeedReaction.objects.filter(item_id__in=ids, user_id=actor.id or 0).values_list("item_id", "emoji")
    )
    comment_counts = dict(
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(FeedItem),
            object_id__in=ids,
            deleted_at__isnull=True,
        )
        .values("object_id")
        .annotate(n=Count("pk"))
        .values_list("object_id", "n")
    )
    entries = []
    for item in items:
        model = (
            ContentType.objects.get_for_id(item.content_type_id).model_class()
            if item.content_type_id
            else None
        )
        url = ""
        if model is Announcement:
            url = reverse("discussions:announcement-detail", args=[item.object_id])
        elif model is not None and hasattr(model, "get_absolute_url"):
            url = model(pk=item.object_id).get_absolute_url()  # type: ignore[attr-defined]
        entries.append(
            FeedEntry(
                item=item,
                text=feed.summary(item),
                icon=feed.ICONS.get(item.type, "bi-lightning"),
                url=url,
                reactions=[
                    {
                        "emoji": emoji,
                        "count": counts.get(item.pk, {}).get(emoji, 0),
                        "mine": (item.pk, emoji) in mine,
                    }
                    for emoji in FeedReaction.Emoji.values
                ],
                comments=comment_counts.get(item.pk, 0),
            )
        )
    return FeedPage(entries=entries, older=older)


def feed_item_visible(actor: Actor, queryset: QuerySet[FeedItem]) -> QuerySet[FeedItem]:
    """``queryset`` narrowed to items the actor reads (comments on feed items use this); meant for
    a handful of rows (a lookup by id)."""
    team_ids = _feed_team_ids(actor)
    if actor.user is None:
        return queryset.none()
    if team_ids is not None:
        queryset = queryset.filter(team_id__in=team_ids)
    rows = list(queryset[:50])
    seen = _visible_records(actor, rows)
    return queryset.filter(pk__in=[r.pk for r in rows if (r.content_type_id, r.object_id) in seen])
