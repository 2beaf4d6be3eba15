"""/api/v1/ routes: api:assignment-rules-list, api:assignment-rules-detail, api:assignment-assign."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("assignment-rules", api.RuleViewSet, basename="assignment-rules")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("assignment/assign/", api.AssignView.as_view(), name="assignment-assign"),
]
