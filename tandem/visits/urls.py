from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.checkin_page, name="checkin"),
    path("day/", views.day, name="day"),
    path("<int:pk>/check-out/", views.check_out, name="check-out"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/photo/", views.photo, name="photo"),
]
