"""Field visits on the web: the phone-first check-in page and the manager's day view."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from tandem.core import access, dates, webforms
from tandem.org.forms import visible_teams
from tandem.org.models import Team

from . import photos, selectors, services
from .forms import CheckInForm, CheckOutForm, VisitEditForm
from .models import CheckIn

RECENT = 10


def _require_visits(actor: access.Actor) -> None:
    if not actor.has("checkin", "view"):
        raise Http404


def photo_response(checkin: CheckIn) -> FileResponse:
    """The stored photo with its sniffed type, never rendered as anything else."""
    media_type = photos.TYPES.get(checkin.photo_type, ("bin", "application/octet-stream"))[1]
    try:
        handle = checkin.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=media_type)
    response["Content-Disposition"] = (
        f'inline; filename="visit-{checkin.pk}.{photos.TYPES.get(checkin.photo_type, ("bin",))[0]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = access.get_actor(request)
    checkin = access.get_visible_or_404(actor, "checkin", CheckIn.objects.all(), pk=pk)
    if not checkin.photo:
        raise Http404
    return photo_response(checkin)


def checkin_page(request: HttpRequest) -> HttpResponse:
    """Check in (or, with a visit open, its card with check-out), and my latest visits."""
    actor = access.get_actor(request)
    _require_visits(actor)
    current = selectors.open_checkin(actor)
    planned = services.planned_visits(actor) if current is None else []
    form = CheckInForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        actor=actor,
        planned=planned,
    )
    if request.method == "POST" and current is None:
        if not actor.has("checkin", "create"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.checkin_start(
                    actor=actor,
                    account=data.get("account"),
                    event=data.get("event"),
                    position=form.position(),
                    note=data.get("note") or "",
                    photo=data.get("photo"),
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc, extra=None)
                form.mark_invalid()
            else:
                messages.success(request, _("Checked in."))
                return redirect("visits:checkin")
    elif request.method == "POST":
        return redirect("visits:checkin")
    recent = list(
        selectors.checkin_list(actor, user_id=actor.id).filter(checked_out_at__isnull=False)[:RECENT]
    )
    context = {
        "form": form,
        "current": current,
        "planned": planned,
        "recent": recent,
        "out_form": CheckOutForm(initial={"note": current.note}) if current else None,
        "edit_form": VisitEditForm(initial={"note": current.note}) if current else None,
        "max_mb": photos.max_bytes() // (1024 * 1024),
    }
    return render(request, "visits/checkin.html", context, status=400 if form.errors else 200)


def _own_open(request: HttpRequest, pk: int) -> tuple[access.Actor, CheckIn]:
    actor = access.get_actor(request)
    checkin = access.get_visible_or_404(actor, "checkin", CheckIn.objects.select_related("account"), pk=pk)
    return actor, checkin


@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    actor, checkin = _own_open(request, pk)
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check your input."))
        return redirect("visits:checkin")
    try:
        done = services.checkin_finish(
            actor=actor, checkin=checkin, position=form.position(), note=form.cleaned_data.get("note") or ""
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("visits:checkin")
    messages.success(
        request,
        _("Checked out of %(account)s after %(minutes)s min; the follow-up is logged.")
        % {"account": done.account.name, "minutes": done.duration_minutes or 0},
    )
    return redirect("visits:checkin")


@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor, checkin = _own_open(request, pk)
    form = VisitEditForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Check your input."))
        return redirect("visits:checkin")
    try:
        services.checkin_update(
            actor=actor, checkin=checkin, data={"note": form.cleaned_data.get("note") or ""}
        )
        if form.cleaned_data.get("photo") is not None:
            services.checkin_set_photo(actor=actor, checkin=checkin, photo=form.cleaned_data["photo"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("visits:checkin")
    messages.success(request, _("Saved."))
    return redirect("visits:checkin")


def _parse_day(raw: str | None) -> datetime.date:
    """The day asked for; today when none, or one that is not a date between 1900 and 2100."""
    return dates.parse_day(raw) or timezone.localdate()


def day(request: HttpRequest) -> HttpResponse:
    """The visits of one day (in the reader's zone) the reader may see, by team; a map of points."""
    actor = access.get_actor(request)
    _require_visits(actor)
    the_day = _parse_day(request.GET.get("date"))
    teams = list(visible_teams(actor)) if actor.has("team", "view") else []
    team: Team | None = None
    raw_team = request.GET.get("team") or ""
    if raw_team.isdigit():
        team = next((t for t in teams if t.pk == int(raw_team)), None)
    qs = selectors.checkin_list(actor, day=the_day, team=team)
    rows = list(qs[: selectors.DAY_LIMIT + 1])
    truncated = len(rows) > selectors.DAY_LIMIT
    rows = rows[: selectors.DAY_LIMIT]
    people: dict[str, list[list[Any]]] = {}
    for row in rows:
        for lat, lon, label in (
            (row.in_latitude, row.in_longitude, pgettext("visit map point", "in")),
            (row.out_latitude, row.out_longitude, pgettext("visit map point", "out")),
        ):
            if lat is not None and lon is not None:
                people.setdefault(str(row.user), []).append(
                    [float(lon), float(lat), f"{row.account.name} · {label}"]
                )
    summary = {
        "visits": len(rows),
        "people": len({r.user_id for r in rows}),
        "open": sum(1 for r in rows if r.is_open),
        "minutes": sum(r.duration_minutes or 0 for r in rows),
    }
    return render(
        request,
        "visits/day.html",
        {
            "day": the_day,
            "previous": the_day - datetime.timedelta(days=1),
            "next": the_day + datetime.timedelta(days=1),
            "today": timezone.localdate(),
            "teams": teams,
            "team": team,
            "rows": rows,
            "truncated": truncated,
            "summary": summary,
            "points": {
                "series": [{"name": k, "data": v} for k, v in people.items()],
                "lon": _("Longitude"),
                "lat": _("Latitude"),
            }
            if people
            else None,
        },
    )
