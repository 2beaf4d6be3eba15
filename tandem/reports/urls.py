"""Web routes of work reports (reports:mine, reports:write, reports:detail, reports:missing, ...)."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="mine"),
    path("write/", views.report_write, name="write"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/withdraw/", views.report_withdraw, name="withdraw"),
    path("<int:pk>/like/", views.report_like, name="like"),
    path("missing/", views.missing, name="missing"),
    path("missing/remind/", views.remind, name="remind"),
    path("statistics/", views.statistics, name="statistics"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_edit, name="template-create"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_edit, name="rule-create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
]
