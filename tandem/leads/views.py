"""The lead (线索) web UI: list with filters, saved views and bulk actions; the lead page with its
timeline and quick follow-up; create / edit with duplicate warnings and version conflicts;
qualify / unqualify; and conversion into an account, a contact and optionally a deal.

Views are thin: writes call ``services.lead_*`` (access policy, history, duplicate and version
checks live there); the list filters with the API's ``LeadFilter``; reads start from
``access.visible`` (not visible = 404; visible but not allowed = 403, nothing changed).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from tandem.activities.models import Activity
from tandem.core import access, history, notify, webforms
from tandem.core.errors import DuplicateFound, VersionConflict
from tandem.core.ids import parse_id
from tandem.core.listing import Column, list_context, walk_by
from tandem.customers.models import Account
from tandem.search.selectors import record_url

from . import selectors, services
from .api import LeadFilter
from .forms import (
    LEAD_FORM_FIELDS,
    ConvertForm,
    LeadBulkForm,
    LeadForm,
    UnqualifyForm,
    assignable_people,
)
from .models import Lead, LeadStatus

TIMELINE_LIMIT = 50
HISTORY_LIMIT = 50
PEOPLE_LIMIT = 500

COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), sort="name"),
    Column("company", gettext_lazy("Company"), sort="company"),
    Column("status", gettext_lazy("Status"), sort="status"),
    Column("mobile", gettext_lazy("Mobile")),
    Column("source", gettext_lazy("Source"), sort="source"),
    Column(
        "owner",
        gettext_lazy("Owner"),
        sort="owner__display_name",
        walk=walk_by("owner_id", "org.User", "display_name", nullable=True),
    ),
    Column("last_follow_up_at", gettext_lazy("Last follow-up"), sort="last_follow_up_at"),
    Column("next_follow_up_on", gettext_lazy("Next follow-up"), sort="next_follow_up_on", default=False),
    Column("email", gettext_lazy("Email"), default=False),
    Column("city", gettext_lazy("City"), sort="city", default=False),
    Column("created_at", gettext_lazy("Created"), sort="created_at"),
]


# --- Helpers --------------------------------------------------------------------------------


def duplicate_rows(exc: DuplicateFound) -> list[dict[str, Any]]:
    """Matches as the template shows them: visible ones linked, others by existence and owner."""
    rows = []
    for match in exc.matches:
        row = dict(match)
        if match.get("visible") and match.get("id"):
            row["url"] = record_url(match["record_type"], match["id"])
        rows.append(row)
    return rows


def conflict_rows(form: Any, exc: VersionConflict) -> list[dict[str, Any]]:
    """Fields where the saved record differs from what the person sent: label, theirs, current."""
    rows = []
    for name in LEAD_FORM_FIELDS:
        if name not in exc.current:
            continue
        mine = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else form.data.get(name)
        current = exc.current.get(name)
        if str(mine or "") != str(current or ""):
            rows.append({"label": form.fields[name].label, "mine": mine or "—", "current": current or "—"})
    return rows


def _lead_or_404(request: HttpRequest, pk: int) -> Lead:
    actor = access.get_actor(request)
    return access.get_visible_or_404(
        actor,
        "lead",
        Lead.objects.select_related(
            "owner", "team", "converted_account", "converted_contact", "converted_deal", "created_by"
        ),
        pk=pk,
    )


# --- List and bulk --------------------------------------------------------------------------


def lead_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("lead"):
        raise Http404
    queryset = access.visible(actor, "lead", Lead.objects.select_related("owner"))
    result = list_context(
        request,
        resource="lead",
        queryset=queryset,
        filterset_class=LeadFilter,
        columns=COLUMNS,
        default_sort="-created_at",
        whose=True,
    )
    can_assign = actor.has("lead", "assign")
    people = (
        list(assignable_people(actor).only("display_name", "username", "is_active")[:PEOPLE_LIMIT])
        if can_assign
        else []
    )
    context = {
        **result.as_context(),
        "list_url": reverse("leads:lead-list"),
        "export_url": reverse("api:leads-list") if actor.has("lead", "export") else "",
        "can_create": actor.has("lead", "create"),
        "can_import": actor.has("lead", "import"),
        "can_assign": can_assign,
        "can_delete": actor.has("lead", "delete"),
        "can_edit": actor.has("lead", "edit"),
        "people": people,
        "statuses": [(v, label) for v, label in LeadStatus.choices if v != LeadStatus.CONVERTED],
        "filtered": result.filtered,
    }
    template = "leads/partials/_lead_table.html" if webforms.is_htmx(request) else "leads/lead_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def lead_bulk(request: HttpRequest) -> HttpResponse:
    """Assign, change the status of, or delete the selected leads, each through its service.

    Leads the person may not see are skipped as if missing; a lead they may not change (or that
    the service refuses) is counted as skipped, and the others still go through.
    """
    actor = access.get_actor(request)
    form = LeadBulkForm(request.POST, actor=actor)
    back = reverse("leads:lead-list")
    next_url = request.POST.get("next", "")
    if next_url.startswith(back):
        back = next_url
    # Not allowed at all is 403 whatever else the request holds.
    wanted = request.POST.get("action")
    if wanted == LeadBulkForm.ASSIGN and not actor.has("lead", "assign"):
        raise PermissionDenied
    if wanted == LeadBulkForm.DELETE and not actor.has("lead", "delete"):
        raise PermissionDenied
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    action = form.cleaned_data["action"]
    leads = list(access.visible(actor, "lead", Lead.objects.filter(pk__in=form.cleaned_data["ids"])))
    done = skipped = 0
    reasons: list[str] = []
    # Each new and previous owner gets one summary of the leads they received or lost.
    with notify.batched() as batch:
        for lead in leads:
            try:
                with transaction.atomic(), batch.item():
                    if action == LeadBulkForm.ASSIGN:
                        services.lead_update(
                            actor=actor, lead=lead, data={}, owner=form.cleaned_data["owner"]
                        )
                    elif action == LeadBulkForm.STATUS:
                        data: dict[str, Any] = {"status": form.cleaned_data["status"]}
                        if form.cleaned_data.get("reason"):
                            data["unqualified_reason"] = form.cleaned_data["reason"]
                        services.lead_update(actor=actor, lead=lead, data=data, confirm_duplicates=True)
                    else:
                        services.lead_delete(actor=actor, lead=lead)
            except PermissionDenied:
                skipped += 1
            except ValidationError as exc:
                skipped += 1
                reasons.extend(m for m in exc.messages if m not in reasons)
            else:
                done += 1
    skipped += len(form.cleaned_data["ids"]) - len(leads)
    if done:
        messages.success(request, ngettext("%(n)d lead updated.", "%(n)d leads updated.", done) % {"n": done})
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)d lead was skipped: you may not change it, or it needs more (e.g. a reason).",
                "%(n)d leads were skipped: you may not change them, or they need more (e.g. a reason).",
                skipped,
            )
            % {"n": skipped}
            + "".join(f" {reason}" for reason in reasons[:3]),
        )
    return redirect(back)


# --- One lead -------------------------------------------------------------------------------


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    lead = _lead_or_404(request, pk)
    activities = list(
        access.visible_on_record(
            actor, "activity", Activity.objects.filter(lead=lead).select_related("author")
        )[:TIMELINE_LIMIT]
    )
    can_edit = access.can(actor, "edit", "lead", lead)
    converted = lead.status == LeadStatus.CONVERTED
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "activities": activities,
            "can_edit": can_edit and not converted,
            "can_delete": access.can(actor, "delete", "lead", lead),
            "can_log": actor.has("activity", "create") and can_edit,
            "converted": converted,
            "converted_links": {
                "account": record_url("account", lead.converted_account_id),
                "contact": record_url("contact", lead.converted_contact_id),
                "deal": record_url("deal", lead.converted_deal_id),
            },
            "unqualify_form": UnqualifyForm(initial={"version": lead.version}),
            "history": list(history.entries_for(lead)[:HISTORY_LIMIT]),
            "history_object": lead,
        },
    )


def _save_lead(request: HttpRequest, lead: Lead | None) -> HttpResponse:
    actor = access.get_actor(request)
    if lead is None:
        access.require(actor, "create", "lead")
        initial: dict[str, Any] = {"status": LeadStatus.NEW, "country": "CN"}
    else:
        access.require(actor, "edit", "lead", lead)
        initial = {name: getattr(lead, name) for name in LEAD_FORM_FIELDS}
        initial["version"] = lead.version
        initial["owner"] = lead.owner_id
    form = LeadForm(webforms.posted(request), initial=initial, actor=actor, lead=lead)
    context: dict[str, Any] = {"form": form, "lead": lead}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            confirm = bool(form.cleaned_data.get("confirm_duplicates"))
            owner = form.cleaned_data.get("owner")
            try:
                if lead is None:
                    saved = services.lead_create(
                        actor=actor, data=form.service_data(), owner=owner, confirm_duplicates=confirm
                    )
                    done = _("Lead %(name)s created.") % {"name": saved}
                else:
                    saved = services.lead_update(
                        actor=actor,
                        lead=lead,
                        data=form.service_data(),
                        version=form.cleaned_data.get("version"),
                        owner=owner,
                        confirm_duplicates=confirm,
                    )
                    done = _("Lead %(name)s saved.") % {"name": saved}
                fresh = Lead.all_objects.select_related("owner", "team").get(pk=saved.pk)
                if not access.can(actor, "view", "lead", fresh):
                    # Given to someone the person cannot follow: say where it went, on the list.
                    messages.success(request, notify.handed_over("lead", fresh))
                    return redirect("leads:lead-list")
                messages.success(request, done)
                return redirect(saved.get_absolute_url())
            except VersionConflict as exc:
                status = 409
                context["conflict"] = conflict_rows(form, exc)
                context["current_version"] = exc.version
            except DuplicateFound as exc:
                context["duplicates"] = duplicate_rows(exc)
                context["duplicates_blocking"] = exc.blocking
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                webforms.errors_onto(form, exc, skip={"duplicates"})
    return render(request, "leads/lead_form.html", context, status=status)


def lead_create(request: HttpRequest) -> HttpResponse:
    return _save_lead(request, None)


def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_lead(request, _lead_or_404(request, pk))


@require_POST
def lead_qualify(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    lead = _lead_or_404(request, pk)
    try:
        services.lead_update(
            actor=actor, lead=lead, data={"status": LeadStatus.QUALIFIED}, confirm_duplicates=True
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Lead marked qualified."))
    return redirect(lead.get_absolute_url())


@require_POST
def lead_unqualify(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    lead = _lead_or_404(request, pk)
    form = UnqualifyForm(request.POST)
    if form.is_valid():
        try:
            services.lead_update(
                actor=actor,
                lead=lead,
                data={
                    "status": LeadStatus.UNQUALIFIED,
                    "unqualified_reason": form.cleaned_data["unqualified_reason"],
                },
                confirm_duplicates=True,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Lead marked unqualified."))
            return redirect(lead.get_absolute_url())
    else:
        # Checked before the form: someone who may not change the lead learns nothing more.
        access.require(actor, "edit", "lead", lead)
        messages.error(request, _("Say why the lead is unqualified."))
    return redirect(lead.get_absolute_url())


@require_POST
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    lead = _lead_or_404(request, pk)
    services.lead_delete(actor=actor, lead=lead)
    messages.success(request, _("Lead %(name)s moved to the recycle bin.") % {"name": lead})
    return redirect("leads:lead-list")


def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """One page: new account from the company or an existing visible account; optionally a deal."""
    actor = access.get_actor(request)
    lead = _lead_or_404(request, pk)
    access.require(actor, "edit", "lead", lead)
    if lead.status == LeadStatus.CONVERTED:
        messages.info(request, _("This lead has been converted already."))
        return redirect(lead.get_absolute_url())
    initial: dict[str, Any] = {"deal_name": lead.company or lead.name}
    suggested = selectors.existing_accounts_for(actor=actor, lead=lead)
    if suggested:
        # The lead's company looks like an account already here: offer linking it first.
        initial.update({"account_mode": ConvertForm.EXISTING, "account": suggested[0]["account"].pk})
    form = ConvertForm(webforms.posted(request), initial=initial, actor=actor)
    context: dict[str, Any] = {"form": form, "lead": lead, "suggested_accounts": suggested}
    if suggested and not form.is_bound:
        context["chosen_account"] = suggested[0]["account"]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.lead_convert(
                    actor=actor,
                    lead=lead,
                    account=form.account_obj if data["account_mode"] == ConvertForm.EXISTING else None,
                    create_deal=bool(data.get("create_deal")),
                    deal_name=data.get("deal_name") or "",
                    deal_amount=data.get("deal_amount"),
                    deal_stage=data.get("deal_stage"),
                    deal_expected_close_date=data.get("deal_expected_close_date"),
                    confirm_duplicates=bool(data.get("confirm_duplicates")),
                )
            except DuplicateFound as exc:
                context["duplicates"] = duplicate_rows(exc)
                context["duplicates_blocking"] = exc.blocking
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                webforms.errors_onto(form, exc, skip={"duplicates"})
            else:
                account = result["account"]
                messages.success(
                    request,
                    _("Lead converted: account %(account)s, contact %(contact)s%(deal)s.")
                    % {
                        "account": account,
                        "contact": result["contact"],
                        "deal": _(", deal %(deal)s") % {"deal": result["deal"]} if result["deal"] else "",
                    },
                )
                return redirect(record_url("account", account.pk) or lead.get_absolute_url())
    chosen = parse_id(form.data.get("account")) if form.is_bound else None
    if chosen is not None:
        # Shown back in the account picker; only an account the person may see.
        context["chosen_account"] = (
            access.visible(actor, "account", Account.objects.all()).filter(pk=chosen).first()
        )
    return render(request, "leads/lead_convert.html", context, status=status)
