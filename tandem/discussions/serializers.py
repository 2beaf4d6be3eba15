"""API shapes of comments, announcements and the team feed."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Announcement, Comment, FeedReaction, Mention
from .registry import kind_for_model


class DiscussionPersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True, source="__str__")


class TeamRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MentionSerializer(serializers.ModelSerializer[Mention]):
    user = DiscussionPersonSerializer(read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Mention
        fields = ["user", "team", "status"]


class RecordRefSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(max_length=40, help_text=_("account, contact, lead or deal"))
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author = DiscussionPersonSerializer(read_only=True)
    deleted_by = DiscussionPersonSerializer(read_only=True, allow_null=True)
    mentions = MentionSerializer(many=True, read_only=True)
    record = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "record",
            "author",
            "body",
            "created_at",
            "edited_at",
            "deleted_at",
            "deleted_by",
            "mentions",
        ]

    @extend_schema_field(RecordRefSerializer)
    def get_record(self, obj: Comment) -> dict[str, Any]:
        model = ContentType.objects.get_for_id(obj.content_type_id).model_class()
        kind = kind_for_model(model) if model is not None else None
        return {"type": kind.resource if kind else "", "id": obj.object_id}


class CommentCreatedSerializer(CommentSerializer):
    not_visible = DiscussionPersonSerializer(
        many=True, read_only=True, help_text=_("Mentioned people who cannot see the record")
    )
    mentioned = DiscussionPersonSerializer(
        many=True, read_only=True, help_text=_("Mentioned people who were told")
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "mentioned", "not_visible"]


class CommentInputSerializer(serializers.Serializer[Any]):
    record = RecordRefSerializer()
    body = serializers.CharField(max_length=10_000, trim_whitespace=True)


class CommentEditSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=10_000, trim_whitespace=True)


class CommentPageSerializer(serializers.Serializer[Any]):
    results = CommentSerializer(many=True)
    older = serializers.IntegerField(
        allow_null=True, help_text=_("Pass as ``before`` to read older comments")
    )


class AddToTeamSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class CandidatesSerializer(serializers.Serializer[Any]):
    people = DiscussionPersonSerializer(many=True)
    teams = TeamRefSerializer(many=True)


class AnnouncementSerializer(serializers.ModelSerializer[Any]):
    author = DiscussionPersonSerializer(read_only=True)
    teams = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)
    pinned = serializers.BooleanField(read_only=True)

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title",
            "body",
            "author",
            "everyone",
            "teams",
            "pinned_until",
            "pinned",
            "published_at",
            "is_read",
        ]

    @extend_schema_field(TeamRefSerializer(many=True))
    def get_teams(self, obj: Announcement) -> list[dict[str, Any]]:
        return [{"id": link.team.pk, "name": link.team.name} for link in obj.audience.all()]


class AnnouncementInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    teams = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=200,
    )
    everyone = serializers.BooleanField(required=False, default=False)
    pinned_until = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReaderSerializer(serializers.Serializer[Any]):
    user = DiscussionPersonSerializer()
    read_at = serializers.DateTimeField()


class ReadersSerializer(serializers.Serializer[Any]):
    read_count = serializers.IntegerField()
    unread_count = serializers.IntegerField()
    read = ReaderSerializer(many=True, help_text=_("The latest 50 readers"))
    unread = DiscussionPersonSerializer(many=True, help_text=_("The first 50 who have not read it"))


class ReceiptSerializer(serializers.Serializer[Any]):
    read_at = serializers.DateTimeField()


class ReactionCountSerializer(serializers.Serializer[Any]):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    mine = serializers.BooleanField()


class FeedEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="item.pk")
    type = serializers.CharField(source="item.type")
    team = serializers.IntegerField(source="item.team_id")
    record = serializers.SerializerMethodField()
    actor = DiscussionPersonSerializer(source="item.actor", allow_null=True)
    text = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField(source="item.created_at")
    reactions = ReactionCountSerializer(many=True)
    comments = serializers.IntegerField()

    @extend_schema_field(RecordRefSerializer)
    def get_record(self, entry: Any) -> dict[str, Any]:
        return {"type": entry.item.resource, "id": entry.item.object_id}


class FeedPageSerializer(serializers.Serializer[Any]):
    results = FeedEntrySerializer(many=True)
    older = serializers.IntegerField(allow_null=True, help_text=_("Pass as ``before`` for the next page"))


class ReactionInputSerializer(serializers.Serializer[Any]):
    emoji = serializers.ChoiceField(choices=FeedReaction.Emoji.choices)


class ReactionResultSerializer(serializers.Serializer[Any]):
    emoji = serializers.CharField()
    on = serializers.BooleanField()
