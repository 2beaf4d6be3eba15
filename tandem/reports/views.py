"""Pages of work reports: write (from the draft), mine / received / my teams', one report with
its receipts, likes and comments, the missing reports, statistics, templates and rules."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, dates, webforms
from tandem.core.ids import parse_id
from tandem.core.listing import BoundedPaginator
from tandem.org.models import Team, User

from . import drafts, periods, selectors, services
from .defaults import default_template
from .forms import ReportForm, RuleForm, TemplateForm
from .models import Report, ReportKind, ReportLike, ReportRead, ReportStatus, ReportTemplate, SubmissionRule

PER_PAGE = 25


def _actor(request: HttpRequest) -> access.Actor:
    actor = access.get_actor(request)
    if actor.user is None or not actor.has("report", "view"):
        raise Http404
    return actor


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind") or ReportKind.DAILY
    return kind if kind in ReportKind.values else ReportKind.DAILY


def _day(request: HttpRequest, user: Any, name: str = "date") -> datetime.date:
    """The day asked for; the person's today when none, or one not between 1900 and 2100."""
    return dates.parse_day(request.GET.get(name)) or periods.today_for(user)


def report_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    box = request.GET.get("box") or "mine"
    if box not in selectors.BOXES:
        box = "mine"
    kind = request.GET.get("kind") or ""
    if kind not in ReportKind.values:
        kind = ""
    author_raw = request.GET.get("author") or ""
    author_id = int(author_raw) if author_raw.isdigit() and box == "team" else None
    qs = selectors.report_list(actor, box=box, kind=kind, author_id=author_id).annotate(
        n_likes=Count("likes", distinct=True)
    )
    paginator = BoundedPaginator(qs, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page") or 1)
    tabs = [("mine", _("My reports")), ("received", _("Received")), ("team", _("My teams' reports"))]
    return render(
        request,
        "reports/report_list.html",
        {
            "rows": list(page_obj.object_list),
            "page_obj": page_obj,
            "box": box,
            "tabs": tabs,
            "kind": kind,
            "kinds": ReportKind.choices,
            "author_id": author_id,
            "people": _people_followed(actor) if box == "team" else [],
        },
    )


def _people_followed(actor: access.Actor) -> list[User]:
    """The people whose reports the actor follows (the team filter's choices), at most 300."""
    ids = services.reach_people_ids(actor)
    ids.discard(actor.id or 0)
    return list(User.objects.filter(pk__in=sorted(ids), is_active=True).order_by("display_name", "id")[:300])


def report_write(request: HttpRequest) -> HttpResponse:
    """Choose kind and period; the form comes prefilled from the period's activity. An existing
    report of the period opens instead (a draft to edit, a sent one to read)."""
    actor = _actor(request)
    user = actor.user
    kind = _kind(request)
    day = _day(request, user)
    start, end = periods.period_for(kind, day)
    existing = Report.objects.filter(author_id=actor.id, kind=kind, period_start=start).first()
    if existing is not None:
        return redirect(
            "reports:edit" if existing.status == ReportStatus.DRAFT else "reports:detail", existing.pk
        )
    future = start > periods.today_for(user)
    draft = None if future else drafts.build(user, kind, day)
    template = draft.template if draft else default_template(kind)
    initial = {f"answer_{k}": v for k, v in (draft.answers if draft else {}).items()}
    form = ReportForm(request.POST or None, template=template, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(
                actor=actor,
                kind=kind,
                day=day,
                template=template,
                answers=form.answers(),
                recipients=form.cleaned_data["recipients"],
                recipient_teams=form.cleaned_data["recipient_teams"],
                submit="submit" in request.POST,
            )
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        else:
            messages.success(request, _("Report sent.") if report.is_submitted else _("Draft saved."))
            return redirect(report)
    return render(
        request,
        "reports/report_write.html",
        {
            "form": form,
            "kind": kind,
            "kinds": ReportKind.choices,
            "day": day,
            "start": start,
            "end": end,
            "future": future,
            "draft": draft,
            "figures": draft.figures if draft else {},
            "previous": draft.previous if draft else None,
            "previous_plan": draft.previous_plan if draft else [],
            "manager": user.manager if user is not None else None,
        },
        status=400 if request.method == "POST" else 200,
    )


def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    report = access.get_visible_or_404(
        actor, "report", Report.objects.select_related("template", "author"), pk=pk
    )
    if report.author_id != actor.id or report.status != ReportStatus.DRAFT:
        return redirect(report)
    initial = {f"answer_{k}": v for k, v in (report.answers or {}).items()}
    initial["recipients"] = list(report.recipients.all())
    initial["recipient_teams"] = list(report.recipient_teams.all())
    form = ReportForm(request.POST or None, template=report.template, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_update(
                actor=actor,
                report=report,
                answers=form.answers(),
                recipients=form.cleaned_data["recipients"],
                recipient_teams=form.cleaned_data["recipient_teams"],
                refresh_figures="refresh" in request.POST,
            )
            if "submit" in request.POST:
                report = services.report_submit(actor=actor, report=report)
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        else:
            if "refresh" in request.POST:
                messages.success(request, _("Figures read again."))
                return redirect("reports:edit", report.pk)
            messages.success(request, _("Report sent.") if report.is_submitted else _("Draft saved."))
            return redirect(report)
    previous = drafts.previous_report(report.author, report.kind, report.period_start)
    return render(
        request,
        "reports/report_write.html",
        {
            "form": form,
            "report": report,
            "kind": report.kind,
            "start": report.period_start,
            "end": report.period_end,
            "figures": report.figures or {},
            "previous": previous,
            "previous_plan": drafts.plan_of(previous),
            "manager": report.author.manager,
        },
        status=400 if request.method == "POST" else 200,
    )


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    report = access.get_visible_or_404(
        actor, "report", Report.objects.select_related("template", "author", "team"), pk=pk
    )
    if report.author_id == actor.id and report.status == ReportStatus.DRAFT:
        return redirect("reports:edit", report.pk)
    services.report_mark_read(actor=actor, report=report)
    reads = {r.user_id: r.read_at for r in ReportRead.objects.filter(report=report)}
    audience: dict[int, Any] = {u.pk: u for u in report.recipients.filter(is_active=True)}
    team_ids = list(report.recipient_teams.values_list("pk", flat=True))
    if team_ids:
        for u in User.objects.filter(is_active=True, memberships__team_id__in=team_ids).distinct()[:200]:
            audience.setdefault(u.pk, u)
    audience.pop(report.author_id, None)
    for uid in reads:
        if uid not in audience:
            found = User.objects.filter(pk=uid).first()
            if found is not None:
                audience[uid] = found
    receipts = sorted(
        ({"person": u, "read_at": reads.get(pk)} for pk, u in audience.items()),
        key=lambda r: (r["read_at"] is None, str(r["person"])),
    )
    likers = list(
        User.objects.filter(pk__in=ReportLike.objects.filter(report=report).values("user_id")).order_by(
            "display_name"
        )
    )
    sections = [
        {**s, "answer": (report.answers or {}).get(s["key"], "")} for s in report.template.section_list()
    ]
    previous = drafts.previous_report(report.author, report.kind, report.period_start)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "sections": sections,
            "figures": report.figures or {},
            "receipts": receipts,
            "read_count": sum(1 for r in receipts if r["read_at"]),
            "likers": likers,
            "liked": any(u.pk == actor.id for u in likers),
            "may_withdraw": services.may_withdraw(actor, report),
            "previous_plan": drafts.plan_of(previous),
        },
    )


@require_POST
def report_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    report = access.get_visible_or_404(actor, "report", Report.objects.all(), pk=pk)
    try:
        services.report_withdraw(actor=actor, report=report)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("You may not do this.")])))
        return redirect(report)
    messages.success(request, _("Report withdrawn: it is a draft again."))
    return redirect("reports:edit", report.pk)


@require_POST
def report_like(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    report = access.get_visible_or_404(actor, "report", Report.objects.select_related("author"), pk=pk)
    try:
        services.report_like(actor=actor, report=report, like=request.POST.get("like") != "0")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(report)


def _team_choices(actor: access.Actor) -> list[Team]:
    scope = actor.scope_for("report", "view")
    qs = Team.objects.filter(deleted_at__isnull=True)
    if scope != access.ALL:
        qs = qs.filter(pk__in=sorted(actor.subtree_team_ids if scope == access.SUBTREE else actor.team_ids))
    return list(qs.order_by("path"))


def _team_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("team") or ""
    return int(raw) if raw.isdigit() else None


def missing(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    kind = _kind(request)
    day = _day(request, actor.user)
    team_id = _team_id(request)
    rows = selectors.missing(actor, kind, day, team_id)
    start, end = periods.period_for(kind, day)
    prev_day = periods.previous_period_start(kind, start)
    next_day = end + periods.DAY
    return render(
        request,
        "reports/missing.html",
        {
            "rows": rows,
            "kind": kind,
            "kinds": ReportKind.choices,
            "day": day,
            "start": start,
            "end": end,
            "prev_day": prev_day,
            "next_day": next_day if next_day <= periods.today_for(actor.user) else None,
            "teams": _team_choices(actor),
            "team_id": team_id,
            "counts": {
                s: sum(1 for r in rows if r.state == s) for s in ("missing", "pending", "late", "on_time")
            },
        },
    )


@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    kind = request.POST.get("kind") or ""
    if kind not in ReportKind.values:
        raise Http404
    start = dates.parse_day(request.POST.get("period_start"))
    if start is None:
        raise Http404
    person = get_object_or_404(User, pk=parse_id(request.POST.get("person")) or 0, is_active=True)
    try:
        sent = services.remind(actor=actor, person=person, kind=kind, start=start)
    except PermissionDenied as exc:
        raise Http404 from exc
    if sent:
        messages.success(request, _("Reminder sent to %(name)s.") % {"name": person})
    else:
        messages.info(request, _("%(name)s was already reminded for this period.") % {"name": person})
    return redirect(
        f"{webforms.safe_next(request, '')}" or f"/reports/missing/?kind={kind}&date={start.isoformat()}"
    )


def statistics(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    kind = _kind(request)
    team_id = _team_id(request)
    try:
        n = max(2, min(int(request.GET.get("n") or 8), 26))
    except ValueError:
        n = 8
    stats = selectors.statistics(actor, kind, periods.today_for(actor.user), n, team_id)
    return render(
        request,
        "reports/statistics.html",
        {
            "stats": stats,
            "chart": {"labels": stats["labels"], "rate": stats["rate"], "on_time": stats["on_time"]},
            "kind": kind,
            "kinds": ReportKind.choices,
            "n": n,
            "teams": _team_choices(actor),
            "team_id": team_id,
        },
    )


# --- Administration --------------------------------------------------------------------------


def template_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    templates = ReportTemplate.objects.order_by("kind", "-is_default", "name", "id")
    return render(request, "reports/template_list.html", {"templates": templates})


def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    template = get_object_or_404(ReportTemplate, pk=pk) if pk else None
    initial = (
        TemplateForm.initial_for(template) if template else {"is_active": True, "kind": ReportKind.DAILY}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    return webforms.form_page(
        request,
        form=form,
        template="reports/template_form.html",
        context={"form": form, "template": template},
        save=lambda: services.template_save(actor=actor, template=template, data=form.data_for_service()),
        success=lambda t: _("Template “%(name)s” saved.") % {"name": t.display_name},
        done="reports:template-list",
    )


def rule_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    rules = SubmissionRule.objects.select_related("team", "role", "person").order_by("kind", "due_time", "id")
    return render(request, "reports/rule_list.html", {"rules": rules})


def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    rule = get_object_or_404(SubmissionRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    return webforms.form_page(
        request,
        form=form,
        template="reports/rule_form.html",
        context={"form": form, "rule": rule},
        save=lambda: services.rule_save(
            actor=actor, rule=rule, data={k: form.cleaned_data[k] for k in RuleForm.Meta.fields}
        ),
        success=lambda r: _("Submission rule saved."),
        done="reports:rule-list",
    )


@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    services.rule_delete(actor=actor, rule=get_object_or_404(SubmissionRule, pk=pk))
    messages.success(request, _("Submission rule deleted."))
    return redirect("reports:rule-list")
