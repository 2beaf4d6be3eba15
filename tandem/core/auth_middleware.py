from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase


class WebLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every web page needs a signed-in person unless marked ``@login_not_required``.

    The API authenticates inside DRF (tokens or session) and answers 401 itself.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
