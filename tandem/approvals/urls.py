"""Web routes of approvals: approvals:list, approvals:detail, approvals:act, approvals:flows, ..."""

from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.approval_list, name="list"),
    path("<int:pk>/", views.approval_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.approval_act, name="act"),
    path("flows/", views.flow_list, name="flows"),
    path("flows/new/", views.flow_edit, name="flow-create"),
    path("flows/<int:pk>/", views.flow_edit, name="flow-edit"),
]
