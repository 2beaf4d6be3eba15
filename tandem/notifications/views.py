"""Pages of the notification channels: the bell's live count, preferences, webhooks, team robots."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.core.ids import parse_id
from tandem.org.models import Team

from . import preferences, selectors, services
from .forms import RobotForm, TargetForm


def _before(request: HttpRequest) -> tuple[datetime.datetime, int] | None:
    """The keyset position ``?before=<iso time>_<id>`` (the last row of the previous page)."""
    raw = request.GET.get("before", "")
    at_text, _sep, pk_text = raw.rpartition("_")
    at = parse_datetime(at_text) if at_text else None
    pk = parse_id(pk_text)
    return (at, pk) if at is not None and pk is not None else None


def _key(key: tuple[datetime.datetime, int] | None) -> str:
    return f"{key[0].isoformat()}_{key[1]}" if key else ""


def _errors(form: Any, exc: ValidationError) -> None:
    for field, messages_ in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        form.add_error(field if field in form.fields else None, messages_)


def badge(request: HttpRequest) -> HttpResponse:
    """The bell's unread count, polled by htmx (every 30 seconds and when the window regains focus)."""
    unread = selectors.unread_count(actor=access.get_actor(request))
    return render(request, "notifications/partials/_badge.html", {"unread": unread})


def preferences_page(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    assert actor.user is not None
    rows = preferences.all_channels(actor.user)
    if request.method == "POST":
        items = [
            {
                "kind": topic.kind,
                "in_app": request.POST.get(f"{topic.kind}-in_app") == "on",
                "email": request.POST.get(f"{topic.kind}-email") == "on",
                "digest": request.POST.get(f"{topic.kind}-digest") == "on",
            }
            for topic, _channels in rows
        ]
        services.preferences_set(actor=actor, items=items)
        messages.success(request, _("Notification settings saved."))
        return HttpResponseRedirect(reverse("notifications:preferences"))
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "has_email": bool(actor.user.email),
            # Team leaders and administrators also reach their teams' group robots from here.
            "robots": actor.is_admin or Team.objects.filter(leader_id=actor.user.pk).exists(),
        },
    )


# --- Webhooks (administrators) --------------------------------------------------------------


def _admin(request: HttpRequest) -> access.Actor:
    actor = access.get_actor(request)
    if not access.may_manage_webhooks(actor):
        raise PermissionDenied
    return actor


def webhook_list(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    form = TargetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                found = services.webhook_save(actor=actor, subscription=None, data=form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Webhook added. Copy its signing secret now."))
                return HttpResponseRedirect(reverse("notifications:webhook", args=[found.pk]) + "?secret=1")
        status = 400
    rows = list(selectors.webhooks(actor=actor)[:200])
    return render(request, "notifications/webhook_list.html", {"rows": rows, "form": form}, status=status)


def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    found = selectors.webhook_or_404(actor=actor, pk=pk)
    initial = {"name": found.name, "url": found.url, "event_types": found.event_types, "active": found.active}
    form = TargetForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.webhook_save(actor=actor, subscription=found, data=form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Webhook saved."))
                return HttpResponseRedirect(reverse("notifications:webhook", args=[found.pk]))
        status = 400
    rows, next_key = selectors.deliveries_page(actor=actor, subscription=found, before=_before(request))
    context = {
        "target": found,
        "form": form,
        "rows": rows,
        "next_key": _key(next_key),
        "show_secret": request.GET.get("secret") == "1",
        "replay_url": "notifications:replay",
    }
    return render(request, "notifications/webhook_detail.html", context, status=status)


@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    services.webhook_delete(actor=actor, subscription=selectors.webhook_or_404(actor=actor, pk=pk))
    messages.success(request, _("Webhook deleted."))
    return HttpResponseRedirect(reverse("notifications:webhooks"))


@require_POST
def delivery_replay(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    actor = _admin(request)
    found = selectors.webhook_or_404(actor=actor, pk=pk)
    delivery = selectors.deliveries(actor=actor, subscription=found).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    services.delivery_replay(actor=actor, delivery=delivery)
    messages.success(request, _("Delivery queued again."))
    return HttpResponseRedirect(reverse("notifications:webhook", args=[found.pk]))


# --- Team robots (administrators and team leaders) ------------------------------------------


def _robot_teams(actor: access.Actor) -> list[Team]:
    assert actor.user is not None
    teams = Team.objects.all() if actor.is_admin else Team.objects.filter(leader_id=actor.user.pk)
    return list(teams.order_by("path")[:500])


def robot_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    teams = _robot_teams(actor)
    if not teams:
        raise PermissionDenied
    form = RobotForm(request.POST or None, teams=teams)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            team = next(t for t in teams if t.pk == data.pop("team"))
            try:
                services.robot_save(actor=actor, robot=None, team=team, data=data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Robot added."))
                return HttpResponseRedirect(reverse("notifications:robots"))
        status = 400
    rows = list(selectors.robots(actor=actor)[:200])
    return render(request, "notifications/robot_list.html", {"rows": rows, "form": form}, status=status)


def robot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    found = selectors.robot_or_404(actor=actor, pk=pk)
    rows, next_key = selectors.deliveries_page(actor=actor, robot=found, before=_before(request))
    context = {
        "target": found,
        "rows": rows,
        "next_key": _key(next_key),
        "replay_url": "notifications:robot-replay",
    }
    return render(request, "notifications/robot_detail.html", context)


@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    services.robot_delete(actor=actor, robot=selectors.robot_or_404(actor=actor, pk=pk))
    messages.success(request, _("Robot removed."))
    return HttpResponseRedirect(reverse("notifications:robots"))


@require_POST
def robot_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a robot on or off (``active`` = "1" or "0")."""
    actor = access.get_actor(request)
    found = selectors.robot_or_404(actor=actor, pk=pk)
    services.robot_save(
        actor=actor, robot=found, team=found.team, data={"active": request.POST.get("active") == "1"}
    )
    messages.success(request, _("Robot saved."))
    return HttpResponseRedirect(reverse("notifications:robot", args=[found.pk]))


@require_POST
def robot_replay(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    actor = access.get_actor(request)
    found = selectors.robot_or_404(actor=actor, pk=pk)
    delivery = selectors.deliveries(actor=actor, robot=found).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    services.delivery_replay(actor=actor, delivery=delivery)
    messages.success(request, _("Delivery queued again."))
    return HttpResponseRedirect(reverse("notifications:robot", args=[found.pk]))
