"""Web routes of record teams: the team card's actions, member roles, my default team."""

from django.urls import path

from . import views

app_name = "recordteams"

urlpatterns = [
    path("people/", views.people_options, name="people-options"),
    path("roles/", views.role_list, name="role-list"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role-edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role-delete"),
    path("default-team/", views.default_team, name="default-team"),
    path("default-team/<int:pk>/remove/", views.default_team_remove, name="default-team-remove"),
    path("<str:kind>/<int:pk>/", views.team_card, name="team"),
    path("<str:kind>/<int:pk>/add/", views.member_add, name="member-add"),
    path("<str:kind>/<int:pk>/<int:user_id>/change/", views.member_change, name="member-change"),
    path("<str:kind>/<int:pk>/<int:user_id>/remove/", views.member_remove, name="member-remove"),
]
