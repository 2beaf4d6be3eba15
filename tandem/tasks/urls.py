"""Web routes of tasks: tasks:list, tasks:board, tasks:detail, tasks:create, tasks:move, ..."""

from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("board/", views.task_board, name="board"),
    path("new/", views.task_create, name="create"),
    path("quick-add/", views.task_quick_add, name="quick-add"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/status/", views.task_status, name="status"),
    path("<int:pk>/move/", views.task_move, name="move"),
    path("<int:pk>/delete/", views.task_delete, name="delete"),
    path(
        "<int:pk>/collaborators/<int:user_id>/remove/", views.collaborator_remove, name="collaborator-remove"
    ),
    path("<int:pk>/checklist/", views.checklist_add, name="checklist-add"),
    path("<int:pk>/checklist/<int:item_id>/toggle/", views.checklist_toggle, name="checklist-toggle"),
    path("<int:pk>/checklist/<int:item_id>/delete/", views.checklist_delete, name="checklist-delete"),
]
