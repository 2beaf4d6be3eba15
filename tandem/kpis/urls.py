"""Web routes of the KPI foundation (administrators): kpis:company-settings, kpis:exchange-rates,
kpis:kpi-list, ..."""

from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("settings/", views.company_settings_page, name="company-settings"),
    path("exchange-rates/", views.exchange_rates, name="exchange-rates"),
    path("exchange-rates/cell/", views.exchange_rate_cell, name="exchange-rate-cell"),
    path("", views.kpi_list, name="kpi-list"),
    path("new/", views.kpi_create, name="kpi-create"),
    path("<int:pk>/edit/", views.kpi_edit, name="kpi-edit"),
    path("<int:pk>/toggle/", views.kpi_toggle, name="kpi-toggle"),
    path("<int:pk>/delete/", views.kpi_delete, name="kpi-delete"),
]
