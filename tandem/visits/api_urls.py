"""/api/v1/ routes of field visits: api:checkins-list, api:checkins-check-out, api:checkins-photo."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("checkins", api.CheckInViewSet, basename="checkins")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
