"""/api/v1/ routes of the pipeline: api:deals-list, api:deals-move, api:pipelines-list, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("pipelines", api.PipelineViewSet, basename="pipelines")
router.register("stages", api.StageViewSet, basename="stages")
router.register("lost-reasons", api.LostReasonViewSet, basename="lost-reasons")
router.register("products", api.ProductViewSet, basename="products")
router.register("deals", api.DealViewSet, basename="deals")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
