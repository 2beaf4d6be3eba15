"""/api/v1/ routes of forecasts: api:forecasts-list/-detail, api:forecast-adjustments-list,
api:forecast-snapshots-list."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("forecasts", api.SubmissionViewSet, basename="forecasts")
router.register("forecast-adjustments", api.AdjustmentViewSet, basename="forecast-adjustments")
router.register("forecast-snapshots", api.SnapshotViewSet, basename="forecast-snapshots")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
