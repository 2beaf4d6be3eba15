from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("<int:pk>/", views.job_detail, name="job-detail"),
    path("<int:pk>/mapping/", views.job_mapping, name="job-mapping"),
    path("<int:pk>/sheet/", views.job_sheet, name="job-sheet"),
    path("<int:pk>/aliases/", views.job_aliases, name="job-aliases"),
    path("<int:pk>/dry-run/", views.job_dry_run, name="job-dry-run"),
    path("<int:pk>/commit/", views.job_commit, name="job-commit"),
    path("<int:pk>/retry/", views.job_retry, name="job-retry"),
    path("<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("<int:pk>/errors.csv", views.job_errors_csv, name="job-errors-csv"),
]
