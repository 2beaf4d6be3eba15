"""/api/v1/ routes of targets: api:targets-list, api:targets-detail, api:targets-attainment."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("targets", api.TargetViewSet, basename="targets")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
