"""Pages of team meetings: the list (upcoming, past, series), one meeting (agenda, last time's
open action items, minutes, decisions, action items, links), the meeting and series forms, and the
"Meetings" card of a deal or an account page. Every write goes through the services."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.core.ids import parse_id
from tandem.core.listing import BoundedPaginator
from tandem.customers.models import Account
from tandem.deals.models import Deal
from tandem.org.models import Team, User
from tandem.tasks.models import TaskStatus

from . import policies, services
from .forms import (
    ActionItemForm,
    AgendaItemForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    SeriesEditForm,
    SeriesForm,
)
from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingStatus

PER_PAGE = 25
RECORD_CARD_LIMIT = 10
STILL_OPEN = datetime.timedelta(days=7)


def _actor(request: HttpRequest) -> access.Actor:
    actor = access.get_actor(request)
    if not actor.has("meeting", "view"):
        raise Http404
    return actor


def _meeting(actor: access.Actor, pk: int) -> Meeting:
    return access.get_visible_or_404(
        actor, "meeting", Meeting.objects.select_related("team", "organizer", "series", "previous"), pk=pk
    )


def _teams(actor: access.Actor) -> QuerySet[Team]:
    """The teams the actor may hold meetings for (as services._require_team decides)."""
    scope = actor.scope_for("meeting", "create")
    if scope is None:
        return Team.objects.none()
    if scope == access.ALL:
        return Team.objects.order_by("path")
    ids = actor.subtree_team_ids if scope == access.SUBTREE else actor.team_ids
    return Team.objects.filter(pk__in=sorted(ids)).order_by("path")


def _people_of(team_ids: list[int]) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__team_id__in=team_ids, is_active=True)
        .distinct()
        .order_by("display_name")
    )


def meeting_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    tab = request.GET.get("tab") or "upcoming"
    if tab not in ("upcoming", "past", "series"):
        tab = "upcoming"
    now = timezone.now()
    team_id = parse_id(request.GET.get("team"))
    context: dict[str, Any] = {"tab": tab, "now": now, "team_id": team_id}
    if tab == "series":
        rows: Any = policies.visible_series(actor).select_related("team", "organizer").order_by("title", "id")
        if team_id:
            rows = rows.filter(team_id=team_id)
    else:
        qs = (
            services.visible_meetings(actor)
            .select_related("team", "organizer")
            .annotate(agenda_count=Count("agenda_items", distinct=True))
        )
        if team_id:
            qs = qs.filter(team_id=team_id)
        # A meeting that ended in the last week but is not yet marked held is still to be written
        # up: it stays with the upcoming ones.
        current = Q(ends_at__gte=now) | Q(status=MeetingStatus.PLANNED, ends_at__gte=now - STILL_OPEN)
        if tab == "upcoming":
            rows = qs.filter(current).order_by("starts_at", "id")
        else:
            rows = qs.exclude(current).order_by("-starts_at", "-id")
    paginator = BoundedPaginator(rows, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page") or 1)
    context.update(
        {
            "rows": list(page_obj.object_list),
            "page_obj": page_obj,
            "teams": Team.objects.filter(pk__in=sorted(actor.team_ids)).order_by("path"),
            "may_create": actor.has("meeting", "create"),
            "tabs": [
                ("upcoming", pgettext("meetings", "Upcoming")),
                ("past", pgettext("meetings", "Past")),
                ("series", _("Series")),
            ],
        }
    )
    return render(request, "meetings/meeting_list.html", context)


def _record_choices(actor: access.Actor, meeting: Meeting) -> list[tuple[str, str]]:
    """What an agenda item may be about: the meeting's deals and accounts, then the actor's own
    open deals (a short list; the API takes any record the actor sees)."""
    choices: list[tuple[str, str]] = []
    deals = access.visible(actor, "deal", Deal.objects.all())
    linked = deals.filter(meetings=meeting).order_by("name")[:20]
    mine = deals.filter(owner_id=actor.id, status="open").exclude(meetings=meeting).order_by("name")[:30]
    for deal in [*linked, *mine]:
        choices.append((f"deal:{deal.pk}", _("Deal: %(name)s") % {"name": deal.name}))
    for account in access.visible(actor, "account", Account.objects.filter(meetings=meeting)).order_by(
        "name"
    )[:20]:
        choices.append((f"account:{account.pk}", _("Account: %(name)s") % {"name": account.name}))
    return choices


def _detail_context(
    request: HttpRequest, actor: access.Actor, meeting: Meeting, **forms: Any
) -> dict[str, Any]:
    manage = policies.may_manage(actor, meeting)
    attendees = list(meeting.attendees.order_by("display_name", "id"))
    agenda = list(meeting.agenda_items.select_related("author", "presenter").order_by("position", "id"))
    carried = services.carry_over(meeting)
    action_items = list(
        meeting.action_items.select_related("task", "task__assignee").order_by("task__due_at", "id")
    )
    records = _record_choices(actor, meeting)
    deal_names = dict(
        access.visible(actor, "deal", Deal.objects.filter(meetings=meeting)).values_list("pk", "name")
    )
    account_names = dict(
        access.visible(actor, "account", Account.objects.filter(meetings=meeting)).values_list("pk", "name")
    )
    planned = meeting.status == MeetingStatus.PLANNED
    return {
        "meeting": meeting,
        "may_manage": manage,
        "planned": planned,
        "writable": meeting.status != MeetingStatus.CANCELLED,
        "attendees": attendees,
        "agenda": agenda,
        "carried": carried,
        "action_items": action_items,
        "decisions": list(meeting.decisions.all()),
        "deals": sorted(deal_names.items(), key=lambda x: x[1]),
        "accounts": sorted(account_names.items(), key=lambda x: x[1]),
        "record_names": {("deal", k): v for k, v in deal_names.items()}
        | {("account", k): v for k, v in account_names.items()},
        "agenda_form": forms.get("agenda_form") or AgendaItemForm(records=records),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "action_form": forms.get("action_form")
        or ActionItemForm(people=meeting.attendees.filter(is_active=True).order_by("display_name")),
        "minutes_form": forms.get("minutes_form") or MinutesForm(initial={"minutes": meeting.minutes}),
        "done_status": TaskStatus.DONE,
        "may_complete": {i.pk for i in [*carried.items, *action_items] if services.may_complete(actor, i)},
        "zone": meeting.time_zone,
        "now": timezone.now(),
        "other_zone": meeting.time_zone != getattr(actor.user, "time_zone", meeting.time_zone),
    }


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, actor, meeting))


def _rerender(
    request: HttpRequest, actor: access.Actor, meeting: Meeting, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request,
        "meetings/meeting_detail.html",
        _detail_context(request, actor, meeting, **forms),
        status=status,
    )


def _act(
    request: HttpRequest, meeting: Meeting, act: Callable[[], Any], done: str, anchor: str = ""
) -> HttpResponse:
    """Run a service; a refusal or a message goes to the page, never a 500."""
    try:
        act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("You may not do that."))
    else:
        if done:
            messages.success(request, done)
    return redirect(meeting.get_absolute_url() + anchor)


# --- The meeting and series forms --------------------------------------------------------------


def meeting_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk) if pk is not None else None
    if meeting is not None and not policies.may_manage(actor, meeting):
        raise PermissionDenied
    if meeting is None and not actor.has("meeting", "create"):
        raise PermissionDenied
    teams = _teams(actor)
    team_ids = [meeting.team_id] if meeting else list(teams.values_list("pk", flat=True))
    people = _people_of(team_ids)
    initial: dict[str, Any] = {}
    if meeting is not None:
        initial = {
            "title": meeting.title,
            "starts_at": meeting.starts_at.astimezone(timezone.get_current_timezone()),
            "duration_minutes": int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
            "place": meeting.place,
            "attendees": list(meeting.attendees.values_list("pk", flat=True)),
        }
    else:
        deal_id = parse_id(request.GET.get("deal"))
        if deal_id:
            found = access.visible(actor, "deal", Deal.objects.filter(pk=deal_id)).first()
            if found is not None:
                initial["title"] = _("Deal review: %(name)s") % {"name": found.name}
        first = teams.filter(pk__in=sorted(actor.team_ids)).first()
        if first is not None:
            initial["team"] = first.pk
    form = MeetingForm(
        webforms.posted(request), initial=initial, teams=teams, people=people, editing=meeting is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attendees = list(data["attendees"]) or None
        try:
            if meeting is None:
                deal_id = parse_id(request.POST.get("deal") or request.GET.get("deal"))
                meeting = services.meeting_create(
                    actor=actor,
                    team=data["team"],
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=form.ends_at(),
                    time_zone=getattr(actor.user, "time_zone", ""),
                    place=data["place"],
                    attendees=attendees,
                    deals=[deal_id] if deal_id else [],
                )
                messages.success(request, _("Meeting scheduled: it is on the attendees' calendars."))
            else:
                services.meeting_update(
                    actor=actor,
                    meeting=meeting,
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=form.ends_at(),
                    place=data["place"],
                    attendees=attendees if attendees is not None else list(_people_of([meeting.team_id])),
                )
                messages.success(request, _("Meeting saved."))
            return redirect(meeting)
        except ValidationError as exc:
            webforms.errors_onto(form, exc, extra=None)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


def _first_start(day: datetime.date, weekday: int, time: datetime.time, zone_name: str) -> datetime.datetime:
    day = day + datetime.timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(zone_name))


def series_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    if pk is not None:
        series = policies.visible_series(actor).select_related("team").filter(pk=pk).first()
        if series is None:
            raise Http404
        edit_form = SeriesEditForm(
            webforms.posted(request),
            initial={"title": series.title, "place": series.place, "active": series.active},
        )
        if request.method == "POST" and edit_form.is_valid():
            data = edit_form.cleaned_data
            try:
                services.series_update(
                    actor=actor,
                    series=series,
                    title=data["title"],
                    place=data["place"],
                    active=data["active"],
                )
            except ValidationError as exc:
                webforms.errors_onto(edit_form, exc)
            except PermissionDenied:
                edit_form.add_error(None, _("You may not do that."))
            else:
                messages.success(request, _("Series saved."))
                return redirect(f"{request.path}")
        upcoming = series.meetings.filter(ends_at__gte=timezone.now()).order_by("starts_at")[:8]
        return render(
            request,
            "meetings/series_form.html",
            {"form": edit_form, "series": series, "upcoming": list(upcoming), "now": timezone.now()},
        )
    if not actor.has("meeting", "create"):
        raise PermissionDenied
    teams = _teams(actor)
    first = teams.filter(pk__in=sorted(actor.team_ids)).first()
    form = SeriesForm(
        webforms.posted(request),
        teams=teams,
        initial={"team": first.pk if first else None, "starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        zone = getattr(actor.user, "time_zone", "") or "Asia/Shanghai"
        try:
            created = services.series_create(
                actor=actor,
                team=data["team"],
                title=data["title"],
                recurrence=services.weekly_rule(data["weekday"], data["interval"]),
                first_starts_at=_first_start(data["starts_on"], data["weekday"], data["time"], zone),
                duration_minutes=data["duration_minutes"],
                time_zone=zone,
                place=data["place"],
            )
        except ValidationError as exc:
            webforms.errors_onto(form, exc, on_top=("recurrence", "first_starts_at", "time_zone"))
        else:
            messages.success(request, _("Series started: its next meetings are on the calendar."))
            return redirect("meetings:series-edit", created.pk)
    return render(request, "meetings/series_form.html", {"form": form, "series": None})


# --- Actions on one meeting --------------------------------------------------------------------


@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    return _act(
        request,
        meeting,
        lambda: services.meeting_cancel(actor=actor, meeting=meeting),
        _("Meeting cancelled."),
    )


@require_POST
def meeting_held(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    minutes = request.POST.get("minutes")
    return _act(
        request,
        meeting,
        lambda: services.meeting_mark_held(actor=actor, meeting=meeting, minutes=minutes),
        _("Meeting marked held: the attendees have the minutes."),
    )


@require_POST
def minutes_save(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _rerender(request, actor, meeting, 400, minutes_form=form)
    return _act(
        request,
        meeting,
        lambda: services.minutes_write(actor=actor, meeting=meeting, minutes=form.cleaned_data["minutes"]),
        _("Minutes saved."),
        "#minutes",
    )


def _agenda_fragment(
    request: HttpRequest,
    actor: access.Actor,
    meeting: Meeting,
    form: AgendaItemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _detail_context(request, actor, meeting, agenda_form=form)
    return render(request, "meetings/partials/_agenda.html", context, status=status)


@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    form = AgendaItemForm(request.POST, records=_record_choices(actor, meeting))
    htmx = webforms.is_htmx(request)
    if form.is_valid():
        kind, _sep, raw_id = (form.cleaned_data["record"] or "").partition(":")
        try:
            services.agenda_add(
                actor=actor,
                meeting=meeting,
                title=form.cleaned_data["title"],
                notes=form.cleaned_data["notes"],
                record_type=kind,
                record_id=parse_id(raw_id),
            )
        except ValidationError as exc:
            webforms.errors_onto(form, exc, on_top=("record_id",))
        except PermissionDenied:
            form.add_error(None, _("You may not do that."))
        else:
            if htmx:
                return _agenda_fragment(request, actor, meeting)
            messages.success(request, _("Added to the agenda."))
            return redirect(meeting.get_absolute_url() + "#agenda")
    if htmx:
        return _agenda_fragment(request, actor, meeting, form, 400)
    return _rerender(request, actor, meeting, 400, agenda_form=form)


@require_POST
def agenda_order(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    ids = [i for i in (parse_id(v) for v in request.POST.getlist("item")) if i is not None]
    up = parse_id(request.POST.get("up"))
    if up is not None:
        # The keyboard alternative to dragging: "move up" swaps the item with the one above.
        ids = list(meeting.agenda_items.order_by("position", "id").values_list("pk", flat=True))
        if up in ids and ids.index(up) > 0:
            at = ids.index(up)
            ids[at - 1], ids[at] = ids[at], ids[at - 1]
    try:
        services.agenda_reorder(actor=actor, meeting=meeting, ids=ids)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("You may not do that."))
    if webforms.is_htmx(request):
        return _agenda_fragment(request, actor, meeting)
    return redirect(meeting.get_absolute_url() + "#agenda")


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda_items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    item.meeting = meeting
    return item


@require_POST
def agenda_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    item = _item(meeting, item_id)
    if webforms.is_htmx(request):
        try:
            services.agenda_remove(actor=actor, item=item)
        except (ValidationError, PermissionDenied):
            return _agenda_fragment(request, actor, meeting, status=403)
        return _agenda_fragment(request, actor, meeting)
    return _act(request, meeting, lambda: services.agenda_remove(actor=actor, item=item), "", "#agenda")


@require_POST
def agenda_done(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    item = _item(meeting, item_id)
    done = request.POST.get("done") == "1"
    try:
        services.agenda_update(actor=actor, item=item, done=done)
    except (ValidationError, PermissionDenied):
        if webforms.is_htmx(request):
            return _agenda_fragment(request, actor, meeting, status=403)
        messages.error(request, _("You may not do that."))
    if webforms.is_htmx(request):
        return _agenda_fragment(request, actor, meeting)
    return redirect(meeting.get_absolute_url() + "#agenda")


@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _rerender(request, actor, meeting, 400, decision_form=form)
    return _act(
        request,
        meeting,
        lambda: services.decision_add(actor=actor, meeting=meeting, text=form.cleaned_data["text"]),
        _("Decision recorded."),
        "#decisions",
    )


@require_POST
def decision_remove(request: HttpRequest, pk: int, decision_id: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    found: Decision | None = meeting.decisions.filter(pk=decision_id).first()
    if found is None:
        raise Http404
    found.meeting = meeting
    return _act(
        request, meeting, lambda: services.decision_remove(actor=actor, decision=found), "", "#decisions"
    )


@require_POST
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    meeting = _meeting(actor, pk)
    form = ActionItemForm(request.POST, people=meeting.attendees.filter(is_active=True))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.action_item_add(
                actor=actor, meeting=meeting, title=data["title"], owner=data["owner"], due_on=data["due_on"]
            )
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do that."))
        else:
            messages.success(request, _("Action item added: it is a task for its owner."))
            return redirect(meeting.get_absolute_url() + "#action-items")
    return _rerender(request, actor, meeting, 400, action_form=form)


@require_POST
def action_item_done(request: HttpRequest, item_id: int) -> HttpResponse:
    """One click from the carry-over list or the action items: the task is done."""
    actor = _actor(request)
    item = ActionItem.objects.select_related("task", "meeting").filter(pk=item_id).first()
    if item is None or not access.can(actor, "view", "meeting", item.meeting):
        raise Http404
    target = webforms.safe_next(request, item.meeting.get_absolute_url())
    try:
        services.action_item_set_status(actor=actor, item=item, status=TaskStatus.DONE)
    except PermissionDenied:
        messages.error(request, _("You may not do that."))
    else:
        messages.success(request, _("Action item done."))
    return redirect(target)


# --- The card on a deal or an account page -----------------------------------------------------


def record_meetings(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """The "Meetings" card of a deal or account page (loaded by htmx): the visible meetings
    linking the record, upcoming first."""
    actor = access.get_actor(request)
    if kind not in ("deal", "account"):
        raise Http404
    model: Any = Deal if kind == "deal" else Account
    record = access.get_visible_or_404(actor, kind, model.objects.all(), pk=record_id)
    rows: list[Meeting] = []
    if actor.has("meeting", "view"):
        linked = Q(deals=record) if kind == "deal" else Q(accounts=record)
        rows = list(
            services.visible_meetings(actor)
            .filter(linked)
            .select_related("team")
            .order_by("-starts_at", "-id")[:RECORD_CARD_LIMIT]
        )
    return render(
        request,
        "meetings/partials/_record_card.html",
        {
            "rows": rows,
            "kind": kind,
            "record": record,
            "now": timezone.now(),
            "may_create": actor.has("meeting", "create") and kind == "deal",
        },
    )
