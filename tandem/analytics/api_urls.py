"""/api/v1/analytics/ extras: api:analytics-funnel, api:analytics-trend, api:analytics-activities,
api:analytics-leaderboard (``analytics/deals/`` is the kpis app's)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("analytics/funnel/", api.FunnelView.as_view(), name="analytics-funnel"),
    path("analytics/trend/", api.TrendView.as_view(), name="analytics-trend"),
    path("analytics/activities/", api.ActivitiesView.as_view(), name="analytics-activities"),
    path("analytics/leaderboard/", api.LeaderboardView.as_view(), name="analytics-leaderboard"),
]
