"""Web routes of forecasts: forecasts:mine, forecasts:team, forecasts:adjust, forecasts:company."""

from django.urls import path

from . import views

app_name = "forecasts"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("team/<int:pk>/", views.team, name="team"),
    path("adjust/", views.adjust, name="adjust"),
    path("company/", views.company, name="company"),
]
