"""A URLconf for service tests (``pytest.mark.urls``): the detail routes ``get_absolute_url`` names.

Service tests (notifications carry a record's URL) do not depend on the web layer being wired:
the real views and URLconf are tested by their own test files.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _stub(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(str(pk))


def _detail(prefix: str, name: str) -> object:
    return path(f"{prefix}/<int:pk>/", _stub, name=name)


customers = [
    _detail("accounts", "account-detail"),
    _detail("contacts", "contact-detail"),
    _detail("pools", "pool-detail"),
]
deals = [_detail("deals", "deal-detail")]
leads = [_detail("leads", "lead-detail")]

urlpatterns = [
    path("customers/", include((customers, "customers"))),
    path("deals/", include((deals, "deals"))),
    path("leads/", include((leads, "leads"))),
]
