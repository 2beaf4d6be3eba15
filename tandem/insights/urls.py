"""Web routes of the insights: insights:list, insights:settings, insights:digest."""

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.insight_list, name="list"),
    path("settings/", views.thresholds_page, name="settings"),
    path("digest/", views.digest_preference, name="digest"),
]
