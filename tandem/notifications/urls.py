"""Web routes of the notification channels: notifications:*."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("badge/", views.badge, name="badge"),
    path("preferences/", views.preferences_page, name="preferences"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="replay"),
    path("robots/", views.robot_list, name="robots"),
    path("robots/<int:pk>/", views.robot_detail, name="robot"),
    path("robots/<int:pk>/delete/", views.robot_delete, name="robot-delete"),
    path("robots/<int:pk>/active/", views.robot_toggle, name="robot-toggle"),
    path("robots/<int:pk>/deliveries/<int:delivery_id>/replay/", views.robot_replay, name="robot-replay"),
]
