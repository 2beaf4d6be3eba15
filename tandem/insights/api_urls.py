"""/api/v1/ routes of the insights: api:insights."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import api

urlpatterns: list[URLPattern] = [path("insights/", api.InsightView.as_view(), name="insights")]
