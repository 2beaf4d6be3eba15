"""/api/v1/ routes of imports: api:imports-list, api:imports-detail, api:imports-mapping,
api:imports-dry-run, api:imports-commit, api:imports-retry, api:imports-rows; and background exports:
api:exports-list, api:exports-detail, api:exports-download."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("imports", api.ImportJobViewSet, basename="imports")
router.register("exports", api.ExportJobViewSet, basename="exports")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
