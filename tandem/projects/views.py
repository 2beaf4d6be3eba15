"""Pages of projects: the list (mine or all I may see, by status, with progress), the project
page with its tabs (board, list, timeline, milestones, members, linked accounts and deals), the
create and edit forms, and the small POST endpoints the tabs use (drag on the board included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from tandem.core import access, history, webforms
from tandem.core.listing import BoundedPaginator
from tandem.customers.models import Account
from tandem.deals.models import Deal
from tandem.tasks.models import TaskStatus

from . import selectors, services
from .forms import MemberForm, MilestoneForm, ProjectForm, SectionForm, TaskForm
from .models import Milestone, Project, ProjectSection, ProjectStatus, ProjectTask

PER_PAGE = 25
TABS = ("board", "list", "timeline", "milestones", "members", "links", "history")
HISTORY_LIMIT = 50
SEARCH_LIMIT = 10


def _require_projects(actor: access.Actor) -> None:
    if not actor.has("project", "view"):
        raise Http404


def project_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_projects(actor)
    box = request.GET.get("box") or "mine"
    if box not in ("mine", "all"):
        box = "mine"
    status = request.GET.get("status") or ""
    if status not in ProjectStatus.values and status != "open":
        status = ""
    q = (request.GET.get("q") or "").strip()[:100]
    rows = selectors.project_list(actor, box="mine" if box == "mine" else "", status=status, q=q)
    page_obj = BoundedPaginator(rows, PER_PAGE).get_page(request.GET.get("page") or 1)
    projects = list(page_obj.object_list)
    return render(
        request,
        "projects/project_list.html",
        {
            "rows": [(p, selectors.progress_of(p)) for p in projects],
            "page_obj": page_obj,
            "box": box,
            "tabs": [("mine", _("My projects")), ("all", _("All I may see"))],
            "status": status,
            "statuses": ProjectStatus.choices,
            "q": q,
            "may_create": access.can(actor, "create", "project"),
        },
    )


def project_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = access.get_actor(request)
    _require_projects(actor)
    project = selectors.project_for(actor, pk) if pk is not None else None
    if project is None:
        access.require(actor, "create", "project")
        initial: dict[str, Any] = {"owner": actor.id, "status": ProjectStatus.PLANNED}
    else:
        access.require(actor, "edit", "project", project)
        initial = ProjectForm.initial_for(project)
    form = ProjectForm(webforms.posted(request), initial=initial, actor=actor, project=project)
    return webforms.form_page(
        request,
        form=form,
        template="projects/project_form.html",
        context={"form": form, "project": project},
        save=lambda: services.project_save(actor=actor, project=project, data=form.service_data()),
        success=lambda p: _("Project “%(name)s” saved.") % {"name": p.name},
    )


@require_POST
def project_archive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    project = selectors.project_for(actor, pk)
    services.project_archive(actor=actor, project=project)
    messages.success(request, _("Project “%(name)s” moved to the recycle bin.") % {"name": project.name})
    return redirect("projects:list")


def _tab_url(project: Project, tab: str) -> str:
    return f"{reverse('projects:detail', args=[project.pk])}?tab={tab}"


def _detail(
    request: HttpRequest, project: Project, tab: str, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    actor = access.get_actor(request)
    may_edit = access.can(actor, "edit", "project", project)
    people = services.people_of(project)
    context: dict[str, Any] = {
        "project": project,
        "progress": selectors.progress_of(project),
        "tab": tab,
        "tabs": [
            ("board", _("Board"), "bi-kanban"),
            ("list", _("List"), "bi-list-check"),
            ("timeline", pgettext("project tab", "Timeline"), "bi-bar-chart-steps"),
            ("milestones", _("Milestones"), "bi-flag"),
            ("members", _("Members"), "bi-people"),
            ("links", _("Accounts and deals"), "bi-link-45deg"),
            ("history", _("History"), "bi-clock-history"),
        ],
        "may_edit": may_edit,
        "may_archive": access.can(actor, "delete", "project", project),
        "statuses": TaskStatus.choices,
        "people": people,
        "now": timezone.now(),
        "today": timezone.localdate(),
    }
    forms = forms or {}
    if tab in ("board", "list"):
        context["task_form"] = forms.get("task") or TaskForm(
            project=project, people=people, initial={"assignee": actor.id}
        )
        context["section_form"] = forms.get("section") or SectionForm()
    if tab == "board":
        context["columns"] = selectors.board(actor, project)
    elif tab == "list":
        context["links"] = list(selectors.task_links(actor, project))
    elif tab == "timeline":
        context["timeline"] = selectors.timeline(actor, project)
    elif tab == "milestones":
        context["milestones"] = list(project.milestones.order_by("position", "due_on", "id"))
        context["milestone_form"] = forms.get("milestone") or MilestoneForm()
    elif tab == "members":
        context["member_form"] = forms.get("member") or MemberForm(project=project)
        context["members"] = list(
            project.memberships.select_related("user").order_by("user__display_name", "id")
        )
    elif tab == "history":
        context["history"] = list(history.entries_for(project)[:HISTORY_LIMIT])
        context["history_object"] = project
    elif tab == "links":
        q = (request.GET.get("q") or "").strip()[:100]
        context["q"] = q
        context["accounts"] = list(
            access.visible(actor, "account", project.accounts.all()).order_by("name", "id")[:100]
        )
        context["deals"] = list(
            access.visible(actor, "deal", project.deals.select_related("account")).order_by("name", "id")[
                :100
            ]
        )
        if q and may_edit:
            context["found_accounts"] = list(
                access.visible(actor, "account", Account.objects.filter(name__icontains=q))
                .exclude(pk__in=[a.pk for a in context["accounts"]])
                .order_by("name", "id")[:SEARCH_LIMIT]
            )
            context["found_deals"] = list(
                access.visible(actor, "deal", Deal.objects.filter(name__icontains=q))
                .exclude(pk__in=[d.pk for d in context["deals"]])
                .order_by("name", "id")[:SEARCH_LIMIT]
            )
    return render(request, "projects/project_detail.html", context, status=status)


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_projects(actor)
    project = selectors.project_for(actor, pk)
    tab = request.GET.get("tab") or "board"
    if tab not in TABS:
        tab = "board"
    return _detail(request, project, tab)


def _editable(request: HttpRequest, pk: int) -> tuple[access.Actor, Project]:
    actor = access.get_actor(request)
    project = selectors.project_for(actor, pk)
    if not access.can(actor, "edit", "project", project):
        raise PermissionDenied
    return actor, project


def _post_form(
    request: HttpRequest,
    pk: int,
    *,
    tab: str,
    key: str,
    build: Callable[[Project], Any],
    save: Callable[[access.Actor, Project, Any], Any],
    done: str,
) -> HttpResponse:
    actor, project = _editable(request, pk)
    form = build(project)
    if form.is_valid():
        try:
            save(actor, project, form)
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        else:
            messages.success(request, done)
            return redirect(_tab_url(project, tab))
    return _detail(request, project, tab, {key: form}, status=400)


@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    tab = "list" if request.POST.get("tab") == "list" else "board"
    return _post_form(
        request,
        pk,
        tab=tab,
        key="task",
        build=lambda p: TaskForm(request.POST, project=p, people=services.people_of(p)),
        save=lambda actor, p, form: services.task_create(actor=actor, project=p, data=form.cleaned_data),
        done=_("Task added."),
    )


def _link(project: Project, link_id: int) -> ProjectTask:
    return get_object_or_404(ProjectTask.objects.select_related("task"), pk=link_id, project=project)


@require_POST
def task_move(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    """The board's drag: ``section`` (an id, or empty for no section) and ``index`` in that column."""
    actor, project = _editable(request, pk)
    link = _link(project, link_id)
    raw = request.POST.get("section") or ""
    section = None
    try:
        if raw:
            section = ProjectSection.objects.get(pk=int(raw), project=project)
        index = int(request.POST.get("index") or 0)
    except (ValueError, ProjectSection.DoesNotExist):
        return JsonResponse({"ok": False, "message": _("Select a valid choice.")}, status=400)
    try:
        services.task_move(actor=actor, project=project, link=link, section=section, index=index)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "message": " ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True, "message": _("Task moved.")})


@require_POST
def task_status(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    actor, project = _editable(request, pk)
    link = _link(project, link_id)
    try:
        services.task_set_status(
            actor=actor, project=project, link=link, status=request.POST.get("status") or ""
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(webforms.safe_next(request, _tab_url(project, "list")))


@require_POST
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(
        request,
        pk,
        tab="board",
        key="section",
        build=lambda p: SectionForm(request.POST),
        save=lambda actor, p, form: services.section_add(
            actor=actor, project=p, name=form.cleaned_data["name"]
        ),
        done=_("Section added."),
    )


def _section(project: Project, section_id: int) -> ProjectSection:
    return get_object_or_404(ProjectSection, pk=section_id, project=project)


@require_POST
def section_change(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    """Rename (``name``), move left or right (``move=left|right``) or delete (``delete``) a section."""
    actor, project = _editable(request, pk)
    section = _section(project, section_id)
    try:
        if "delete" in request.POST:
            services.section_delete(actor=actor, section=section)
            messages.success(request, _("Section deleted; its tasks are now under no section."))
        elif request.POST.get("move") in ("left", "right"):
            order = list(project.sections.order_by("position", "id").values_list("pk", flat=True))
            i = order.index(section.pk)
            j = i - 1 if request.POST["move"] == "left" else i + 1
            if 0 <= j < len(order):
                order[i], order[j] = order[j], order[i]
                services.section_reorder(actor=actor, project=project, order=order)
        else:
            services.section_rename(actor=actor, section=section, name=request.POST.get("name") or "")
            messages.success(request, _("Section renamed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_tab_url(project, "board"))


@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(
        request,
        pk,
        tab="milestones",
        key="milestone",
        build=lambda p: MilestoneForm(request.POST),
        save=lambda actor, p, form: services.milestone_save(
            actor=actor, project=p, milestone=None, data=form.cleaned_data
        ),
        done=_("Milestone added."),
    )


@require_POST
def milestone_change(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    actor, project = _editable(request, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
    if "delete" in request.POST:
        services.milestone_delete(actor=actor, milestone=milestone)
        messages.success(request, _("Milestone deleted."))
    else:
        services.milestone_set_met(actor=actor, milestone=milestone, met=request.POST.get("met") == "1")
    return redirect(_tab_url(project, "milestones"))


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(
        request,
        pk,
        tab="members",
        key="member",
        build=lambda p: MemberForm(request.POST, project=p),
        save=lambda actor, p, form: services.member_add(
            actor=actor, project=p, user=form.cleaned_data["user"]
        ),
        done=_("Member added."),
    )


@require_POST
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    actor, project = _editable(request, pk)
    membership = get_object_or_404(project.memberships, user_id=user_id)
    services.member_remove(actor=actor, project=project, user=membership.user)
    messages.success(request, _("Member removed."))
    return redirect(_tab_url(project, "members"))


@require_POST
def record_link(request: HttpRequest, pk: int, resource: str, record_id: int) -> HttpResponse:
    """Link (or with ``unlink`` unlink) an account or a deal."""
    actor, project = _editable(request, pk)
    model: Any = {"account": Account, "deal": Deal}.get(resource)
    if model is None:
        raise Http404
    if "unlink" in request.POST:
        record = get_object_or_404(model, pk=record_id)
        services.unlink_record(actor=actor, project=project, resource=resource, record=record)
        messages.success(request, _("Link removed."))
    else:
        record = access.get_visible_or_404(actor, resource, model.objects.all(), pk=record_id)
        services.link_record(actor=actor, project=project, resource=resource, record=record)
        messages.success(request, _("Linked."))
    return redirect(_tab_url(project, "links"))
