"""/api/v1/ routes of imports: api:imports-list, api:imports-detail, api:imports-mapping,
api:imports-dry-run, api:imports-commit, api:imports-retry, api:imports-rows."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("imports", api.ImportJobViewSet, basename="imports")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
