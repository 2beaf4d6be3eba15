"""/api/v1/ routes of team meetings: api:meetings-list, api:meetings-agenda-items, api:meeting-series-list, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("meetings", api.MeetingViewSet, basename="meetings")
router.register("meeting-series", api.MeetingSeriesViewSet, basename="meeting-series")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
