"""/api/v1/ routes of leads: api:leads-list, api:leads-convert, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("leads", api.LeadViewSet, basename="leads")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
