from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("chart/", views.org_chart, name="chart"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
    path("positions/", views.positions, name="positions"),
    path("positions/<int:pk>/", views.position_detail, name="position-detail"),
    path("roles/", views.roles, name="roles"),
    path("transfers/", views.transfers, name="transfers"),
]
