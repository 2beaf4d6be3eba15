"""Assignment rules web UI: list, create/edit with members, and the preview-then-assign page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.core.access import Actor

from . import services
from .forms import MemberFormSet, RuleForm
from .models import AssignmentLog, AssignmentRule, Resource

LOG_LIMIT = 50


def _managed(actor: Actor) -> list[str]:
    resources = [r for r in Resource.values if access.can(actor, "manage", r)]
    if not resources:
        raise PermissionDenied
    return resources


def _form_errors_from(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def rule_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    resources = _managed(actor)
    rules = (
        AssignmentRule.objects.filter(resource__in=resources)
        .annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__is_active=True, memberships__user__is_active=True)
            )
        )
        .order_by("resource", "order", "id")
    )
    rows = [{"rule": r, "conditions": services.describe_conditions(r)} for r in rules]
    return render(request, "assignment/rule_list.html", {"rows": rows, "can_run": _can_run(actor)})


def _can_run(actor: Actor) -> bool:
    return any(actor.has(r, "assign") for r in Resource.values)


def _members_initial(rule: AssignmentRule | None) -> list[dict[str, Any]]:
    if rule is None:
        return []
    return [
        {"user": m.user, "capacity": m.capacity, "is_active": m.is_active}
        for m in rule.memberships.select_related("user").order_by("id")
    ]


def _rule_form(request: HttpRequest, actor: Actor, rule: AssignmentRule | None) -> HttpResponse:
    posted = webforms.posted(request)
    form = RuleForm(posted, rule=rule)
    formset = MemberFormSet(
        posted,
        initial=_members_initial(rule),
        prefix="members",
        form_kwargs={"resource": rule.resource if rule is not None else None},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            members = [
                services.MemberSpec(
                    user=row["user"], capacity=row.get("capacity") or 0, is_active=bool(row.get("is_active"))
                )
                for row in formset.cleaned_data
                if row.get("user") is not None
            ]
            try:
                saved = services.rule_save(actor=actor, rule=rule, data=form.cleaned_data, members=members)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Rule %(name)s was saved.") % {"name": saved.name})
                return redirect("assignment:rule-list")
        status = 400
    return render(
        request,
        "assignment/rule_form.html",
        {"form": form, "formset": formset, "rule": rule},
        status=status,
    )


def rule_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _managed(actor)
    return _rule_form(request, actor, None)


def _get_rule(actor: Actor, pk: int) -> AssignmentRule:
    try:
        return AssignmentRule.objects.get(pk=pk, resource__in=_managed(actor))
    except AssignmentRule.DoesNotExist as exc:
        raise Http404 from exc


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    return _rule_form(request, actor, _get_rule(actor, pk))


@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    rule = _get_rule(actor, pk)
    services.rule_delete(actor=actor, rule=rule)
    messages.success(request, _("Rule %(name)s was deleted.") % {"name": rule.name})
    return redirect("assignment:rule-list")


def run(request: HttpRequest) -> HttpResponse:
    """GET: who each waiting record would go to and why. POST: assign the ticked records."""
    actor = access.get_actor(request)
    allowed = [r for r in Resource.values if actor.has(r, "assign")]
    if not allowed:
        raise PermissionDenied
    resource = request.GET.get("resource") or request.POST.get("resource") or allowed[0]
    if resource not in allowed:
        raise Http404
    if request.method == "POST":
        ids: list[int] = []
        for raw in request.POST.getlist("ids"):
            try:
                ids.append(int(raw))
            except ValueError:
                continue
        if not ids:
            messages.warning(request, _("Tick the records to assign first."))
            return redirect(f"{request.path}?resource={resource}")
        results = services.assign_many(actor=actor, resource=resource, ids=ids)
        done = sum(1 for r in results if r.assigned)
        left = len(results) - done
        messages.success(
            request,
            ngettext("%(n)s record was assigned.", "%(n)s records were assigned.", done) % {"n": done},
        )
        if left:
            messages.warning(
                request,
                ngettext(
                    "%(n)s record stayed unassigned; see the reasons below.",
                    "%(n)s records stayed unassigned; see the reasons below.",
                    left,
                )
                % {"n": left},
            )
        return render(
            request,
            "assignment/run.html",
            _run_context(actor, resource, allowed, results=results),
        )
    return render(request, "assignment/run.html", _run_context(actor, resource, allowed))


def _run_context(
    actor: Actor, resource: str, allowed: list[str], results: list[services.Result] | None = None
) -> dict[str, Any]:
    proposals = services.preview(actor=actor, resource=resource)
    logs = (
        AssignmentLog.objects.filter(resource=resource)
        .select_related("assignee", "rule", "actor")
        .order_by("-at", "-id")
    )
    if not actor.is_admin:
        logs = logs.filter(actor_id=actor.id)
    return {
        "resource": resource,
        "tabs": [(r, Resource(r).label) for r in allowed],
        "proposals": proposals,
        "assignable": sum(1 for p in proposals if p.decision.member is not None),
        "limit": services.PREVIEW_LIMIT,
        "results": results,
        "logs": list(logs[:LOG_LIMIT]),
        "can_manage": any(access.can(actor, "manage", r) for r in Resource.values),
    }
