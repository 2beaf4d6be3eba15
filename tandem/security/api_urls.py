from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tokens", api.TokenViewSet, basename="tokens")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", api.TokenLoginView.as_view(), name="auth-token"),
    *router.urls,
]
