"""/api/v1/ routes of follow-ups: api:activities-list, api:activities-detail."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("activities", api.ActivityViewSet, basename="activities")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
