"""/api/v1/ routes of customers: api:accounts-list, api:contacts-detail, api:pools-list, ..."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("accounts", api.AccountViewSet, basename="accounts")
router.register("contacts", api.ContactViewSet, basename="contacts")
router.register("pools", api.PoolViewSet, basename="pools")

urlpatterns: list[URLPattern | URLResolver] = [
    path("duplicates/check/", api.DuplicateCheckView.as_view(), name="duplicates-check"),
    *router.urls,
]
