"""The deals web UI: list, pipeline board, deal page and form, products, pipelines and stages.

Views are thin: they parse input with a form, call a service from ``deals.services`` (or
``activities.services`` for a follow-up) and render. Reads start from the access policy (not
visible = 404); the services decide writes (not allowed = 403, nothing changed). Lists filter
with the same ``DealFilter``/``ProductFilter`` as the API, so the web and the API agree.

htmx requests to the deal page get the whole page back and swap ``#deal-page`` in place (with
``hx-select``); a refused htmx form answers 200 with its inline errors, since htmx does not
swap error responses. Plain form posts answer 400 (bad input) or 409 (version conflict).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tandem.activities import services as activity_services
from tandem.core import access, naming, notify, webforms
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.core.ids import parse_id
from tandem.core.listing import Column, ListResult, list_context, owner_options, walk_by
from tandem.core.templatetags.tandem import CURRENCY_SYMBOLS, PEOPLE_OPTION_FIELDS, money
from tandem.customers.models import Account

from . import selectors, services
from .filters import DealFilter, ProductFilter
from .forms import (
    BulkForm,
    CloseForm,
    DealContactFormSet,
    DealForm,
    DealLineFormSet,
    FollowUpForm,
    LostReasonForm,
    MoveForm,
    PipelineForm,
    ProductFilterForm,
    ProductForm,
    ReassignForm,
    StageForm,
    account_options,
    active_pipelines,
    contacts_of,
    line_products,
    stage_choices,
)
from .models import (
    Deal,
    DealContact,
    DealLine,
    DealStatus,
    ForecastCategory,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
)

# --- Helpers --------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(exc.messages)


def _toast(response: HttpResponse, text: str, level: str = "success") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"tandem:toast": {"value": text, "level": level}})
    return response


def _deal_or_404(actor: Actor, pk: int) -> Deal:
    return access.get_visible_or_404(actor, "deal", selectors.deal_queryset(actor), pk=pk)


def _style_filter_form(
    form: Any, pipelines: list[Pipeline] | None = None, every_pipeline: list[Pipeline] | None = None
) -> None:
    """Tabler classes on a FilterSet's form (its fields are django-filter's); ``pipelines``: the
    active pipelines with their stages, when the caller has read them already; ``every_pipeline``:
    all of them, archived ones too, in their order, for the pipeline filter's choices."""
    from django import forms

    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")
        if name.endswith(("_after", "_before")):
            widget.input_type = "date"
        if name in ("amount_min", "amount_max"):
            widget.attrs["inputmode"] = "decimal"
    if "stage" in form.fields:
        form.fields["stage"].widget.choices = [
            ("", _("All stages")),
            *stage_choices(active_pipelines() if pipelines is None else pipelines),
        ]
    if "pipeline" in form.fields:
        # Pipelines by name in the reader's language (their __str__ is the stored name, for history).
        form.fields["pipeline"].label_from_instance = lambda pipeline: pipeline.display_name
        if every_pipeline is not None:
            # The same choices the field would read again from the database.
            form.fields["pipeline"].widget.choices = [
                ("", form.fields["pipeline"].empty_label),
                *((pipeline.pk, pipeline.display_name) for pipeline in every_pipeline),
            ]
    if "q" in form.fields:
        form.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Deal name"), "autocomplete": "off"}
        )


def _duration(seconds: int) -> str:
    minutes = max(0, seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours = rest // 60
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _totals_text(totals: dict[str, Decimal]) -> str:
    if not totals:
        return money(Decimal("0"))
    return " + ".join(money(v, c) for c, v in sorted(totals.items(), key=lambda kv: -kv[1]))


# --- Deal list ------------------------------------------------------------------------------


def deal_columns() -> list[Column]:
    return [
        Column("name", _("Name"), "name"),
        Column(
            "account",
            _("Account"),
            "account__name",
            walk=walk_by("account_id", "customers.Account", "name", nullable=True, table=True),
        ),
        Column("stage", _("Stage"), "stage__order", walk=walk_by("stage_id", "deals.Stage", "order")),
        Column("amount", _("Amount"), "amount", numeric=True),
        Column("expected_close_date", _("Expected close"), "expected_close_date"),
        Column(
            "owner", _("Owner"), "owner__display_name", walk=walk_by("owner_id", "org.User", "display_name")
        ),
        Column("status", _("Status"), "status"),
        Column("probability", _("Probability"), None, numeric=True, default=False),
        Column("forecast_category", _("Forecast category"), "forecast_category", default=False),
        Column("last_follow_up_at", _("Last follow-up"), "last_follow_up_at"),
        Column(
            "team",
            _("Team"),
            "team__name",
            default=False,
            walk=walk_by("team_id", "org.Team", "name", nullable=True),
        ),
        Column("created_at", _("Created"), "created_at", default=False),
    ]


def deal_list_result(request: HttpRequest, actor: Actor) -> ListResult:
    """The deals list's rows, count and filters for this request (the page and the benchmark)."""
    return list_context(
        request,
        resource="deal",
        queryset=selectors.deal_list_queryset(actor),
        filterset_class=DealFilter,
        columns=deal_columns(),
        default_sort="-created_at",
        prepare=selectors.mark,
        count=lambda filterset: selectors.deal_count(actor, filterset),
        whose=True,
    )


def deal_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("deal", "view"):
        raise PermissionDenied
    result = deal_list_result(request, actor)
    # The pipeline filter offers every pipeline; the stage filter and the bulk "Move to stage"
    # the active ones: one read for the three.
    every_pipeline = list(selectors.with_stages(Pipeline.objects.order_by("order", "id")))
    pipelines = [pipeline for pipeline in every_pipeline if pipeline.is_active]
    _style_filter_form(result.filterset.form, pipelines, every_pipeline)
    can_assign, can_delete, can_edit = (actor.has("deal", action) for action in ("assign", "delete", "edit"))
    context = result.as_context()
    context.update(
        {
            "list_url": reverse("deals:deal-list"),
            "export_url": reverse("api:deals-list") if actor.has("deal", "export") else "",
            "shown": {c.key for c in result.columns},
            "can_create": actor.has("deal", "create"),
            "can_assign": can_assign,
            "can_delete": can_delete,
            "can_edit": can_edit,
            # The rows' checkboxes and the bulk bar serve the bulk actions.
            "can_select": can_edit or can_assign or can_delete,
            "bulk_stages": stage_choices(pipelines),
            "bulk_lost_reasons": services.lost_reasons_offered() if can_edit else [],
            "bulk_people": access.owner_candidates(actor, "deal").values_list(*PEOPLE_OPTION_FIELDS)
            if can_assign
            else [],
            "filtered": result.filtered,
            "more_filters_open": any(
                request.GET.get(k)
                for k in (
                    "team",
                    "forecast_category",
                    "pipeline",
                    "expected_close_date_after",
                    "expected_close_date_before",
                    "closed_on_after",
                    "closed_on_before",
                    "amount_min",
                    "amount_max",
                    "tag",
                )
            ),
        }
    )
    status = 400 if result.filterset.is_bound and result.filterset.errors else 200
    return render(request, "deals/deal_list.html", context, status=status)


@require_POST
def deal_bulk(request: HttpRequest) -> HttpResponse:
    """Assign, move or delete the selected deals, one service call each; refusals are listed."""
    actor = access.get_actor(request)
    back = webforms.safe_next(request, reverse("deals:deal-list"))
    form = BulkForm(request.POST, actor=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    deals = list(
        access.visible(actor, "deal", Deal.objects.filter(pk__in=data["ids"])).select_related("stage")
    )
    done = 0
    refused: list[str] = []
    # Each new and previous owner gets one summary of the deals they received or lost; each deal
    # is its own transaction, as before (a long one would hold every row lock to the end).
    with notify.batched() as batch:
        for deal in deals:
            try:
                with transaction.atomic(), batch.item():
                    if action == "assign":
                        services.deal_update(actor=actor, deal=deal, data={}, owner=data["owner"])
                    elif action == "stage":
                        services.deal_move(
                            actor=actor,
                            deal=deal,
                            stage=data["stage"],
                            lost_reason=data.get("lost_reason"),
                            lost_note=data.get("lost_note") or "",
                        )
                    else:
                        services.deal_delete(actor=actor, deal=deal)
            except ValidationError as exc:
                refused.append(f"{deal.name}: {' '.join(_messages_of(exc))}")
            except PermissionDenied:
                refused.append(f"{deal.name}: {_('You may not do that.')}")
            else:
                done += 1
    missing = len(set(data["ids"])) - len(deals)
    if action == "assign":
        text = ngettext("%(n)d deal assigned.", "%(n)d deals assigned.", done) % {"n": done}
    elif action == "stage":
        text = ngettext("%(n)d deal moved.", "%(n)d deals moved.", done) % {"n": done}
    else:
        text = ngettext(
            "%(n)d deal moved to the recycle bin.", "%(n)d deals moved to the recycle bin.", done
        ) % {"n": done}
    if done:
        messages.success(request, text)
    if refused or missing:
        count = len(refused) + missing
        head = ngettext("%(n)d deal refused:", "%(n)d deals refused:", count) % {"n": count}
        shown = refused[:5] + ([_("…and %(n)d more.") % {"n": len(refused) - 5}] if len(refused) > 5 else [])
        if missing:
            shown.append(
                ngettext("%(n)d is not visible to you.", "%(n)d are not visible to you.", missing)
                % {"n": missing}
            )
        messages.warning(request, " ".join([head, *shown]))
    return redirect(back)


# --- Board ----------------------------------------------------------------------------------


def _board_filter_params(params: QueryDict) -> QueryDict:
    """The board's filters: everything but pipeline and stage (the board itself picks those)."""
    copy = params.copy()
    for key in ("pipeline", "stage", "status", "after", "page", "sort", "cols"):
        copy.pop(key, None)
    return copy


def _board_deals(
    request: HttpRequest, actor: Actor, pipeline: Pipeline, params: QueryDict
) -> tuple[Any, QuerySet[Deal]]:
    filterset = DealFilter(
        _board_filter_params(params), queryset=selectors.deal_queryset(actor), request=request
    )
    if filterset.is_bound and not filterset.is_valid():
        return filterset, Deal.objects.none()
    return filterset, filterset.qs.filter(pipeline=pipeline).order_by()


def _board_pipeline(params: QueryDict, pipelines: list[Pipeline]) -> Pipeline:
    if not pipelines:
        raise Http404
    wanted = params.get("pipeline")
    if wanted:
        found = next((p for p in pipelines if str(p.pk) == wanted), None)
        if found is None:
            raise Http404
        return found
    return pipelines[0]


def _column_headers(totals: dict[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        str(pk): {
            "count": entry["count"],
            "count_text": ngettext("%(n)s deal", "%(n)s deals", entry["count"]) % {"n": entry["count"]},
            "total": _totals_text(entry["totals"]),
        }
        for pk, entry in totals.items()
    }


def board(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("deal", "view"):
        raise PermissionDenied
    pipelines = selectors.board_pipelines()
    pipeline = _board_pipeline(request.GET, pipelines)
    stages = selectors.board_stages(pipeline)
    open_ids = selectors.open_stage_ids(stages)
    filterset, deals = _board_deals(request, actor, pipeline, request.GET)
    # Stage choices in the pipelines' own order, as the deal list's (the board's form has them).
    _style_filter_form(filterset.form, sorted(pipelines, key=lambda p: (p.order, p.pk)))
    totals = selectors.board_totals(actor, deals, open_ids, filterset)
    cards = selectors.board_cards(deals, open_ids)
    headers = _column_headers(totals)
    columns = [
        {
            "stage": stage,
            "cards": cards[stage.pk],
            "header": headers[str(stage.pk)],
            "after": (
                selectors.card_cursor(cards[stage.pk][-1])
                if totals[stage.pk]["count"] > len(cards[stage.pk]) > 0
                else ""
            ),
        }
        for stage in stages
        if stage.kind == StageKind.OPEN
    ]
    filter_query = _board_filter_params(request.GET).urlencode()
    context = {
        "pipelines": pipelines,
        "pipeline": pipeline,
        "stages": stages,
        "columns": columns,
        "closed_stages": [s for s in stages if s.kind != StageKind.OPEN],
        "lost_reasons": services.lost_reasons_offered(),
        "filterset": filterset,
        "filter_form": filterset.form,
        "filter_query": filter_query,
        "owner_filter": SimpleLazyObject(lambda: owner_options(actor, "deal", request.GET.get("owner"))),
        "can_create": actor.has("deal", "create"),
        "can_edit": actor.has("deal", "edit"),
        "can_manage": actor.has("deal", "manage"),
        "filtered": bool(filter_query),
    }
    status = 400 if filterset.is_bound and filterset.errors else 200
    return render(request, "deals/board.html", context, status=status)


@require_GET
def board_column(request: HttpRequest, stage_pk: int) -> HttpResponse:
    """The next cards of one column ("load more"), with the board's filters."""
    actor = access.get_actor(request)
    if not actor.has("deal", "view"):
        raise PermissionDenied
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_pk).first()
    if stage is None:
        raise Http404
    after = selectors.parse_card_cursor(request.GET.get("after", ""))
    if after is None:
        return HttpResponseBadRequest(_("This link to more cards is not valid; reload the board."))
    _filterset, deals = _board_deals(request, actor, stage.pipeline, request.GET)
    cards, next_after = selectors.column_page(deals, stage, after)
    context = {
        "stage": stage,
        "cards": cards,
        "after": next_after,
        "filter_query": _board_filter_params(request.GET).urlencode(),
        "stages": selectors.board_stages(stage.pipeline),
        "can_edit": actor.has("deal", "edit"),
    }
    return render(request, "deals/partials/_board_cards.html", context)


def _move_refusal(exc: ValidationError) -> tuple[str, dict[str, list[str]]]:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}
    return " ".join(m for errors in fields.values() for m in errors), fields


@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's drop (JSON) and the "Move to…" menu (a plain form post that comes back to the board).

    JSON answers: 200 with the deal's new version and both columns' count and total; 400 naming
    the missing fields (stage guidance); 409 on a stale version; 403 when not allowed.
    """
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    as_json = _wants_json(request)
    back = webforms.safe_next(request, reverse("deals:board") + f"?pipeline={deal.pipeline_id}")
    form = MoveForm(request.POST)
    if not form.is_valid():
        message = _("Choose a stage to move the deal to.")
        if as_json:
            return JsonResponse({"message": message, "errors": form.errors.get_json_data()}, status=400)
        messages.error(request, message)
        return redirect(back)
    stage: Stage = form.cleaned_data["stage"]
    from_stage_id = deal.stage_id
    try:
        deal = services.deal_move(
            actor=actor,
            deal=deal,
            stage=stage,
            version=form.cleaned_data.get("version"),
            lost_reason=form.cleaned_data.get("lost_reason"),
            lost_note=form.cleaned_data.get("lost_note") or "",
        )
    except ValidationError as exc:
        message, fields = _move_refusal(exc)
        if as_json:
            return JsonResponse(
                {
                    "message": message,
                    "errors": fields,
                    "needs_lost_reason": "lost_reason" in fields or "lost_note" in fields,
                    "edit_url": reverse("deals:deal-edit", args=[deal.pk]),
                },
                status=400,
            )
        messages.error(request, f"{deal.name}: {message}")
        return redirect(back)
    except VersionConflict as exc:
        message = _("%(name)s was changed by someone else. Reload the board and try again.") % {
            "name": deal.name
        }
        if as_json:
            return JsonResponse({"message": message, "version": exc.version}, status=409)
        messages.error(request, message)
        return redirect(back)
    except PermissionDenied:
        if as_json:
            return JsonResponse({"message": _("You may not move this deal.")}, status=403)
        raise
    text = _("%(name)s moved to %(stage)s.") % {"name": deal.name, "stage": stage.display_name}
    held = _held_notice(deal)
    if held:  # the move waits for approval (tandem/approvals): the card goes back to its column
        if as_json:
            return JsonResponse({"ok": False, "held": True, "message": held}, status=202)
        messages.info(request, held)
        return redirect(back)
    if not as_json:
        messages.success(request, text)
        return redirect(back)
    params = QueryDict(request.POST.get("board_query", ""), mutable=False)
    filterset, deals = _board_deals(request, actor, deal.pipeline, params)
    totals = selectors.board_totals(actor, deals, sorted({from_stage_id, stage.pk}), filterset)
    return JsonResponse(
        {
            "ok": True,
            "message": text,
            "deal": deal.pk,
            "version": deal.version,
            "stage": stage.pk,
            "closed": stage.kind != StageKind.OPEN,
            "columns": _column_headers(totals),
        }
    )


# --- Deal page ------------------------------------------------------------------------------


def _held_notice(deal: Deal) -> str:
    """What was held for approval by the save that returned ``deal`` (tandem/approvals), or ""."""
    return " ".join(str(held.notice) for held in getattr(deal, "held_approvals", ()))


def _detail_context(request: HttpRequest, actor: Actor, deal: Deal, **extra: Any) -> dict[str, Any]:
    stages = selectors.board_stages(deal.pipeline)
    durations = {row["stage"].pk: row["seconds"] for row in services.stage_durations(deal)}
    current_index = next((i for i, s in enumerate(stages) if s.pk == deal.stage_id), 0)
    progress = [
        {
            "stage": s,
            "current": s.pk == deal.stage_id,
            "passed": i < current_index and s.kind == StageKind.OPEN,
            "time": _duration(durations[s.pk]) if s.pk in durations else "",
        }
        for i, s in enumerate(stages)
    ]
    can_edit = access.can(actor, "edit", "deal", deal)
    next_stages = []
    if can_edit:
        current_order = deal.stage.order
        for s in stages:
            if s.pk == deal.stage_id or s.kind == StageKind.LOST:
                continue
            if s.kind == StageKind.OPEN and deal.status == DealStatus.OPEN and s.order < current_order:
                continue
            missing = services.missing_for_stage(deal, s)
            next_stages.append({"stage": s, "missing": [services.requirable_field_label(f) for f in missing]})
    lines = list(DealLine.objects.filter(deal=deal).select_related("product").order_by("id"))
    contacts = list(DealContact.objects.filter(deal=deal).select_related("contact").order_by("id"))
    lost_stage = next((s for s in stages if s.kind == StageKind.LOST), None)
    won_stage = next((s for s in stages if s.kind == StageKind.WON), None)
    context: dict[str, Any] = {
        "deal": selectors.mark([deal])[0],
        "progress": progress,
        "next_stages": next_stages,
        "lines": lines,
        "lines_total": sum((line.amount for line in lines), Decimal("0")),
        "contacts": contacts,
        "timeline": selectors.deal_timeline(actor, deal),
        "can_edit": can_edit,
        "forecast_choices": [("", ""), *ForecastCategory.choices],
        "can_assign": access.can(actor, "assign", "deal", deal),
        "can_delete": access.can(actor, "delete", "deal", deal),
        "can_log": actor.has("activity", "create") and can_edit,
        "follow_up_form": FollowUpForm(),
        "close_form": CloseForm(initial={"version": deal.version}),
        "lost_stage": lost_stage,
        "won_stage": won_stage,
        "current_stage": deal.stage,
        "held_changes": services.held_changes(deal),
    }
    if context["can_assign"]:
        context["reassign_form"] = ReassignForm(
            actor=actor, initial={"owner": deal.owner_id, "version": deal.version}
        )
    context.update(extra)
    return context


def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    return render(request, "deals/deal_detail.html", _detail_context(request, actor, deal))


def _detail_answer(
    request: HttpRequest, actor: Actor, deal: Deal, *, ok: str = "", error: bool = False, **extra: Any
) -> HttpResponse:
    """After an action on the deal page: htmx gets the page (swapped in place), others a redirect."""
    if webforms.is_htmx(request):
        fresh = _deal_or_404(actor, deal.pk)
        response = render(request, "deals/deal_detail.html", _detail_context(request, actor, fresh, **extra))
        return _toast(response, ok) if ok else response
    if error:
        fresh = _deal_or_404(actor, deal.pk)
        return render(
            request, "deals/deal_detail.html", _detail_context(request, actor, fresh, **extra), status=400
        )
    if ok:
        messages.success(request, ok)
    return redirect(deal)


@require_POST
def deal_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal page's stage buttons: guidance refusals are shown beside the buttons, naming the fields."""
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _detail_answer(
            request, actor, deal, error=True, move_errors=[_("Choose a stage to move the deal to.")]
        )
    stage = form.cleaned_data["stage"]
    if stage.pipeline_id != deal.pipeline_id:
        return _detail_answer(
            request, actor, deal, error=True, move_errors=[_("Choose a stage of this pipeline.")]
        )
    try:
        deal = services.deal_move(
            actor=actor,
            deal=deal,
            stage=stage,
            version=form.cleaned_data.get("version"),
            lost_reason=form.cleaned_data.get("lost_reason"),
            lost_note=form.cleaned_data.get("lost_note") or "",
        )
    except ValidationError as exc:
        return _detail_answer(request, actor, deal, error=True, move_errors=_messages_of(exc))
    except VersionConflict:
        return _detail_answer(
            request,
            actor,
            deal,
            error=True,
            move_errors=[_("This deal was changed by someone else; it is shown as it is now. Try again.")],
        )
    held = _held_notice(deal)
    return _detail_answer(
        request, actor, deal, ok=held or _("Moved to %(stage)s.") % {"stage": stage.display_name}
    )


@require_POST
def deal_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark won or lost (the pipeline's won or lost stage); lost needs a reason."""
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _detail_answer(request, actor, deal, error=True, close_form=form, close_open=True)
    outcome = form.cleaned_data["outcome"]
    stage = deal.pipeline.stages.filter(kind=outcome).order_by("order", "id").first()
    if stage is None:
        form.add_error(None, _("This pipeline has no such stage."))
        return _detail_answer(request, actor, deal, error=True, close_form=form, close_open=True)
    try:
        deal = services.deal_move(
            actor=actor,
            deal=deal,
            stage=stage,
            version=form.cleaned_data.get("version"),
            lost_reason=form.cleaned_data.get("lost_reason"),
            lost_note=form.cleaned_data.get("lost_note") or "",
        )
    except ValidationError as exc:
        webforms.errors_onto(form, exc)
        return _detail_answer(request, actor, deal, error=True, close_form=form, close_open=outcome)
    except VersionConflict:
        form.add_error(None, _("This deal was changed by someone else; it is shown as it is now. Try again."))
        return _detail_answer(request, actor, deal, error=True, close_form=form, close_open=outcome)
    text = _("Marked as won. Congratulations!") if outcome == "won" else _("Marked as lost.")
    return _detail_answer(request, actor, deal, ok=_held_notice(deal) or text)


@require_POST
def deal_forecast_category(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal page's forecast category: the owner's choice, or back to the stage's (empty)."""
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    choice = request.POST.get("forecast_category", "")
    try:
        deal = services.deal_update(
            actor=actor,
            deal=deal,
            data={"forecast_category": choice},
            version=parse_id(request.POST.get("version")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _detail_answer(request, actor, deal)
    except VersionConflict:
        messages.error(
            request, _("This deal was changed by someone else; it is shown as it is now. Try again.")
        )
        return _detail_answer(request, actor, deal)
    return _detail_answer(request, actor, deal, ok=_("Forecast category saved."))


@require_POST
def deal_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a follow-up on the deal (the page's first action)."""
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = {**form.cleaned_data, "deal": deal, "occurred_at": timezone.now()}
        try:
            activity_services.activity_create(actor=actor, data=data)
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        else:
            return _detail_answer(request, actor, deal, ok=_("Follow-up logged."))
    return _detail_answer(request, actor, deal, error=True, follow_up_form=form)


@require_POST
def deal_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    access.require(actor, "assign", "deal", deal)
    form = ReassignForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            deal = services.deal_update(
                actor=actor,
                deal=deal,
                data={},
                owner=form.cleaned_data["owner"],
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        except VersionConflict:
            form.add_error(
                None, _("This deal was changed by someone else; it is shown as it is now. Try again.")
            )
        else:
            gone = _out_of_sight(request, actor, deal)
            if gone is not None:
                return gone
            return _detail_answer(
                request,
                actor,
                deal,
                ok=_("%(name)s now owns this deal.") % {"name": form.cleaned_data["owner"]},
            )
    return _detail_answer(request, actor, deal, error=True, reassign_form=form, reassign_open=True)


def _out_of_sight(request: HttpRequest, actor: Actor, deal: Deal) -> HttpResponse | None:
    """After the deal changed hands: None while the person still sees it; else the deals list,
    with a message naming the new owner and their team (never a page saying it does not exist)."""
    fresh = Deal.all_objects.select_related("owner", "team").get(pk=deal.pk)
    if access.can(actor, "view", "deal", fresh):
        return None
    messages.success(request, notify.handed_over("deal", fresh))
    url = reverse("deals:deal-list")
    if webforms.is_htmx(request):
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    services.deal_delete(actor=actor, deal=deal)
    messages.success(request, _("%(name)s was moved to the recycle bin.") % {"name": deal.name})
    return redirect("deals:deal-list")


# --- Deal form ------------------------------------------------------------------------------


def _chosen_account(actor: Actor, form: DealForm) -> Account | None:
    raw = form.data.get("account") if form.is_bound else form.initial.get("account")
    if isinstance(raw, Account):
        return raw
    if raw in (None, ""):
        return None
    try:
        return access.visible(actor, "account", Account.objects.all()).filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        return None


def _show(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _conflict_rows(form: DealForm, current: Deal) -> list[dict[str, str]]:
    """The fields where the person's values differ from the deal as it is now."""
    rows = []
    for name in (*DealForm.DATA_FIELDS, "stage", "owner"):
        if name not in form.fields or name not in form.cleaned_data:
            continue
        mine = form.cleaned_data[name]
        # The form's lost reason is the reason's id, and its note the deal's ``lost_reason`` text.
        attribute = {"lost_reason": "lost_reason_ref_id", "lost_note": "lost_reason"}.get(name, name)
        theirs = getattr(current, attribute)
        if name == "forecast_category" and not current.forecast_category_manual:
            theirs = ""  # following the stage, as the form shows it
        choices = dict(getattr(form.fields[name], "choices", []) or [])
        if name in ("source", "channel", "currency", "forecast_category", "lost_reason"):
            mine_text, theirs_text = (
                str(choices.get(mine, mine) or ""),
                str(choices.get(theirs, theirs) or ""),
            )
        else:
            mine_text, theirs_text = _show(mine), _show(theirs)
        if name == "amount" and mine is not None and theirs is not None and Decimal(mine) == Decimal(theirs):
            continue
        if mine_text != theirs_text and not (mine in (None, "") and theirs in (None, "")):
            rows.append({"label": str(form.fields[name].label), "mine": mine_text, "theirs": theirs_text})
    return rows


def _wire_account_select(form: DealForm) -> None:
    """Choosing another account reloads the contacts rows with that account's contacts (htmx)."""
    form.fields["account"].widget.attrs.update(
        {
            "hx-get": reverse("deals:deal-form-contacts"),
            "hx-trigger": "change",
            "hx-target": "#deal-contacts",
            "hx-swap": "outerHTML",
        }
    )


def _deal_form(request: HttpRequest, deal: Deal | None) -> HttpResponse:
    actor = access.get_actor(request)
    can_assign = actor.has("deal", "assign") if deal is None else access.can(actor, "assign", "deal", deal)
    if deal is None:
        pipeline = services.default_pipeline()
        first = (
            pipeline.stages.filter(kind=StageKind.OPEN).order_by("order", "id").first() if pipeline else None
        )
        initial: dict[str, Any] = {
            "currency": settings.DEFAULT_CURRENCY,
            "stage": first.pk if first else None,
            "account": request.GET.get("account") or None,
        }
        contact_initial: list[dict[str, Any]] = []
        line_initial: list[dict[str, Any]] = []
    else:
        initial = {name: getattr(deal, name) for name in DealForm.DATA_FIELDS if name != "lost_note"}
        initial["lost_reason"], initial["lost_note"] = deal.lost_reason_ref_id, deal.lost_reason
        lines_total = deal.lines.aggregate(total=Sum("amount"))["total"]
        # An amount that is not its lines' total was typed by hand: it stays so when edited.
        initial["amount_manual"] = lines_total is not None and deal.amount != lines_total
        initial["forecast_category"] = deal.forecast_category if deal.forecast_category_manual else ""
        initial.update(
            {
                "account": deal.account_id,
                "stage": deal.stage_id,
                "owner": deal.owner_id,
                "version": deal.version,
            }
        )
        contact_initial = [
            {"contact": dc.contact_id, "role": dc.role} for dc in deal.deal_contacts.order_by("id")
        ]
        line_initial = [
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
            }
            for line in deal.lines.order_by("id")
        ]
    data = webforms.posted(request)
    form = DealForm(data, actor=actor, deal=deal, can_assign=can_assign, initial=initial)
    _wire_account_select(form)
    account = _chosen_account(actor, form)
    contacts_fs = DealContactFormSet(
        data, prefix="contacts", contacts=contacts_of(actor, account), initial=contact_initial or None
    )
    products = line_products(deal)
    lines_fs = DealLineFormSet(data, prefix="lines", products=products, initial=line_initial or None)
    if line_initial:  # the deal's lines, and "add line" for more
        lines_fs.extra = 0
    extra_errors: dict[str, list[str]] = {"lines": [], "contacts": []}
    context: dict[str, Any] = {
        "form": form,
        "deal": deal,
        "contacts_fs": contacts_fs,
        "lines_fs": lines_fs,
        "line_script": {"products": lines_fs.products_json(), "symbols": CURRENCY_SYMBOLS},
        "extra_errors": extra_errors,
        "account": account,
        "conflict": None,
    }
    if request.method != "POST":
        return render(request, "deals/deal_form.html", context)
    if form.is_valid() & contacts_fs.is_valid() & lines_fs.is_valid():
        owner = form.cleaned_data.get("owner")
        try:
            if deal is None:
                saved = services.deal_create(
                    actor=actor,
                    data=form.service_data(),
                    owner=owner,
                    stage=form.cleaned_data["stage"],
                    contacts=contacts_fs.rows(),
                    lines=lines_fs.rows(),
                    amount_from_lines=form.amount_from_lines(),
                )
                gone = _out_of_sight(request, actor, saved)
                if gone is not None:
                    return gone
                messages.success(request, _("Deal %(name)s was created.") % {"name": saved.name})
                if _held_notice(saved):
                    messages.info(request, _held_notice(saved))
            else:
                saved = services.deal_update(
                    actor=actor,
                    deal=deal,
                    data=form.service_data(),
                    version=form.cleaned_data.get("version"),
                    owner=owner,
                    stage=form.cleaned_data["stage"],
                    contacts=contacts_fs.rows(),
                    lines=lines_fs.rows(),
                    amount_from_lines=form.amount_from_lines(),
                )
                gone = _out_of_sight(request, actor, saved)
                if gone is not None:
                    return gone
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": saved.name})
                if _held_notice(saved):
                    messages.info(request, _held_notice(saved))
            return redirect(saved)
        except ValidationError as exc:
            rest = lines_fs.errors_onto_lines(exc)
            if rest is not None:
                webforms.errors_onto(form, rest, extra=extra_errors)
        except VersionConflict as exc:
            assert deal is not None
            current = Deal.objects.select_related("owner", "account", "stage").get(pk=deal.pk)
            context["conflict"] = {
                "rows": _conflict_rows(form, current),
                "version": exc.version,
                "current": current,
            }
            rebound = request.POST.copy()
            rebound["version"] = str(exc.version)
            form = DealForm(rebound, actor=actor, deal=current, can_assign=can_assign, initial=initial)
            _wire_account_select(form)
            form.is_valid()
            context["form"] = form
            return render(request, "deals/deal_form.html", context, status=409)
    return render(request, "deals/deal_form.html", context, status=400)


def deal_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "create", "deal")
    return _deal_form(request, None)


def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    deal = _deal_or_404(actor, pk)
    access.require(actor, "edit", "deal", deal)
    return _deal_form(request, deal)


@require_GET
def deal_form_contacts(request: HttpRequest) -> HttpResponse:
    """The form's contacts rows for the chosen account (htmx, when the account changes)."""
    actor = access.get_actor(request)
    if not actor.has("deal", "view"):
        raise PermissionDenied
    account = None
    pk = parse_id(request.GET.get("account"))
    if pk is not None:
        account = access.visible(actor, "account", Account.objects.all()).filter(pk=pk).first()
    contacts_fs = DealContactFormSet(prefix="contacts", contacts=contacts_of(actor, account))
    return render(
        request,
        "deals/partials/_deal_form_contacts.html",
        {"contacts_fs": contacts_fs, "account": account, "extra_errors": {"contacts": []}},
    )


@require_GET
def account_search(request: HttpRequest) -> HttpResponse:
    """Options of the form's account select matching ``q`` (htmx; bounded)."""
    actor = access.get_actor(request)
    if not actor.has("deal", "view"):
        raise PermissionDenied
    q = (request.GET.get("q") or "").strip()[:100]
    selected = request.GET.get("account") or ""
    options = account_options(actor, q=q, selected=None if q else selected)
    if q and len(options) > 1:
        selected = str(options[1][0])
    return render(request, "deals/partials/_account_options.html", {"options": options, "selected": selected})


# --- Products -------------------------------------------------------------------------------


def product_columns() -> list[Column]:
    return [
        Column("name", _("Name"), "name"),
        Column("code", _("Code"), "code"),
        Column("family", _("Series / family"), "family"),
        Column("list_price", _("List price"), "list_price", numeric=True),
        Column("is_active", _("Status"), "is_active"),
    ]


def product_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("product", "view"):
        raise PermissionDenied
    products = access.visible(actor, "product", Product.objects.all())
    result = list_context(
        request,
        resource="product",
        queryset=products,
        filterset_class=ProductFilter,
        columns=product_columns(),
        default_sort="name",
    )
    families = list(
        products.exclude(family="").order_by("family").values_list("family", flat=True).distinct()[:200]
    )
    context = result.as_context()
    context.update(
        {
            "search_form": ProductFilterForm(request.GET or None, families=families),
            "list_url": reverse("deals:product-list"),
            "export_url": reverse("api:products-list") if actor.has("product", "view") else "",
            "can_manage": actor.has("product", "manage"),
            "filtered": result.filtered,
        }
    )
    status = 400 if result.filterset.is_bound and result.filterset.errors else 200
    return render(request, "deals/product_list.html", context, status=status)


def _product_form(request: HttpRequest, product: Product | None) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "manage", "product")
    initial: dict[str, Any] = {"currency": settings.DEFAULT_CURRENCY, "is_active": True}
    if product is not None:
        initial = ProductForm.initial_from(product)
    form = ProductForm(webforms.posted(request), initial=initial)
    return webforms.form_page(
        request,
        form=form,
        template="deals/product_form.html",
        context={"form": form, "product": product},
        on_error=product.refresh_from_db if product is not None else None,
        save=lambda: services.product_save(actor=actor, product=product, data=dict(form.cleaned_data)),
        success=lambda saved: _("Product %(name)s was saved.") % {"name": saved.name},
        done="deals:product-list",
    )


def product_create(request: HttpRequest) -> HttpResponse:
    return _product_form(request, None)


def _product_or_404(actor: Actor, pk: int) -> Product:
    return access.get_visible_or_404(actor, "product", Product.objects.all(), pk=pk)


def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    return _product_form(request, _product_or_404(actor, pk))


@require_POST
def product_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (no longer offered on new deals) or reactivate a product."""
    actor = access.get_actor(request)
    product = _product_or_404(actor, pk)
    active = not product.is_active
    services.product_save(actor=actor, product=product, data={"is_active": active})
    text = _("%(name)s is offered again.") if active else _("%(name)s is no longer offered on new deals.")
    messages.success(request, text % {"name": product.display_name})
    return redirect(webforms.safe_next(request, reverse("deals:product-list")))


# --- Pipelines and stages (administrators) -----------------------------------------------------


def _require_manage(actor: Actor) -> None:
    access.require(actor, "manage", "deal")


def pipeline_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_manage(actor)
    rows = list(selectors.with_stages(Pipeline.objects.order_by("order", "id")))
    for pipeline in rows:
        for stage in pipeline.stages.all():
            stage.required_labels = [  # type: ignore[attr-defined]
                services.requirable_field_label(f) for f in stage.required_fields or []
            ]
    return render(request, "deals/pipeline_list.html", {"pipelines": rows})


def _pipeline_form(request: HttpRequest, pipeline: Pipeline | None) -> HttpResponse:
    actor = access.get_actor(request)
    _require_manage(actor)
    initial: dict[str, Any] = {"is_active": True, "order": Pipeline.objects.count()}
    if pipeline is not None:
        initial = PipelineForm.initial_from(pipeline)
    form = PipelineForm(webforms.posted(request), initial=initial)

    @transaction.atomic
    def save() -> Pipeline:
        saved = services.pipeline_save(actor=actor, pipeline=pipeline, data=dict(form.cleaned_data))
        if pipeline is None:  # a new pipeline starts with the default stages, named in this language
            for order, (name, probability, kind, required) in enumerate(services.DEFAULT_STAGES):
                services.stage_save(
                    actor=actor,
                    stage=None,
                    data={
                        "pipeline": saved,
                        "name": naming.localized(name, None),
                        "names": {
                            code: naming.localized(name, None, code) for code in naming.language_codes()
                        },
                        "order": order,
                        "probability": probability,
                        "kind": kind,
                        "required_fields": required,
                    },
                )
        return saved

    return webforms.form_page(
        request,
        form=form,
        template="deals/pipeline_form.html",
        context={"form": form, "pipeline": pipeline},
        on_error=pipeline.refresh_from_db if pipeline is not None else None,
        save=save,
        success=lambda saved: _("Pipeline %(name)s was saved.") % {"name": saved.display_name},
        done="deals:pipeline-list",
    )


def pipeline_create(request: HttpRequest) -> HttpResponse:
    return _pipeline_form(request, None)


def _pipeline_or_404(pk: int) -> Pipeline:
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        raise Http404
    return pipeline


def pipeline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.get_actor(request)
    return _pipeline_form(request, _pipeline_or_404(pk))


@require_POST
def pipeline_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    pipeline = _pipeline_or_404(pk)
    try:
        services.pipeline_delete(actor=actor, pipeline=pipeline)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Pipeline %(name)s was deleted.") % {"name": pipeline.display_name})
    return redirect("deals:pipeline-list")


def _stage_or_404(pk: int) -> Stage:
    stage = Stage.objects.select_related("pipeline").filter(pk=pk).first()
    if stage is None:
        raise Http404
    return stage


def _stage_form(request: HttpRequest, pipeline: Pipeline, stage: Stage | None) -> HttpResponse:
    actor = access.get_actor(request)
    _require_manage(actor)
    if stage is None:
        last = pipeline.stages.order_by("-order").first()
        initial: dict[str, Any] = {"order": (last.order + 1) if last else 0, "kind": StageKind.OPEN}
    else:
        initial = StageForm.initial_from(stage)
    form = StageForm(webforms.posted(request), initial=initial)
    return webforms.form_page(
        request,
        form=form,
        template="deals/stage_form.html",
        context={"form": form, "stage": stage, "pipeline": pipeline},
        on_error=stage.refresh_from_db if stage is not None else None,
        save=lambda: services.stage_save(
            actor=actor, stage=stage, data={**form.cleaned_data, "pipeline": pipeline}
        ),
        success=lambda saved: _("Stage %(name)s was saved.") % {"name": saved.display_name},
        done="deals:pipeline-list",
    )


def stage_create(request: HttpRequest, pipeline_pk: int) -> HttpResponse:
    access.get_actor(request)
    return _stage_form(request, _pipeline_or_404(pipeline_pk), None)


def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_or_404(pk)
    return _stage_form(request, stage.pipeline, stage)


@require_POST
def stage_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a stage one place up or down: the pipeline's stages are renumbered 0, 1, 2 ..."""
    actor = access.get_actor(request)
    _require_manage(actor)
    stage = _stage_or_404(pk)
    stages = list(stage.pipeline.stages.order_by("order", "id"))
    index = next(i for i, s in enumerate(stages) if s.pk == stage.pk)
    target = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= target < len(stages):
        stages[index], stages[target] = stages[target], stages[index]
        with transaction.atomic():
            for order, item in enumerate(stages):
                if item.order != order:
                    services.stage_save(actor=actor, stage=item, data={"order": order})
    return redirect(reverse("deals:pipeline-list") + f"#pipeline-{stage.pipeline_id}")


@require_POST
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    stage = _stage_or_404(pk)
    try:
        services.stage_delete(actor=actor, stage=stage)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Stage %(name)s was deleted.") % {"name": stage.display_name})
    return redirect("deals:pipeline-list")


# --- Lost reasons (administrators; decision 0030) ----------------------------------------------


def lost_reason_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    _require_manage(actor)
    services.ensure_lost_reasons()
    reasons = list(LostReason.objects.order_by("order", "id"))
    return render(request, "deals/lost_reason_list.html", {"reasons": reasons})


def _lost_reason_or_404(pk: int) -> LostReason:
    reason = LostReason.objects.filter(pk=pk).first()
    if reason is None:
        raise Http404
    return reason


def _lost_reason_form(request: HttpRequest, reason: LostReason | None) -> HttpResponse:
    actor = access.get_actor(request)
    _require_manage(actor)
    initial: dict[str, Any] = {"is_active": True}
    if reason is not None:
        initial = LostReasonForm.initial_from(reason)
    form = LostReasonForm(webforms.posted(request), initial=initial)
    if reason is not None and reason.is_other:
        form.fields["is_active"].disabled = True
        form.fields["is_active"].help_text = _("“Other” is always offered.")
    return webforms.form_page(
        request,
        form=form,
        template="deals/lost_reason_form.html",
        context={"form": form, "reason": reason},
        on_error=reason.refresh_from_db if reason is not None else None,
        save=lambda: services.lost_reason_save(actor=actor, reason=reason, data=dict(form.cleaned_data)),
        success=lambda saved: _("Lost reason %(name)s was saved.") % {"name": saved.display_name},
        done="deals:lost-reason-list",
    )


def lost_reason_create(request: HttpRequest) -> HttpResponse:
    return _lost_reason_form(request, None)


def lost_reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.get_actor(request)
    return _lost_reason_form(request, _lost_reason_or_404(pk))


@require_POST
def lost_reason_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a reason (no longer offered; deals keep it) or offer it again."""
    actor = access.get_actor(request)
    _require_manage(actor)
    reason = _lost_reason_or_404(pk)
    try:
        saved = services.lost_reason_save(
            actor=actor, reason=reason, data={"is_active": not reason.is_active}
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = (
            _("%(name)s is offered again.") if saved.is_active else _("%(name)s is no longer offered.")
        ) % {"name": saved.display_name}
        messages.success(request, text)
    return redirect("deals:lost-reason-list")
