"""/api/v1/ routes of tasks: api:tasks-list, api:tasks-complete, api:task-labels-list, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("task-labels", api.TaskLabelViewSet, basename="task-labels")
router.register("tasks", api.TaskViewSet, basename="tasks")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
