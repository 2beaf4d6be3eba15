from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="lead-list"),
    path("new/", views.lead_create, name="lead-create"),
    path("bulk/", views.lead_bulk, name="lead-bulk"),
    path("<int:pk>/", views.lead_detail, name="lead-detail"),
    path("<int:pk>/edit/", views.lead_edit, name="lead-edit"),
    path("<int:pk>/qualify/", views.lead_qualify, name="lead-qualify"),
    path("<int:pk>/unqualify/", views.lead_unqualify, name="lead-unqualify"),
    path("<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("<int:pk>/delete/", views.lead_delete, name="lead-delete"),
]
