"""Shell pages: home, language switch, recycle bin, error pages, health check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, recycle
from .services import record_purge, record_restore


def home(request: HttpRequest) -> HttpResponse:
    from tandem.org.selectors import person_home_context
    from tandem.search.home import person_day_context

    actor = access.get_actor(request)
    context = {**person_home_context(actor=actor), **person_day_context(actor=actor)}
    return render(request, "core/home.html", context)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; remembered on the person (and in a cookie before sign-in)."""
    from django.conf import settings

    from tandem.org.services import profile_update

    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.user.is_authenticated:
        profile_update(actor=access.get_actor(request), data={"language": language})
    translation.activate(language)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


def recycle_bin(request: HttpRequest) -> HttpResponse:
    """Deleted records the person may restore (their delete scope), newest first, per kind."""
    actor = access.get_actor(request)
    groups = []
    for entry in recycle.REGISTRY.values():
        if not actor.has(entry.resource, "delete"):
            continue
        qs = access.visible(
            actor, entry.resource, entry.model._base_manager.filter(deleted_at__isnull=False), "delete"
        )
        items = list(qs.select_related("deleted_by").order_by("-deleted_at")[:100])
        groups.append({"key": entry.key, "label": entry.label, "items": items})
    if not groups:
        raise Http404
    return render(request, "core/recycle_bin.html", {"groups": groups})


def _binned(request: HttpRequest, kind: str, pk: int) -> Any:
    actor = access.get_actor(request)
    entry = recycle.get(kind)
    if entry is None:
        raise Http404
    qs = entry.model._base_manager.filter(deleted_at__isnull=False)
    return actor, access.get_visible_or_404(actor, entry.resource, qs, pk=pk)


@require_POST
def recycle_restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor, obj = _binned(request, kind, pk)
    record_restore(actor=actor, obj=obj)
    messages.success(request, _("%(name)s was restored.") % {"name": obj})
    return redirect("core:recycle-bin")


@require_POST
def recycle_purge(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor, obj = _binned(request, kind, pk)
    if not actor.is_admin:
        raise PermissionDenied
    name = str(obj)
    try:
        record_purge(actor=actor, obj=obj)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("core:recycle-bin")
    messages.success(request, _("%(name)s was deleted for good.") % {"name": name})
    return redirect("core:recycle-bin")


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Something went wrong on our side. It has been logged.")}, status=500
        )
    # No context processors: the failure may be in one of them.
    template = loader.get_template("500.html")
    return HttpResponse(template.render({"request_path": request.path}), status=500)


@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters, sort and columns as a named view (a tab on the list)."""
    from django.core.exceptions import ValidationError

    from .listing import saved_view_create

    actor = access.get_actor(request)
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    try:
        view = saved_view_create(
            actor=actor,
            resource=request.POST.get("resource", ""),
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            is_shared=request.POST.get("is_shared") == "on",
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    path = back.split("?", 1)[0]
    return HttpResponseRedirect(f"{path}?{view.query}" if view.query else path)


@require_POST
def saved_view_remove(request: HttpRequest, pk: int) -> HttpResponse:
    from .listing import saved_view_delete
    from .models import SavedView

    actor = access.get_actor(request)
    view = SavedView.objects.filter(pk=pk, owner=actor.user).first() if actor.user else None
    if view is None and actor.is_admin:
        view = SavedView.objects.filter(pk=pk).first()
    if view is None:
        raise Http404
    saved_view_delete(actor=actor, view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return HttpResponseRedirect(back.split("?", 1)[0])


# --- Notifications --------------------------------------------------------------------------

NOTIFICATION_LIMIT = 100
NOTIFICATION_MENU_LIMIT = 8


def _my_notifications(request: HttpRequest) -> Any:
    from .models import Notification

    return Notification.objects.filter(recipient_id=request.user.pk)


def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first (the latest ``NOTIFICATION_LIMIT``)."""
    unread_only = request.GET.get("unread") == "1"
    qs = _my_notifications(request)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    items = list(qs.order_by("-created_at", "-id")[:NOTIFICATION_LIMIT])
    return render(
        request,
        "core/notifications.html",
        {"items": items, "unread_only": unread_only, "limit": NOTIFICATION_LIMIT},
    )


def notifications_menu(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown (loaded by htmx when it opens): the latest few notifications."""
    items = list(_my_notifications(request).order_by("-created_at", "-id")[:NOTIFICATION_MENU_LIMIT])
    return render(request, "core/partials/_notifications_menu.html", {"items": items})


def _safe(request: HttpRequest, url: str, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points (or back to the list)."""
    from django.utils import timezone

    item = _my_notifications(request).filter(pk=pk).first()
    if item is None:
        raise Http404
    if item.read_at is None:
        _my_notifications(request).filter(pk=pk).update(read_at=timezone.now())
    if request.POST.get("stay") == "1":
        return HttpResponseRedirect(_safe(request, request.POST.get("next", ""), "/notifications/"))
    return HttpResponseRedirect(_safe(request, item.url, "/notifications/"))


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    count = _my_notifications(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications marked read."))
    return HttpResponseRedirect(_safe(request, request.POST.get("next", ""), "/notifications/"))
