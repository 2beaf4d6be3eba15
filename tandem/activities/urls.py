from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="activity-list"),
    path("my-day/", views.my_day, name="my-day"),
    path("quick/", views.quick_create, name="quick-create"),
    path("<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("<int:pk>/delete/", views.activity_delete, name="activity-delete"),
]
