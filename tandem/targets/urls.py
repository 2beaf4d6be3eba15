"""Web routes of targets: targets:mine, targets:person, targets:team, targets:company."""

from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("people/<int:pk>/", views.person, name="person"),
    path("team/<int:pk>/", views.team, name="team"),
    path("team/<int:pk>/cell/", views.team_cell, name="team-cell"),
    path("team/<int:pk>/action/", views.team_action, name="team-action"),
    path("company/", views.company, name="company"),
]
