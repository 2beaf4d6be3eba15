"""Web routes of the pipeline: deals:deal-list, deals:board, deals:deal-detail, deals:product-list, ..."""

from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="deal-list"),
    path("bulk/", views.deal_bulk, name="deal-bulk"),
    path("new/", views.deal_create, name="deal-create"),
    path("board/", views.board, name="board"),
    path("board/column/<int:stage_pk>/", views.board_column, name="board-column"),
    path("form/contacts/", views.deal_form_contacts, name="deal-form-contacts"),
    path("form/accounts/", views.account_search, name="account-search"),
    path("<int:pk>/", views.deal_detail, name="deal-detail"),
    path("<int:pk>/edit/", views.deal_edit, name="deal-edit"),
    path("<int:pk>/move/", views.deal_move, name="deal-move"),
    path("<int:pk>/stage/", views.deal_stage, name="deal-stage"),
    path("<int:pk>/close/", views.deal_close, name="deal-close"),
    path("<int:pk>/forecast-category/", views.deal_forecast_category, name="deal-forecast-category"),
    path("<int:pk>/follow-up/", views.deal_follow_up, name="deal-follow-up"),
    path("<int:pk>/reassign/", views.deal_reassign, name="deal-reassign"),
    path("<int:pk>/delete/", views.deal_delete, name="deal-delete"),
    path("products/", views.product_list, name="product-list"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("products/<int:pk>/toggle/", views.product_toggle, name="product-toggle"),
    path("pipelines/", views.pipeline_list, name="pipeline-list"),
    path("pipelines/new/", views.pipeline_create, name="pipeline-create"),
    path("pipelines/<int:pk>/edit/", views.pipeline_edit, name="pipeline-edit"),
    path("pipelines/<int:pk>/delete/", views.pipeline_delete, name="pipeline-delete"),
    path("pipelines/<int:pipeline_pk>/stages/new/", views.stage_create, name="stage-create"),
    path("stages/<int:pk>/edit/", views.stage_edit, name="stage-edit"),
    path("stages/<int:pk>/move/", views.stage_reorder, name="stage-reorder"),
    path("stages/<int:pk>/delete/", views.stage_delete, name="stage-delete"),
    path("lost-reasons/", views.lost_reason_list, name="lost-reason-list"),
    path("lost-reasons/new/", views.lost_reason_create, name="lost-reason-create"),
    path("lost-reasons/<int:pk>/edit/", views.lost_reason_edit, name="lost-reason-edit"),
    path("lost-reasons/<int:pk>/toggle/", views.lost_reason_toggle, name="lost-reason-toggle"),
]
