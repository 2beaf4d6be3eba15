"""/api/v1/ routes of approvals: api:approvals-list, api:approvals-detail (+ approve, reject,
return, cancel, resubmit, comments), api:approval-flows-list, api:approval-flows-detail."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("approvals", api.ApprovalViewSet, basename="approvals")
router.register("approval-flows", api.FlowViewSet, basename="approval-flows")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
