"""/api/v1/ routes of projects: api:projects-list, api:projects-detail, api:projects-sections, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("projects", api.ProjectViewSet, basename="projects")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
