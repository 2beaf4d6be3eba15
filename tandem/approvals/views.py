"""Approval pages: waiting for me / submitted by me / history, one approval, and the flows
(administrators). Views parse, call one service or selector, and render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.core.dates import parse_day
from tandem.core.ids import parse_id
from tandem.deals.models import Pipeline, Stage
from tandem.org.models import Role, Team, User

from . import guards, selectors, services
from .models import ApprovalFlow, ApprovalStatus, ApproverKind, StepMode

PAGE_SIZE = 25


def approval_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    box = request.GET.get("box") or "waiting"
    if box not in ("waiting", "submitted", "history"):
        box = "waiting"
    status = request.GET.get("status", "")
    status = status if status in ApprovalStatus.values else ""
    guard = request.GET.get("guard", "")
    guard = guard if guards.get(guard) else ""
    since, until = parse_day(request.GET.get("since")), parse_day(request.GET.get("until"))
    qs = selectors.approval_list(
        actor=actor,
        box="all" if box == "history" else box,
        status=status,
        guard=guard,
        since=since if box == "history" else None,
        until=until if box == "history" else None,
    )
    if box == "history" and not status:
        qs = qs.exclude(status__in=["pending", "returned"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, guards.get(r.guard)) for r in page.object_list]
    return render(
        request,
        "approvals/approval_list.html",
        {
            "box": box,
            "page": page,
            "rows": [
                (r, g.summary(r.change) if g else r.summary, g.label if g else r.guard) for r, g in rows
            ],
            "waiting": selectors.waiting_count(actor),
            "statuses": ApprovalStatus.choices,
            "guard_choices": guards.choices(),
            "filters": {"status": status, "guard": guard, "since": since, "until": until},
        },
    )


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = access.get_actor(request)
    approval = selectors.approval_get(actor=actor, pk=pk)
    guard = guards.get(approval.guard)
    tasks = list(selectors.approval_tasks(approval))
    steps = []
    from .models import ApprovalStep

    known = {
        s.pk: s for s in ApprovalStep.objects.filter(pk__in=approval.step_ids).select_related("user", "role")
    }
    for index, step_id in enumerate(approval.step_ids):
        step = known.get(step_id)
        steps.append(
            {
                "index": index + 1,
                "step": step,
                "current": approval.is_open and index == approval.current_step,
                "tasks": [t for t in tasks if t.step_index == index],
            }
        )
    model = approval.content_type.model_class()
    record = model._base_manager.filter(pk=approval.object_id).first() if model else None
    record_visible = (
        record is not None and guard is not None and access.can(actor, "view", guard.resource, record)
    )
    return {
        "approval": approval,
        "summary": guard.summary(approval.change) if guard else approval.summary,
        "guard_label": guard.label if guard else approval.guard,
        "rows": guard.describe(approval.change) if guard else [],
        "steps": steps,
        "actions": list(selectors.approval_actions(approval)),
        "can_decide": selectors.can_decide(actor, approval),
        "is_submitter": approval.submitter_id == actor.id,
        "record": record,
        "record_visible": record_visible,
        "errors": {},
    }


def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "approvals/approval_detail.html", _detail_context(request, pk))


ACTIONS = ("approve", "reject", "return", "cancel", "resubmit", "comment")


@require_POST
def approval_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    actor = access.get_actor(request)
    approval = selectors.approval_get(actor=actor, pk=pk)
    text = request.POST.get("text", "")
    try:
        if action == "approve":
            services.request_approve(actor=actor, request=approval, comment=text)
            done = _("Approved.")
        elif action == "reject":
            services.request_reject(actor=actor, request=approval, reason=text)
            done = _("Rejected; the change is discarded.")
        elif action == "return":
            services.request_return(actor=actor, request=approval, comment=text)
            done = _("Returned to the submitter for changes.")
        elif action == "cancel":
            services.request_cancel(actor=actor, request=approval)
            done = _("Cancelled; the change is discarded.")
        elif action == "resubmit":
            services.request_resubmit(actor=actor, request=approval)
            done = _("Sent for approval again.")
        else:
            services.request_comment(actor=actor, request=approval, body=text)
            done = _("Comment added.")
    except ValidationError as exc:
        context = _detail_context(request, pk)
        context["errors"] = {"action": action, "messages": exc.messages}
        return render(request, "approvals/approval_detail.html", context, status=400)
    messages.success(request, done)
    return redirect("approvals:detail", pk=pk)


# --- Flows (administrators) -------------------------------------------------------------------

STEP_ROWS = 4


def flow_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.is_admin:
        raise PermissionDenied
    flows = list(selectors.flow_list(actor=actor))
    labels = dict(guards.choices())
    return render(
        request,
        "approvals/flow_list.html",
        {"flows": [(f, labels.get(f.guard, f.guard)) for f in flows]},
    )


def _decimal(value: str) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a number.")) from exc


def _parse_flow(post: Any) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {
        "name": post.get("name", ""),
        "names": {"zh-hans": post.get("name_zh", "").strip()} if post.get("name_zh", "").strip() else {},
        "guard": post.get("guard", ""),
        "is_active": bool(post.get("is_active")),
    }
    for field in ("min_amount", "min_discount"):
        try:
            data[field] = _decimal(post.get(field, ""))
        except ValidationError as exc:
            errors[field] = exc.messages
    for field, default in (("priority", 100), ("reminder_hours", 24)):
        raw = post.get(field, "").strip()
        if raw.isascii() and raw.isdigit() and int(raw) <= 32767:
            data[field] = int(raw)
        elif raw:
            errors[field] = [_("Enter a whole number.")]
        else:
            data[field] = default
    team_id, pipeline_id = parse_id(post.get("team")), parse_id(post.get("pipeline"))
    data["team"] = Team.objects.filter(pk=team_id).first() if team_id else None
    data["pipeline"] = Pipeline.objects.filter(pk=pipeline_id).first() if pipeline_id else None
    data["stages"] = list(
        Stage.objects.filter(pk__in=[i for i in map(parse_id, post.getlist("stages")) if i])
    )
    steps = []
    for i in range(STEP_ROWS):
        kind = post.get(f"step-{i}-kind", "")
        if not kind:
            continue
        raw_user, raw_role, raw_level = (post.get(f"step-{i}-{f}", "") for f in ("user", "role", "level"))
        user_id, role_id = parse_id(raw_user), parse_id(raw_role)
        step = {
            "approver_kind": kind,
            "user": User.objects.filter(pk=user_id, is_active=True).first() if user_id else None,
            "role": Role.objects.filter(pk=role_id).first() if role_id else None,
            # Out of 1–10 (or not a number) is the service's to refuse with its message.
            "level": min(parse_id(raw_level) or 0, 11) if raw_level.strip() else 1,
            "mode": post.get(f"step-{i}-mode", StepMode.ANY),
        }
        try:
            step["min_discount"] = _decimal(post.get(f"step-{i}-min_discount", ""))
            step["min_amount"] = _decimal(post.get(f"step-{i}-min_amount", ""))
        except ValidationError as exc:
            errors.setdefault("steps", []).extend(exc.messages)
        steps.append(step)
    return data, steps, errors


def _chosen(request: HttpRequest, flow: ApprovalFlow | None) -> dict[str, Any]:
    """The team, pipeline and stages the form shows selected: as posted, else the flow's."""
    if request.method == "POST":
        post = request.POST
        return {
            "team": parse_id(post.get("team")),
            "pipeline": parse_id(post.get("pipeline")),
            "stages": {i for i in map(parse_id, post.getlist("stages")) if i},
        }
    if flow is None:
        return {"team": None, "pipeline": None, "stages": set()}
    return {"team": flow.team_id, "pipeline": flow.pipeline_id, "stages": {s.pk for s in flow.stages.all()}}


def flow_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.is_admin:
        raise PermissionDenied
    flow = ApprovalFlow.objects.filter(pk=pk).first() if pk else None
    if pk and flow is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        data, steps, errors = _parse_flow(request.POST)
        if not errors:
            try:
                saved = services.flow_save(actor=actor, flow=flow, data=data, steps=steps)
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                messages.success(
                    request, _("Approval flow %(name)s was saved.") % {"name": saved.display_name}
                )
                return redirect("approvals:flows")
        status = 400
    current_steps = list(flow.steps.order_by("order", "id")) if flow else []
    step_rows = [current_steps[i] if i < len(current_steps) else None for i in range(STEP_ROWS)]
    return render(
        request,
        "approvals/flow_form.html",
        {
            "flow": flow,
            "name_zh": (flow.names or {}).get("zh-hans", "") if flow else "",
            "post": request.POST if request.method == "POST" else None,
            "errors": errors,
            "guard_choices": guards.choices(),
            "teams": Team.objects.order_by("path"),
            "pipelines": Pipeline.objects.order_by("order", "id"),
            "stages": Stage.objects.select_related("pipeline").order_by("pipeline", "order"),
            "chosen": _chosen(request, flow),
            "people": User.objects.filter(is_active=True).order_by("display_name")[:500],
            "roles": Role.objects.order_by("code"),
            "kinds": ApproverKind.choices,
            "modes": StepMode.choices,
            "step_rows": list(enumerate(step_rows)),
        },
        status=status,
    )
