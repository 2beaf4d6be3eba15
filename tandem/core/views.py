"""Shell pages: home, language switch, recycle bin, error pages, health and metrics probes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, logs, recycle
from .ids import parse_id
from .services import record_purge, record_restore


def home(request: HttpRequest) -> HttpResponse:
    """The person's day, with the dashboard of their role (rep, manager, director; ``?view=``
    switches for someone who is more than one; ``?team=`` picks one of the teams a manager leads;
    ``?refresh=1`` computes the dashboard's figures now rather than read them kept)."""
    from tandem.insights.snapshots import home_dashboard
    from tandem.kpis.engine import remembering
    from tandem.org.selectors import person_home_context
    from tandem.search.home import person_day_context

    actor = access.get_actor(request)
    team = request.GET.get("team", "")
    with remembering():
        context = {
            **person_home_context(actor=actor),
            **person_day_context(actor=actor),
            **home_dashboard(
                actor,
                request.GET.get("view"),
                int(team) if team.isdigit() and len(team) < 10 else None,
                refresh=request.GET.get("refresh") == "1",
            ),
        }
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
    """Liveness: the process answers. Touches nothing else (core.health); see ``readyz``."""
    return JsonResponse({"status": "ok"})


@login_not_required
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache and broker answer, no migration pending; 503 otherwise."""
    from .health import readiness

    payload, ready = readiness()
    return JsonResponse(payload, status=200 if ready else 503)


@login_not_required
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a bearer token or an allowed address only (core.metrics)."""
    from tandem.security.lockout import client_ip

    from . import metrics as measured

    verdict = measured.allowed(
        authorization=request.headers.get("Authorization", ""), address=client_ip(request)
    )
    if verdict is None:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain; charset=utf-8")
    if not verdict:
        return HttpResponse("Forbidden.\n", status=403, content_type="text/plain; charset=utf-8")
    body, content_type = measured.export(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever a page says: the icon under its hashed name.

    Looked up per request (the manifest exists only after collectstatic, not when URLs load) and
    a temporary redirect: the hashed name changes when the icon does.
    """
    from django.templatetags.static import static

    return HttpResponseRedirect(static("img/favicon.svg"))


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """What a person may not do: the site's own page in their language, never a bare "403 Forbidden"."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # The request id: in the response header and in every log line of the request, so a person
    # quoting it leads to the log (and the Sentry event, tagged with it).
    reference = getattr(request, "request_id", None) or logs.current_request_id() or ""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Something went wrong on our side. It has been logged."), "reference": reference},
            status=500,
        )
    # No context processors: the failure may be in one of them.
    template = loader.get_template("500.html")
    return HttpResponse(template.render({"request_path": request.path, "reference": reference}), status=500)


@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters, sort and columns as a named view (a tab on the list)."""
    from django.core.exceptions import ValidationError

    from .listing import saved_view_create

    actor = access.get_actor(request)
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    # "Who sees it": only me (""), "everyone", or "team-<id>" for one of the person's teams.
    share = request.POST.get("share", "")
    team_id: int | None = None
    if share.startswith("team-"):
        team_id = parse_id(share.removeprefix("team-"))
        if team_id is None:
            messages.error(request, _("Choose one of your own teams."))
            return HttpResponseRedirect(back)
    try:
        view = saved_view_create(
            actor=actor,
            resource=request.POST.get("resource", ""),
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            is_shared=request.POST.get("is_shared") == "on" or share == "everyone",
            team_id=team_id,
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
    if view is None:
        raise Http404
    saved_view_delete(actor=actor, view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return HttpResponseRedirect(back.split("?", 1)[0])


def people_options(request: HttpRequest) -> HttpResponse:
    """<option>s of an owner filter: the people in the requester's scope for ``resource`` whose
    name matches ``q`` (the search beside the select when there are too many to list)."""
    from .listing import OWNER_OPTIONS

    actor = access.get_actor(request)
    resource = request.GET.get("resource", "")
    if resource not in access.RESOURCES or not actor.has(resource, "view"):
        raise Http404
    q = (request.GET.get("q") or "").strip()[:100]
    people = access.people_in_scope(actor, resource).only("id", "display_name", "username", "is_active")
    if q:
        people = people.filter(Q(display_name__icontains=q) | Q(username__icontains=q))
    return render(
        request,
        "core/partials/_people_options.html",
        {"people": list(people[:OWNER_OPTIONS]), "selected": request.GET.get("owner", "")},
    )


# --- Notifications --------------------------------------------------------------------------

NOTIFICATION_LIMIT = 100
NOTIFICATION_MENU_LIMIT = 8


def _my_notifications(request: HttpRequest) -> Any:
    from .models import Notification

    return Notification.objects.filter(recipient_id=request.user.pk)


def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, ``NOTIFICATION_LIMIT`` a page: keyset pages
    (``?before=<time>_<id>`` of the last row shown), so page 1,000 reads like page 1."""
    from django.db.models import Q
    from django.utils.dateparse import parse_datetime

    from .ids import parse_id

    unread_only = request.GET.get("unread") == "1"
    qs = _my_notifications(request)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    at_text, _sep, pk_text = request.GET.get("before", "").rpartition("_")
    try:
        at = parse_datetime(at_text) if at_text else None
    except ValueError:
        at = None
    pk = parse_id(pk_text)
    if at is not None and pk is not None:
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    items = list(qs.order_by("-created_at", "-id")[: NOTIFICATION_LIMIT + 1])
    more = len(items) > NOTIFICATION_LIMIT
    items = items[:NOTIFICATION_LIMIT]
    next_key = f"{items[-1].created_at.isoformat()}_{items[-1].pk}" if more else ""
    return render(
        request,
        "core/notifications.html",
        {"items": items, "unread_only": unread_only, "limit": NOTIFICATION_LIMIT, "next_key": next_key},
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
