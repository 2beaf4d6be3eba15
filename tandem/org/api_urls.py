"""/api/v1/ routes of the organisation: api:users-list, api:teams-detail, api:me, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("users", api.UserViewSet, basename="users")
router.register("teams", api.TeamViewSet, basename="teams")
router.register("positions", api.PositionViewSet, basename="positions")
router.register("roles", api.RoleViewSet, basename="roles")

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", api.MeView.as_view(), name="me"),
    *router.urls,
]
