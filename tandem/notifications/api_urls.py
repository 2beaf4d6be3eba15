"""/api/v1/ routes of the notification channels."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("notifications", api.NotificationViewSet, basename="notifications")
router.register("webhooks", api.WebhookViewSet, basename="webhooks")
router.register("team-robots", api.TeamRobotViewSet, basename="team-robots")

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/preferences/", api.PreferencesView.as_view(), name="notification-preferences"),
    path("event-types/", api.EventTypeView.as_view(), name="event-types"),
    *router.urls,
]
