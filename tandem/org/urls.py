from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("chart/", views.org_chart, name="chart"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/transfer/", views.person_transfer, name="person-transfer"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person-reactivate"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team-edit"),
    path("teams/<int:pk>/delete/", views.team_delete, name="team-delete"),
    path("teams/<int:pk>/members/", views.team_member_add, name="team-member-add"),
    path("teams/<int:pk>/members/<int:user_pk>/remove/", views.team_member_remove, name="team-member-remove"),
    path(
        "teams/<int:pk>/members/<int:user_pk>/primary/", views.team_member_primary, name="team-member-primary"
    ),
    path("positions/", views.positions, name="positions"),
    path("positions/new/", views.position_create, name="position-create"),
    path("positions/<int:pk>/", views.position_detail, name="position-detail"),
    path("positions/<int:pk>/edit/", views.position_edit, name="position-edit"),
    path("positions/<int:pk>/delete/", views.position_delete, name="position-delete"),
    path("roles/", views.roles, name="roles"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role-edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role-delete"),
    path("transfers/", views.transfers, name="transfers"),
]
