"""Web routes of handoffs: handoffs:list, handoffs:detail, handoffs:send, handoffs:figures, templates."""

from django.urls import path

from . import views

app_name = "handoffs"

urlpatterns = [
    path("", views.handoff_list, name="list"),
    path("<int:pk>/", views.handoff_detail, name="detail"),
    path("<int:pk>/accept/", views.handoff_accept, name="accept"),
    path("<int:pk>/reject/", views.handoff_reject, name="reject"),
    path("<int:pk>/cancel/", views.handoff_cancel, name="cancel"),
    path("<int:pk>/pick-up/", views.handoff_pick_up, name="pick-up"),
    path("send/<str:kind>/<int:record_id>/<int:template_id>/", views.handoff_send, name="send"),
    path("figures/", views.figures, name="figures"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_edit, name="template-create"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
]
