"""Web routes of projects: projects:list, projects:detail, projects:create, projects:edit, and the
project page's POST endpoints (tasks, drag, sections, milestones, members, links)."""

from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_edit, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/archive/", views.project_archive, name="archive"),
    path("<int:pk>/tasks/", views.task_create, name="task-create"),
    path("<int:pk>/tasks/<int:link_id>/move/", views.task_move, name="task-move"),
    path("<int:pk>/tasks/<int:link_id>/status/", views.task_status, name="task-status"),
    path("<int:pk>/sections/", views.section_add, name="section-add"),
    path("<int:pk>/sections/<int:section_id>/", views.section_change, name="section-change"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone-add"),
    path("<int:pk>/milestones/<int:milestone_id>/", views.milestone_change, name="milestone-change"),
    path("<int:pk>/members/", views.member_add, name="member-add"),
    path("<int:pk>/members/<int:user_id>/remove/", views.member_remove, name="member-remove"),
    path("<int:pk>/links/<str:resource>/<int:record_id>/", views.record_link, name="record-link"),
]
