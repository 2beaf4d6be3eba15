from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from tandem.core import views as core_views

api_v1 = [
    path("", include("tandem.org.api_urls")),
    path("", include("tandem.security.api_urls")),
    path("", include("tandem.imports.api_urls")),
    path("", include("tandem.customers.api_urls")),
    path("", include("tandem.deals.api_urls")),
    path("", include("tandem.leads.api_urls")),
    path("", include("tandem.activities.api_urls")),
    path("", include("tandem.assignment.api_urls")),
    path("", include("tandem.kpis.api_urls")),
    path("", include("tandem.targets.api_urls")),
    path("", include("tandem.forecasts.api_urls")),
    path("", include("tandem.analytics.api_urls")),
    path("", include("tandem.insights.api_urls")),
    path("", include("tandem.recordteams.api_urls")),
    path("", include("tandem.handoffs.api_urls")),
    path("", include("tandem.reports.api_urls")),
    path("", include("tandem.discussions.api_urls")),
    path("", include("tandem.approvals.api_urls")),
    path("", include("tandem.notifications.api_urls")),
    path("", include("tandem.tasks.api_urls")),
    path("", include("tandem.projects.api_urls")),
    path("", include("tandem.schedule.api_urls")),
    path("", include("tandem.meetings.api_urls")),
    path("", include("tandem.visits.api_urls")),
]

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("", include("tandem.core.urls")),
    # Prometheus (token or address allow-list); answered by core.middleware.ProbeMiddleware.
    path("metrics", core_views.metrics, name="metrics"),
    path("org/", include("tandem.org.urls")),
    path("auth/", include("tandem.security.urls")),
    path("imports/", include("tandem.imports.urls")),
    path("exports/", include("tandem.imports.export_urls")),
    path("customers/", include("tandem.customers.urls")),
    path("leads/", include("tandem.leads.urls")),
    path("follow-ups/", include("tandem.activities.urls")),
    path("search/", include("tandem.search.urls")),
    path("deals/", include("tandem.deals.urls")),
    path("assignment/", include("tandem.assignment.urls")),
    path("kpis/", include("tandem.kpis.urls")),
    path("targets/", include("tandem.targets.urls")),
    path("forecasts/", include("tandem.forecasts.urls")),
    path("analytics/", include("tandem.analytics.urls")),
    path("insights/", include("tandem.insights.urls")),
    path("record-teams/", include("tandem.recordteams.urls")),
    path("handoffs/", include("tandem.handoffs.urls")),
    path("reports/", include("tandem.reports.urls")),
    path("discussions/", include("tandem.discussions.urls")),
    path("approvals/", include("tandem.approvals.urls")),
    path("notifications/", include("tandem.notifications.urls")),
    path("tasks/", include("tandem.tasks.urls")),
    path("projects/", include("tandem.projects.urls")),
    path("calendar/", include("tandem.schedule.urls")),
    path("meetings/", include("tandem.meetings.urls")),
    path("visits/", include("tandem.visits.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    # The schema describes every operation: for signed-in people and token holders (401 otherwise).
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    # Swagger UI is a page for people: anonymous visitors are sent to sign in first.
    path(
        "api/docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema",
                authentication_classes=[SessionAuthentication],
                permission_classes=[IsAuthenticated],
            )
        ),
        name="api-docs",
    ),
]

handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
