"""/api/v1/ routes of work reports: api:reports-list, api:reports-draft, api:report-templates-list, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("report-templates", api.ReportTemplateViewSet, basename="report-templates")
router.register("report-rules", api.SubmissionRuleViewSet, basename="report-rules")
router.register("reports", api.ReportViewSet, basename="reports")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
