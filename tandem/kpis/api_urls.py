"""/api/v1/ routes of the KPI foundation: api:kpis-list, api:kpis-figures, api:exchange-rates-list,
api:company-settings, api:analytics-deals."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("kpis", api.KpiViewSet, basename="kpis")
router.register("exchange-rates", api.ExchangeRateViewSet, basename="exchange-rates")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("company-settings/", api.CompanySettingsView.as_view(), name="company-settings"),
    path("analytics/deals/", api.DealAnalyticsView.as_view(), name="analytics-deals"),
]
