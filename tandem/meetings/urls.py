"""Web routes of team meetings."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_form, name="create"),
    path("series/new/", views.series_form, name="series-create"),
    path("series/<int:pk>/", views.series_form, name="series-edit"),
    path("record/<str:kind>/<int:record_id>/", views.record_meetings, name="record"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_form, name="edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/held/", views.meeting_held, name="held"),
    path("<int:pk>/minutes/", views.minutes_save, name="minutes"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/agenda/order/", views.agenda_order, name="agenda-order"),
    path("<int:pk>/agenda/<int:item_id>/remove/", views.agenda_remove, name="agenda-remove"),
    path("<int:pk>/agenda/<int:item_id>/done/", views.agenda_done, name="agenda-done"),
    path("<int:pk>/decisions/", views.decision_add, name="decision-add"),
    path("<int:pk>/decisions/<int:decision_id>/remove/", views.decision_remove, name="decision-remove"),
    path("<int:pk>/action-items/", views.action_item_add, name="action-item-add"),
    path("action-items/<int:item_id>/done/", views.action_item_done, name="action-item-done"),
]
