"""/api/v1/ routes of record teams: api:account-members, api:deal-members, api:member-roles-list, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("member-roles", api.MemberRoleViewSet, basename="member-roles")
router.register("me/default-team", api.DefaultTeamViewSet, basename="default-team")

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/<int:pk>/members/", api.AccountMembersView.as_view(), name="account-members"),
    path("accounts/<int:pk>/members/<int:user_id>/", api.AccountMemberView.as_view(), name="account-member"),
    path("deals/<int:pk>/members/", api.DealMembersView.as_view(), name="deal-members"),
    path("deals/<int:pk>/members/<int:user_id>/", api.DealMemberView.as_view(), name="deal-member"),
    *router.urls,
]
