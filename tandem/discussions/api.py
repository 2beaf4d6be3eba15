"""REST API of comments (评论) and @mentions: /api/v1/comments/.

A comment is read and written by whoever may see its record; a record the caller cannot see
answers 404 exactly like a missing one (list, create, and every comment on it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core.api import LanguageMixin, Pagination, ScopedViewSet
from tandem.core.openapi import AutoSchema
from tandem.customers.api import ERRORS

from . import selectors, services
from .models import Announcement
from .registry import get_record_or_404
from .serializers import (
    AddToTeamSerializer,
    AnnouncementInputSerializer,
    AnnouncementSerializer,
    CandidatesSerializer,
    CommentCreatedSerializer,
    CommentEditSerializer,
    CommentInputSerializer,
    CommentPageSerializer,
    CommentSerializer,
    FeedEntrySerializer,
    FeedPageSerializer,
    ReactionInputSerializer,
    ReactionResultSerializer,
    ReadersSerializer,
    ReceiptSerializer,
)

MAX_ID = 2**63 - 1


def _parse(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PageSchema(AutoSchema):
    """These ``list`` answers are one object (a bounded page with ``results`` and ``older``, or
    the picker's people and teams), not an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class RecordQuerySerializer(serializers.Serializer[Any]):
    record_type = serializers.CharField(max_length=40)
    record_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    before = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


def _created(posted: services.Posted) -> dict[str, Any]:
    comment = posted.comment
    data = dict(CommentSerializer(comment).data)
    data["mentioned"] = [
        {"id": u.pk, "username": u.username, "display_name": str(u)} for u in posted.mentioned
    ]
    data["not_visible"] = [
        {"id": u.pk, "username": u.username, "display_name": str(u)} for u in posted.not_visible
    ]
    return data


class CommentViewSet(LanguageMixin, viewsets.ViewSet):
    """Comments on accounts, contacts, leads and deals (any registered kind of record)."""

    schema = PageSchema()
    permission_classes = [IsAuthenticated]
    serializer_class = CommentSerializer

    @extend_schema(
        operation_id="v1_comments_list",
        summary="The comments on one record, newest last (20 at a time)",
        parameters=[
            OpenApiParameter("record_type", str, required=True, description="account, contact, lead or deal"),
            OpenApiParameter("record_id", int, required=True),
            OpenApiParameter("before", int, description="Older than this comment id (``older`` of a page)"),
        ],
        responses={200: CommentPageSerializer, 400: ERRORS[400], 404: ERRORS[404]},
    )
    def list(self, request: Request) -> Response:
        query = _parse(RecordQuerySerializer, request.query_params)
        kind, record = get_record_or_404(self.actor, query["record_type"], query["record_id"])
        page = selectors.comment_page(kind=kind, record=record, before=query.get("before"))
        return Response({"results": CommentSerializer(page.comments, many=True).data, "older": page.older})

    @extend_schema(
        summary="Comment on a record; @username and @[Team name] mention",
        request=CommentInputSerializer,
        responses={201: CommentCreatedSerializer, 400: ERRORS[400], 404: ERRORS[404]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(CommentInputSerializer, request.data)
        posted = services.comment_create(
            actor=self.actor,
            resource=data["record"]["type"],
            record_id=data["record"]["id"],
            body=data["body"],
        )
        return Response(_created(posted), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One comment", responses={200: CommentSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: int) -> Response:
        _kind, _record, comment = selectors.comment_get_or_404(actor=self.actor, pk=pk)
        return Response(CommentSerializer(comment).data)

    @extend_schema(
        summary="Edit your comment (within the edit window)",
        request=CommentEditSerializer,
        responses={200: CommentCreatedSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        _kind, _record, comment = selectors.comment_get_or_404(actor=self.actor, pk=pk)
        data = _parse(CommentEditSerializer, request.data)
        posted = services.comment_edit(actor=self.actor, comment=comment, body=data["body"])
        return Response(_created(posted))

    @extend_schema(
        summary="Delete a comment (author or administrator); a trace stays",
        responses={204: None, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def destroy(self, request: Request, pk: int) -> Response:
        _kind, _record, comment = selectors.comment_get_or_404(actor=self.actor, pk=pk)
        services.comment_delete(actor=self.actor, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Add a mentioned person who cannot see the record to its record team (read access)",
        request=AddToTeamSerializer,
        responses={200: CommentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"], url_path="add-to-team")
    def add_to_team(self, request: Request, pk: int) -> Response:
        _kind, _record, comment = selectors.comment_get_or_404(actor=self.actor, pk=pk)
        data = _parse(AddToTeamSerializer, request.data)
        services.mention_add_to_team(actor=self.actor, comment=comment, user_id=data["user"])
        _kind, _record, comment = selectors.comment_get_or_404(actor=self.actor, pk=pk)
        return Response(CommentSerializer(comment).data)


class MentionCandidatesView(LanguageMixin, viewsets.ViewSet):
    schema = PageSchema()
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="People (10) and teams (5) to @mention, by username or name",
        parameters=[OpenApiParameter("q", str, description="What was typed after @")],
        responses={200: CandidatesSerializer},
    )
    def list(self, request: Request) -> Response:
        q = str(request.query_params.get("q", ""))[:100]
        people = selectors.people_search(actor=self.actor, q=q)
        teams = selectors.team_search(actor=self.actor, q=q)
        return Response(
            {
                "people": [{"id": u.pk, "username": u.username, "display_name": str(u)} for u in people],
                "teams": [{"id": t.pk, "name": t.name} for t in teams],
            }
        )


class AnnouncementViewSet(ScopedViewSet):
    """Announcements (公告) addressed to the caller's teams; managers and directors publish."""

    resource = "announcement"
    serializer_class = AnnouncementSerializer
    pagination_class = Pagination
    action_permissions: ClassVar[dict[str, str]] = {"read": "view", "readers": "view"}

    def base_queryset(self) -> QuerySet[Announcement]:
        return selectors.announcements(actor=self.actor)

    @extend_schema(summary="Announcements addressed to me, pinned first")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AnnouncementSerializer(page, many=True).data)

    @extend_schema(summary="One announcement", responses={200: AnnouncementSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(AnnouncementSerializer(self.get_object()).data)

    @extend_schema(
        summary="Publish an announcement to teams (or, for directors and administrators, everyone)",
        request=AnnouncementInputSerializer,
        responses={201: AnnouncementSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = _parse(AnnouncementInputSerializer, request.data)
        announcement = services.announcement_publish(
            actor=self.actor,
            title=data["title"],
            body=data["body"],
            team_ids=data["teams"],
            everyone=data["everyone"],
            pinned_until=data["pinned_until"],
        )
        fresh = selectors.announcement_get_or_404(actor=self.actor, pk=announcement.pk)
        return Response(AnnouncementSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take an announcement down (its author, or a manager over its teams)",
        responses={204: None, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def destroy(self, request: Request, pk: int) -> Response:
        services.announcement_delete(actor=self.actor, announcement=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark it read (a read receipt)",
        request=None,
        responses={200: ReceiptSerializer, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: int) -> Response:
        receipt = services.announcement_mark_read(actor=self.actor, announcement=self.get_object())
        return Response({"read_at": receipt.read_at})

    @extend_schema(
        summary="Who has and has not read it (its author; counts and the first 50 of each)",
        responses={200: ReadersSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def readers(self, request: Request, pk: int) -> Response:
        found = selectors.readers(actor=self.actor, announcement=self.get_object())
        return Response(
            {
                "read_count": found.read_count,
                "unread_count": found.unread_count,
                "read": [{"user": _person(u), "read_at": at} for u, at in found.read],
                "unread": [_person(u) for u in found.unread],
            }
        )


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "display_name": str(user)}


class FeedQuerySerializer(serializers.Serializer[Any]):
    before = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class FeedViewSet(LanguageMixin, viewsets.ViewSet):
    """The team feed (团队动态): notable events of the caller's teams, about records they may see."""

    schema = PageSchema()
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The team feed, newest first (keyset: ``before``)",
        parameters=[OpenApiParameter("before", int, description="``older`` of the previous page")],
        responses={200: FeedPageSerializer, 400: ERRORS[400]},
    )
    def list(self, request: Request) -> Response:
        query = _parse(FeedQuerySerializer, request.query_params)
        page = selectors.feed_page(actor=self.actor, before=query.get("before"))
        return Response({"results": FeedEntrySerializer(page.entries, many=True).data, "older": page.older})

    @extend_schema(
        summary="Toggle my reaction on a feed item",
        request=ReactionInputSerializer,
        responses={200: ReactionResultSerializer, 400: ERRORS[400], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def reactions(self, request: Request, pk: int) -> Response:
        item = get_record_or_404(self.actor, "feeditem", pk)[1]
        data = _parse(ReactionInputSerializer, request.data)
        on = services.feed_react(actor=self.actor, item=item, emoji=data["emoji"])
        return Response({"emoji": data["emoji"], "on": on})
