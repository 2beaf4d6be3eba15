"""Pages of handoffs: my incoming and outgoing, my teams' queue, one handoff with its decisions,
the send form, the figures, and the administrators' templates."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.core.listing import BoundedPaginator
from tandem.customers.models import Account
from tandem.deals.models import Deal

from . import selectors, services
from .forms import RejectForm, SendForm, TemplateForm
from .models import HandoffStatus, HandoffTemplate, role_choices

PER_PAGE = 25
PERIODS = (7, 30, 90, 365)


def _require_handoffs(actor: access.Actor) -> None:
    if not actor.has("handoff", "view"):
        raise Http404


def handoff_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_handoffs(actor)
    box = request.GET.get("box") or "incoming"
    if box not in selectors.BOXES and box != "all":
        box = "incoming"
    status = request.GET.get("status") or ""
    if status not in HandoffStatus.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.handoff_list(actor, box="" if box == "all" else box, status=status, overdue=overdue)
    paginator = BoundedPaginator(qs, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page") or 1)
    tabs = [
        ("incoming", _("Incoming")),
        ("outgoing", _("Outgoing")),
        ("team", _("My teams' queue")),
        ("all", _("All I may see")),
    ]
    return render(
        request,
        "handoffs/handoff_list.html",
        {
            "rows": list(page_obj.object_list),
            "page_obj": page_obj,
            "box": box,
            "tabs": tabs,
            "status": status,
            "overdue": overdue,
            "statuses": HandoffStatus.choices,
            "now": timezone.now(),
            "roles": dict(role_choices()),
        },
    )


def handoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    handoff = selectors.handoff_for_party(actor, pk)
    return render(
        request,
        "handoffs/handoff_detail.html",
        {
            "handoff": handoff,
            "may_decide": handoff.is_pending and services.may_decide(actor, handoff),
            "may_pick_up": handoff.is_pending
            and handoff.recipient_id is None
            and services.may_decide(actor, handoff),
            "may_cancel": handoff.is_pending and handoff.sender_id == actor.id,
            "reject_form": RejectForm(),
            "record_visible": access.can(actor, "view", handoff.resource, handoff.record),
            "now": timezone.now(),
            "roles": dict(role_choices()),
        },
    )


def _decision(request: HttpRequest, pk: int, act: Any, done: Any) -> HttpResponse:
    actor = access.get_actor(request)
    handoff = selectors.handoff_for_party(actor, pk)
    try:
        act(actor, handoff)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(handoff)
    messages.success(request, done())
    return redirect(webforms.safe_next(request, handoff.get_absolute_url()))


@require_POST
def handoff_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        lambda actor, h: services.handoff_accept(actor=actor, handoff=h),
        lambda: _("Handoff accepted: the record is yours to work on."),
    )


@require_POST
def handoff_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        lambda actor, h: services.handoff_cancel(actor=actor, handoff=h),
        lambda: _("Handoff cancelled."),
    )


@require_POST
def handoff_pick_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        lambda actor, h: services.handoff_pick_up(actor=actor, handoff=h),
        lambda: _("You picked up the handoff."),
    )


@require_POST
def handoff_reject(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    handoff = selectors.handoff_for_party(actor, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.handoff_reject(actor=actor, handoff=handoff, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        else:
            messages.success(request, _("Handoff rejected; the sender has been told why."))
            return redirect(handoff)
    if not services.may_decide(actor, handoff):
        raise PermissionDenied
    return render(
        request,
        "handoffs/handoff_detail.html",
        {
            "handoff": handoff,
            "may_decide": handoff.is_pending,
            "may_cancel": False,
            "reject_form": form,
            "record_visible": access.can(actor, "view", handoff.resource, handoff.record),
            "now": timezone.now(),
            "roles": dict(role_choices()),
        },
        status=400,
    )


def _record_for(actor: access.Actor, kind: str, record_id: int) -> Any:
    if kind == "deal":
        return access.get_visible_or_404(actor, "deal", Deal.objects.all(), pk=record_id)
    if kind == "account":
        return access.get_visible_or_404(actor, "account", Account.objects.all(), pk=record_id)
    raise Http404


def handoff_send(request: HttpRequest, kind: str, record_id: int, template_id: int) -> HttpResponse:
    actor = access.get_actor(request)
    _require_handoffs(actor)
    record = _record_for(actor, kind, record_id)
    template = get_object_or_404(HandoffTemplate, pk=template_id, record_kind=kind, is_active=True)
    if not access.can(actor, "edit", kind, record):
        raise PermissionDenied
    form = SendForm(webforms.posted(request), template=template)
    missing = [services.field_label(kind, f) for f in services.missing_fields(template, record)]
    context = {"form": form, "template": template, "record": record, "kind": kind, "missing": missing}

    def save() -> Any:
        data = form.cleaned_data
        return services.handoff_send(
            actor=actor,
            template=template,
            record=record,
            recipient=data.get("recipient"),
            recipient_team=data.get("recipient_team"),
            note=data.get("note") or "",
            checked=data.get("checked") or [],
        )

    return webforms.form_page(
        request,
        form=form,
        template="handoffs/handoff_send.html",
        context=context,
        save=save,
        success=lambda h: _("Handoff sent to %(to)s.") % {"to": h.recipient or h.recipient_team},
    )


def figures(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_handoffs(actor)
    try:
        days = int(request.GET.get("days") or 30)
    except ValueError:
        days = 30
    if days not in PERIODS:
        days = 30
    end = timezone.now()
    start = end - datetime.timedelta(days=days)
    data = selectors.handoff_figures(actor, start=start, end=end)
    return render(
        request,
        "handoffs/figures.html",
        {**data, "days": days, "periods": PERIODS, "start": start, "end": end, "roles": dict(role_choices())},
    )


def template_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    return render(
        request,
        "handoffs/template_list.html",
        {"templates": selectors.template_list(actor, include_inactive=True), "roles": dict(role_choices())},
    )


def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    template = get_object_or_404(HandoffTemplate, pk=pk) if pk is not None else None
    initial = (
        TemplateForm.initial_for(template)
        if template is not None
        else {"sla_hours": 24, "sender_stays": True, "is_active": True}
    )
    form = TemplateForm(webforms.posted(request), initial=initial)
    return webforms.form_page(
        request,
        form=form,
        template="handoffs/template_form.html",
        context={"form": form, "template": template},
        save=lambda: services.template_save(actor=actor, template=template, data=form.service_data()),
        success=lambda t: _("Handoff template “%(name)s” saved.") % {"name": t.display_name},
        done="handoffs:template-list",
    )
