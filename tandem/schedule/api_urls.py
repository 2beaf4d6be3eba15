"""/api/v1/ routes of the calendar: api:events-list, api:events-respond, api:workload, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("events", api.EventViewSet, basename="events")

urlpatterns: list[URLPattern | URLResolver] = [
    path("workload/", api.WorkloadView.as_view(), name="workload"),
    *router.urls,
]
