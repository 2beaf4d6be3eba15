"""/api/v1/ routes of handoffs: api:handoff-templates-list, api:handoffs-list, api:handoffs-accept, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("handoff-templates", api.HandoffTemplateViewSet, basename="handoff-templates")
router.register("handoffs", api.HandoffViewSet, basename="handoffs")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
