"""Pages of the calendar (日程): the FullCalendar page and its JSON range and move endpoints, the
team week, workload (负荷) with capacities, events (form, detail, answers, cancel, delete), a
record's upcoming events card, the subscription page and the iCalendar feed itself."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.org.models import Team, User

from . import feed, selectors, services, workload
from .forms import CapacityForm, EventForm, validate_window
from .models import CalendarFeed, EventKind, EventStatus, Response

KIND_COLOURS = {
    "visit": "#2fb344",
    "meeting": "#206bc4",
    "call": "#f76707",
    "training": "#ae3ec9",
    "team_building": "#d63939",
    "other": "#667382",
    "task": "#f59f00",
}


def _require_calendar(actor: access.Actor) -> None:
    if not actor.has("event", "view"):
        raise Http404


def _zone(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _filters(request: HttpRequest, actor: access.Actor) -> dict[str, Any]:
    """Kind, team and (for people who see others' calendars) person, from the query string."""
    kinds = [k for k in request.GET.getlist("kind") if k in (*EventKind.values, "task")]
    teams = workload.teams_for(actor)
    team = None
    raw_team = request.GET.get("team") or ""
    if raw_team.isdigit():
        team = next((t for t in teams if t.pk == int(raw_team)), None)
    person = None
    raw_person = request.GET.get("person") or ""
    if raw_person.isdigit() and teams:
        person = User.objects.filter(pk=int(raw_person), memberships__team__in=teams).distinct().first()
        if person is None and int(raw_person) == actor.id:
            person = actor.user
    return {"kinds": kinds, "team": team, "person": person, "teams": teams}


def calendar(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    filters = _filters(request, actor)
    people: list[Any] = []
    if filters["team"] is not None:
        people = workload.people_for(actor, filters["team"])
    query = request.GET.urlencode()
    return render(
        request,
        "schedule/calendar.html",
        {
            **filters,
            "people": people,
            "kind_choices": [
                (value, label, KIND_COLOURS[value])
                for value, label in [*EventKind.choices, ("task", _("Tasks"))]
            ],
            "colours": KIND_COLOURS,
            "items_url": reverse("schedule:items") + (f"?{query}" if query else ""),
            "fc_locale": "zh-cn" if (get_language() or "").startswith("zh") else "en",
            "time_zone": str(_zone(actor.user)),
            "may_create": actor.has("event", "create"),
        },
    )


def _iso(value: datetime.datetime, tz: zoneinfo.ZoneInfo, all_day: bool) -> str:
    local = value.astimezone(tz)
    return local.date().isoformat() if all_day else local.isoformat(timespec="minutes")


def items(request: HttpRequest) -> JsonResponse:
    """The visible items of ``[start, end)`` as FullCalendar event objects, in the person's zone."""
    actor = access.get_actor(request)
    _require_calendar(actor)
    try:
        start, end = validate_window(request.GET.get("start"), request.GET.get("end"))
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    filters = _filters(request, actor)
    people = [filters["person"].pk] if filters["person"] is not None else None
    found = selectors.occurrences(
        actor, start, end, people=people, team=filters["team"], kinds=filters["kinds"] or None
    )
    tz = _zone(actor.user)
    rows = []
    for item in found:
        editable = (
            item.event is not None
            and item.status != EventStatus.CANCELLED
            and services.may_edit(actor, item.event)
        )
        start_value = item.start
        end_value = item.end
        if item.all_day and item.event is not None:
            # All-day events are stored midnight to midnight in their own zone: show those days.
            etz = zoneinfo.ZoneInfo(item.event.time_zone)
            start_text = start_value.astimezone(etz).date().isoformat()
            end_text = end_value.astimezone(etz).date().isoformat()
        elif item.all_day:
            start_text = end_text = _iso(start_value, tz, True)
        else:
            start_text, end_text = _iso(start_value, tz, False), _iso(end_value, tz, False)
        classes = [f"fc-kind-{item.kind}"]
        if item.status == EventStatus.CANCELLED:
            classes.append("fc-cancelled")
        if item.is_task and item.task.due_at and item.task.due_at < timezone.now():
            classes.append("fc-overdue")
        rows.append(
            {
                "id": item.key,
                "title": item.title if not item.is_task else f"☐ {item.title}",
                "start": start_text,
                "end": None if item.is_task else end_text,
                "allDay": item.all_day,
                "url": item.url,
                "color": KIND_COLOURS.get(item.kind, "#667382"),
                "editable": editable,
                "classNames": classes,
                "extendedProps": {
                    "kind": item.kind,
                    "place": item.place,
                    "cancelled": item.status == EventStatus.CANCELLED,
                    "moveUrl": reverse("schedule:move", args=[item.event.pk])
                    if editable and item.event
                    else "",
                    "occurrence": item.occurrence.isoformat()
                    if item.occurrence and item.event and item.event.recurrence
                    else "",
                },
            }
        )
    return JsonResponse(rows, safe=False)


def _instant(raw: str | None, tz: datetime.tzinfo) -> datetime.datetime | None:
    """An ISO instant, or a wall-clock time or a day (midnight) in ``tz``; None when unreadable."""
    text = (raw or "").strip().replace(" ", "+")
    if not text:
        return None
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            return None
        value = datetime.datetime.combine(day, datetime.time(0))
    return value.replace(tzinfo=tz) if timezone.is_naive(value) else value


@require_POST
def move(request: HttpRequest, pk: int) -> JsonResponse:
    """Drag or resize on the calendar: JSON in, JSON out; a refusal changes nothing."""
    actor = access.get_actor(request)
    _require_calendar(actor)
    event = selectors.event_for(actor, pk)
    all_day = request.POST.get("all_day") == "1"
    tz = zoneinfo.ZoneInfo(event.time_zone) if all_day else _zone(actor.user)
    starts_at = _instant(request.POST.get("start"), tz)
    ends_at = _instant(request.POST.get("end"), tz)
    occurrence = _instant(request.POST.get("occurrence"), datetime.UTC)
    if starts_at is None:
        return JsonResponse({"detail": _("Give a start and an end after it.")}, status=400)
    if ends_at is None and all_day:
        ends_at = starts_at + datetime.timedelta(days=1)
    try:
        services.event_move(
            actor=actor,
            event=event,
            starts_at=starts_at,
            ends_at=ends_at,
            all_day=all_day,
            occurrence=occurrence,
        )
    except PermissionDenied:
        return JsonResponse(
            {"detail": _("Only the organizer or their manager may move this event.")}, status=403
        )
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    return JsonResponse({"detail": _("Event moved.")})


def _occurrence(request: HttpRequest) -> datetime.datetime | None:
    return _instant(request.GET.get("occurrence") or request.POST.get("occurrence"), datetime.UTC)


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    event = selectors.event_for(actor, pk)
    occurrence = _occurrence(request) if event.recurrence else None
    start = occurrence or event.starts_at
    mine = next((a for a in event.attendees.all() if a.user_id == actor.id), None)
    record = services.record_of(event)
    from tandem.discussions.registry import KINDS

    record_visible = record is not None and KINDS[event.record_type].can_view(actor, record)
    from tandem.core import history

    return render(
        request,
        "schedule/event_detail.html",
        {
            "event": event,
            "occurrence": occurrence,
            "start": start,
            "end": start + (event.ends_at - event.starts_at),
            "tz": zoneinfo.ZoneInfo(event.time_zone),
            "mine": mine,
            "may_edit": services.may_edit(actor, event) and event.status != EventStatus.CANCELLED,
            "may_delete": services.may_edit(actor, event),
            "record": record if record_visible else None,
            "responses": [
                (Response.ACCEPTED, _("Accept")),
                (Response.TENTATIVE, _("Maybe")),
                (Response.DECLINED, _("Decline")),
            ],
            "history": history.entries_for(event).select_related("actor")[:20],
        },
    )


def _event_form(request: HttpRequest, *, event: Any = None) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    occurrence = _occurrence(request) if event is not None and event.recurrence else None
    whole = request.GET.get("scope") != "one" and request.POST.get("scope") != "one"
    one = occurrence is not None and not whole
    if event is None:
        if not actor.has("event", "create"):
            raise PermissionDenied
        tz = _zone(actor.user)
        begin = _instant(request.GET.get("start"), tz)
        if begin is None:
            now = timezone.now().astimezone(tz)
            begin = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        elif begin.astimezone(tz).time() == datetime.time(0):
            begin = begin.astimezone(tz).replace(hour=9)
        initial: dict[str, Any] = {
            "kind": request.GET.get("kind")
            if request.GET.get("kind") in EventKind.values
            else EventKind.MEETING,
            "starts_at": begin.astimezone(tz).replace(tzinfo=None),
            "ends_at": (begin + datetime.timedelta(hours=1)).astimezone(tz).replace(tzinfo=None),
            "time_zone": str(tz),
            "record_type": request.GET.get("record_type") or "",
            "record_id": request.GET.get("record_id") or None,
            "repeat_interval": 1,
        }
    else:
        if not services.may_edit(actor, event):
            raise PermissionDenied
        initial = EventForm.initial_for(event, occurrence if one else None)
    form = EventForm(webforms.posted(request), initial=initial, actor=actor, occurrence=one)
    context = {"form": form, "event": event, "occurrence": occurrence, "one": one}

    def save() -> Any:
        data = form.service_data()
        people = list(form.cleaned_data.get("attendees") or [])
        contacts = list(form.cleaned_data.get("contacts") or [])
        if event is None:
            return services.event_create(actor=actor, data=data, attendees=people, contacts=contacts)
        if one:
            assert occurrence is not None
            return services.occurrence_update(actor=actor, series=event, original_start=occurrence, data=data)
        return services.event_update(actor=actor, event=event, data=data, attendees=people, contacts=contacts)

    return webforms.form_page(
        request,
        form=form,
        template="schedule/event_form.html",
        context=context,
        save=save,
        success=lambda e: _("Event saved: %(title)s.") % {"title": e.title},
    )


def event_create(request: HttpRequest) -> HttpResponse:
    return _event_form(request)


def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    return _event_form(request, event=selectors.event_for(actor, pk))


@require_POST
def event_respond(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    event = selectors.event_for(actor, pk)
    try:
        services.event_respond(actor=actor, event=event, response=request.POST.get("response") or "")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your answer is sent."))
    return redirect(webforms.safe_next(request, event.get_absolute_url()))


@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    event = selectors.event_for(actor, pk)
    occurrence = _occurrence(request) if request.POST.get("scope") == "one" else None
    try:
        services.event_cancel(actor=actor, event=event, occurrence=occurrence)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(event)
    messages.success(request, _("Event cancelled: the attendees are told."))
    return redirect(event)


@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    event = selectors.event_for(actor, pk)
    services.event_delete(actor=actor, event=event)
    messages.success(request, _("Event deleted."))
    return redirect("schedule:calendar")


def upcoming(request: HttpRequest, resource: str, record_id: int) -> HttpResponse:
    """A record's "Upcoming events" card (loaded by htmx on account, contact and deal pages)."""
    from tandem.discussions.registry import get_record_or_404

    actor = access.get_actor(request)
    _kind, record = get_record_or_404(actor, resource, record_id)
    found = selectors.upcoming_for_record(actor, resource, record.pk) if actor.has("event", "view") else []
    return render(
        request,
        "schedule/partials/_upcoming.html",
        {
            "items": found,
            "resource": resource,
            "record": record,
            "may_create": actor.has("event", "create"),
            "tz": _zone(actor.user),
        },
    )


# --- Team week and workload ----------------------------------------------------------------------


def _week(request: HttpRequest, actor: access.Actor) -> datetime.date:
    try:
        return workload.parse_week(request.GET.get("week"), str(_zone(actor.user)))
    except ValidationError:
        return workload.parse_week(None, str(_zone(actor.user)))


def _team_choice(request: HttpRequest, actor: access.Actor) -> tuple[list[Team], Team | None]:
    teams = workload.teams_for(actor)
    raw = request.GET.get("team") or ""
    team = next((t for t in teams if str(t.pk) == raw), None)
    if team is None and teams:
        primary = next((t for t in teams if t.pk in actor.team_ids), None)
        team = primary or teams[0]
    return teams, team


def team_week(request: HttpRequest) -> HttpResponse:
    """A week grid, a row per person of the team, each cell that day's items (server-rendered)."""
    actor = access.get_actor(request)
    _require_calendar(actor)
    week = _week(request, actor)
    teams, team = _team_choice(request, actor)
    people = workload.people_for(actor, team)
    tz = _zone(actor.user)
    start, end = workload.week_bounds(week, str(tz))
    days = [week + datetime.timedelta(days=i) for i in range(7)]
    found = selectors.occurrences(actor, start, end, people=[p.pk for p in people])
    grid: dict[int, list[list[Any]]] = {p.pk: [[] for _d in days] for p in people}
    for item in found:
        first = item.start.astimezone(tz).date()
        last = (
            (item.end - datetime.timedelta(seconds=1)).astimezone(tz).date()
            if item.end > item.start
            else first
        )
        for pk in item.person_ids:
            if pk not in grid:
                continue
            for i, day in enumerate(days):
                if first <= day <= last:
                    grid[pk][i].append(item)
    rows = [(p, grid[p.pk]) for p in people]
    return render(
        request,
        "schedule/team_week.html",
        {
            "teams": teams,
            "team": team,
            "rows": rows,
            "days": days,
            "week": week,
            "today": timezone.now().astimezone(tz).date(),
            "previous": (week - datetime.timedelta(days=7)).isoformat(),
            "next": (week + datetime.timedelta(days=7)).isoformat(),
            "week_label": f"{week.isocalendar().year}-W{week.isocalendar().week:02d}",
            "tz": tz,
            "colours": KIND_COLOURS,
        },
    )


def workload_page(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    week = _week(request, actor)
    teams, team = _team_choice(request, actor)
    people = workload.people_for(actor, team)
    loads = workload.load_for(people, week)
    rows = [(p, loads[p.pk], services.may_set_capacity(actor, p)) for p in people]
    return render(
        request,
        "schedule/workload.html",
        {
            "teams": teams,
            "team": team,
            "rows": rows,
            "week": week,
            "week_end": week + datetime.timedelta(days=6),
            "previous": (week - datetime.timedelta(days=7)).isoformat(),
            "next": (week + datetime.timedelta(days=7)).isoformat(),
            "week_label": f"{week.isocalendar().year}-W{week.isocalendar().week:02d}",
            "overloaded": sum(1 for _p, load, _m in rows if load.overloaded),
        },
    )


@require_POST
def capacity(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    person = get_object_or_404(User, pk=user_id, is_active=True)
    if not services.may_set_capacity(actor, person):
        raise Http404
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        services.capacity_set(actor=actor, user=person, **form.cleaned_data)
        messages.success(request, _("Capacity saved for %(name)s.") % {"name": person})
    return redirect(webforms.safe_next(request, reverse("schedule:workload")))


# --- Subscription and feed ------------------------------------------------------------------------


def subscription(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_calendar(actor)
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_revoke(actor=actor)
            messages.success(request, _("Calendar feed revoked: the old address no longer works."))
        else:
            services.feed_regenerate(actor=actor)
            messages.success(request, _("A new calendar feed address is ready; any old one no longer works."))
        return redirect("schedule:subscription")
    live = services.live_feed(actor.user)
    return render(
        request,
        "schedule/subscription.html",
        {"feed": live, "feed_url": feed.feed_url(live) if live else ""},
    )


@login_not_required
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The secret feed: no login; unknown or revoked answers the same bare 404."""
    found = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        return HttpResponse(status=404, content_type="text/plain")
    response = HttpResponse(feed.build(found.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tandem.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
