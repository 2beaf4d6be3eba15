"""Web routes: analytics:index, analytics:records, analytics:export."""

from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("records/", views.records_view, name="records"),
    path("section/<slug:key>/", views.section_view, name="section"),
    path("export/<slug:section>/<slug:table>/", views.export_table, name="export"),
]
