"""/api/v1/ routes: api:comments-list, api:comments-detail, api:comments-add-to-team,
api:mention-candidates-list, api:announcements-*, api:feed-*."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("comments", api.CommentViewSet, basename="comments")
router.register("announcements", api.AnnouncementViewSet, basename="announcements")
router.register("feed", api.FeedViewSet, basename="feed")
router.register("mention-candidates", api.MentionCandidatesView, basename="mention-candidates")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
