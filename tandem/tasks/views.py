"""Pages of tasks: the list (my tasks, assigned by me, my team's) with filters, the board, one
task with its checklist, collaborators and comments, the create and edit form, and the small
POST endpoints the board and the checklist call."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, history, paging, webforms
from tandem.org.models import Team

from . import recurrence, selectors, services
from .forms import QuickAddForm, TaskForm
from .models import OPEN_STATUSES, ChecklistItem, Task, TaskLabel, TaskPriority, TaskStatus

PER_PAGE = 25
BOARD_COLUMN = 50
BOARD_CLOSED_DAYS = 14
# Service fields shown on the form under another name.
FORM_FIELD = {"due_at": "due_date", "recurrence": "repeat", "remind_minutes_before": "remind"}


def _actor(request: HttpRequest) -> access.Actor:
    actor = access.get_actor(request)
    if not actor.has("task", "view"):
        raise Http404
    return actor


def _task_or_404(actor: access.Actor, pk: int) -> Task:
    return access.get_visible_or_404(actor, "task", selectors.base(), pk=pk)


def _tabs(actor: access.Actor) -> list[tuple[str, str]]:
    tabs = [("mine", _("My tasks")), ("assigned", _("Assigned by me"))]
    if selectors.may_see_team(actor):
        tabs.append(("team", _("My team's tasks")))
    return tabs


def _due_filters() -> list[tuple[str, str]]:
    return [
        ("overdue", _("Overdue")),
        ("today", _("Due today")),
        ("week", _("Due this week")),
        ("none", _("No due date")),
    ]


def _listing(request: HttpRequest, actor: access.Actor, *, board: bool = False) -> dict[str, Any]:
    """The tab and filters of the list and the board, read from the query string (the board has
    a column per status instead of the status filter)."""
    tabs = _tabs(actor)
    tab = request.GET.get("tab") or "mine"
    if tab not in dict(tabs):
        tab = "mine"
    team_id: int | None = None
    teams: list[Team] = []
    if tab == "team":
        teams = list(Team.objects.filter(pk__in=selectors.team_ids_for(actor)).order_by("path"))
        raw = request.GET.get("team") or ""
        team_id = int(raw) if raw.isdigit() and int(raw) in {t.pk for t in teams} else None
    params: dict[str, Any] = {}
    status = "any" if board else request.GET.get("status", "open")
    if status in TaskStatus.values or status == "open":
        params["status"] = status
    elif status != "any":
        status = "open"
        params["status"] = status
    priority = request.GET.get("priority") or ""
    if priority in TaskPriority.values:
        params["priority"] = priority
    label = request.GET.get("label") or ""
    if label.isdigit() and len(label) < 19 and TaskLabel.objects.filter(pk=int(label)).exists():
        params["label"] = label
    else:
        label = ""
    due = request.GET.get("due") or ""
    if due in dict(_due_filters()):
        params["due"] = due
    else:
        due = ""
    qs = selectors.tab_filter(actor, selectors.visible_tasks(actor), tab, team_id)
    qs = selectors.apply_filters(actor, qs, params)
    return {
        "tabs": tabs,
        "tab": tab,
        "teams": teams,
        "team_id": team_id,
        "status": status,
        "priority": priority,
        "label": label,
        "due": due,
        "statuses": TaskStatus.choices,
        "priorities": TaskPriority.choices,
        "labels": list(selectors.labels()),
        "due_filters": _due_filters(),
        "queryset": qs,
        "now": timezone.now(),
    }


def task_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = _listing(request, actor)
    qs = context.pop("queryset").order_by("due_at", "id")
    keys = paging.ordering_keys(qs)
    assert keys is not None
    cursor = request.GET.get("after") or ""
    if cursor:
        try:
            position, _backwards = paging.decode(cursor, keys)
        except ValueError:
            position = None
        rows = paging.rows_after(qs, keys, position, PER_PAGE + 1) if position else list(qs[: PER_PAGE + 1])
    else:
        rows = list(paging.ordered(qs, keys)[: PER_PAGE + 1])
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    next_query = ""
    if more:
        query = request.GET.copy()
        query["after"] = paging.encode(paging.position_of(rows[-1], keys), backwards=False)
        next_query = query.urlencode()
    first_query = ""
    if cursor:
        query = request.GET.copy()
        query.pop("after", None)
        first_query = query.urlencode()
    return render(
        request,
        "tasks/task_list.html",
        {
            **context,
            "rows": rows,
            "next_query": next_query,
            "first_query": first_query,
            "quick_form": QuickAddForm(),
            "may_create": actor.has("task", "create"),
        },
    )


def task_board(request: HttpRequest) -> HttpResponse:
    """Columns by status; the closed columns show what closed in the last two weeks."""
    actor = _actor(request)
    context = _listing(request, actor, board=True)
    qs = context.pop("queryset")
    since = timezone.now() - datetime.timedelta(days=BOARD_CLOSED_DAYS)
    columns = []
    for code, label in TaskStatus.choices:
        column_qs = qs.filter(status=code)
        if code not in OPEN_STATUSES:
            column_qs = column_qs.filter(updated_at__gte=since)
        cards = list(column_qs.order_by("position", "id")[: BOARD_COLUMN + 1])
        columns.append(
            {"code": code, "label": label, "cards": cards[:BOARD_COLUMN], "more": len(cards) > BOARD_COLUMN}
        )
    return render(request, "tasks/task_board.html", {**context, "columns": columns, "board": True})


def _form_errors(form: TaskForm | QuickAddForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    renamed = {FORM_FIELD.get(k, k): v for k, v in exc.message_dict.items()}
    webforms.errors_onto(form, ValidationError(renamed), on_top=("record_type", "record_id"))


def task_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    access.require(actor, "create", "task")
    initial: dict[str, Any] = {"assignee": actor.id}
    record = None
    record_type = request.GET.get("record_type") or ""
    if record_type:
        try:
            record = services.linked_record(actor, record_type, request.GET.get("record_id"))
        except ValidationError:
            record = None
        else:
            initial.update(record_type=record_type, record_id=record.pk)
    form = TaskForm(webforms.posted(request), initial=initial, user=actor.user)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=actor, data=form.service_data())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Task created."))
            return redirect(webforms.safe_next(request, task.get_absolute_url()))
    return render(
        request,
        "tasks/task_form.html",
        {"form": form, "task": None, "record": record},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def task_quick_add(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    access.require(actor, "create", "task")
    form = QuickAddForm(request.POST)
    back = webforms.safe_next(request, reverse("tasks:list"))
    if form.is_valid():
        try:
            task = services.task_create(actor=actor, data=form.service_data(actor.user))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Task “%(title)s” added.") % {"title": task.title})
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(back)


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    task = _task_or_404(actor, pk)
    may_edit = services.may_edit(actor, task)
    form = None
    if may_edit:
        form = TaskForm(
            webforms.posted(request), initial=TaskForm.initial_for(task, actor.user), user=actor.user
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.task_update(actor=actor, task=task, data=form.service_data())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Task saved."))
                return redirect(task)
    elif request.method == "POST":
        raise PermissionDenied
    record_url, record_name = _record_link(actor, task)
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "form": form,
            "editing": request.method == "POST",
            "may_edit": may_edit,
            "may_work": may_edit or services.may_work(actor, task),
            "may_delete": services.may_delete(actor, task),
            "overdue": selectors.overdue(task),
            "repeats": recurrence.describe(task.recurrence),
            "record_url": record_url,
            "record_name": record_name,
            "statuses": TaskStatus.choices,
            "history": history.entries_for(task)[:30],
            "history_object": task,
        },
        status=400 if request.method == "POST" else 200,
    )


def _record_link(actor: access.Actor, task: Task) -> tuple[str, str]:
    """The linked record's page and name, when the actor may see it."""
    if not task.record_type or task.record_id is None:
        return "", ""
    try:
        record = services.linked_record(actor, task.record_type, task.record_id)
    except ValidationError:
        return "", ""
    from tandem.discussions.registry import KINDS

    return KINDS[task.record_type].url_of(record), str(record)


@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    task = _task_or_404(actor, pk)
    try:
        services.task_set_status(actor=actor, task=task, status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(webforms.safe_next(request, task.get_absolute_url()))


@require_POST
def task_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's drop: JSON in (status, after, before), JSON out; 400 / 403 / 404 cleanly."""
    actor = access.get_actor(request)
    if not actor.has("task", "view"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    task = selectors.visible_tasks(actor).filter(pk=pk).first()
    if task is None:
        return JsonResponse({"detail": _("Not found.")}, status=404)
    try:
        body = (
            json.loads(request.body or b"{}") if request.content_type == "application/json" else request.POST
        )
    except ValueError:
        return JsonResponse({"detail": _("The request could not be read.")}, status=400)
    if not isinstance(body, dict) and not hasattr(body, "get"):
        return JsonResponse({"detail": _("The request could not be read.")}, status=400)
    visible = selectors.visible_tasks(actor)

    def neighbour(key: str) -> Task | None:
        raw = str(body.get(key) or "")
        return visible.filter(pk=int(raw)).first() if raw.isdigit() and int(raw) < 2**63 else None

    try:
        task = services.task_move(
            actor=actor,
            task=task,
            status=str(body.get("status") or ""),
            after=neighbour("after"),
            before=neighbour("before"),
        )
    except PermissionDenied:
        return JsonResponse({"detail": _("You may not change this task.")}, status=403)
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    return JsonResponse({"id": task.pk, "status": task.status, "position": task.position})


@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    task = _task_or_404(actor, pk)
    services.task_delete(actor=actor, task=task)
    messages.success(request, _("Task deleted."))
    return redirect("tasks:list")


@require_POST
def collaborator_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    actor = _actor(request)
    task = _task_or_404(actor, pk)
    services.collaborator_remove(actor=actor, task=task, user_id=user_id)
    return redirect(task)


def _checklist(request: HttpRequest, actor: access.Actor, task: Task, error: str = "") -> HttpResponse:
    if not webforms.is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(task)
    return render(
        request,
        "tasks/partials/_checklist.html",
        {
            "task": task,
            "items": list(task.checklist.order_by("position", "id")),
            "may_edit": services.may_edit(actor, task),
            "may_work": services.may_work(actor, task),
            "checklist_error": error,
        },
        status=400 if error else 200,
    )


@require_POST
def checklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    task = _task_or_404(actor, pk)
    try:
        services.checklist_add(actor=actor, task=task, text=request.POST.get("text", ""))
    except ValidationError as exc:
        return _checklist(request, actor, task, " ".join(exc.messages))
    return _checklist(request, actor, task)


def _item(actor: access.Actor, pk: int, item_id: int) -> tuple[Task, ChecklistItem]:
    task = _task_or_404(actor, pk)
    item = get_object_or_404(ChecklistItem, task=task, pk=item_id)
    item.task = task
    return task, item


@require_POST
def checklist_toggle(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    actor = _actor(request)
    task, item = _item(actor, pk, item_id)
    services.checklist_update(actor=actor, item=item, done=not item.done)
    return _checklist(request, actor, task)


@require_POST
def checklist_delete(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    actor = _actor(request)
    task, item = _item(actor, pk, item_id)
    services.checklist_delete(actor=actor, item=item)
    return _checklist(request, actor, task)
