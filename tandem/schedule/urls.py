"""Web routes of the calendar: schedule:calendar, schedule:items, schedule:event-detail, ..."""

from django.urls import path

from . import views

app_name = "schedule"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("items/", views.items, name="items"),
    path("team/", views.team_week, name="team"),
    path("workload/", views.workload_page, name="workload"),
    path("workload/capacity/<int:user_id>/", views.capacity, name="capacity"),
    path("subscription/", views.subscription, name="subscription"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/move/", views.move, name="move"),
    path("events/<int:pk>/respond/", views.event_respond, name="respond"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("events/<int:pk>/delete/", views.event_delete, name="delete"),
    path("upcoming/<str:resource>/<int:record_id>/", views.upcoming, name="upcoming"),
]
