"""Reads of comments, announcements and the team feed; every one starts from the access policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404

from tandem.core import access
from tandem.core.access import Actor
from tandem.org.models import Team, User

from .models import Comment, Mention
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
