"""Pages of the insights: the rules with their counts and one rule's records with why, the
thresholds (administrators) and the digest opt-out (everyone, for themselves)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.core.errors import VersionConflict

from . import rules, selectors, services
from .forms import FIELDS, ThresholdsForm


def insight_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not rules.rules_for(actor):
        raise Http404
    try:
        scope, described = selectors.scope_from(actor, request.GET)
    except ValidationError as exc:
        return render(request, "insights/insight_list.html", {"errors": exc.messages}, status=400)
    context: dict[str, Any] = {"scope": scope, **described}
    code = request.GET.get("rule", "")
    if code:
        try:
            rule, result = selectors.insight_records(
                actor=actor, code=code, scope=scope, limit=25, cursor=request.GET.get("cursor") or None
            )
        except ValidationError as exc:
            return render(
                request, "insights/insight_list.html", {"errors": exc.messages, **context}, status=400
            )
        params = request.GET.copy()
        params.pop("cursor", None)
        if result.next_cursor:
            params["cursor"] = result.next_cursor
        context.update(
            {"rule": rule, "result": result, "next_query": params.urlencode() if result.next_cursor else ""}
        )
    summary = selectors.insight_summary(actor=actor, scope=scope)
    base = request.GET.copy()
    for key in ("rule", "cursor"):
        base.pop(key, None)
    context["summary"] = [
        {"rule": r, "result": res, "query": (base.urlencode() + "&" if base else "") + f"rule={r.code}"}
        for r, res in summary
    ]
    context["scope_query"] = base.urlencode()
    return render(request, "insights/insight_list.html", context)


def thresholds_page(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    current = rules.thresholds()
    form = ThresholdsForm(
        webforms.posted(request),
        initial={
            **{name: getattr(current, name) for name in FIELDS},
            "version": current.version,
        },
    )

    def save() -> Any:
        try:
            return services.thresholds_update(
                actor=actor, data=form.service_data(), version=form.cleaned_data.get("version")
            )
        except VersionConflict as exc:
            form.data = {**dict(form.data.items()), "version": str(exc.version)}
            raise ValidationError(
                _("Someone changed the thresholds meanwhile. Check your values and save again.")
            ) from exc

    return webforms.form_page(
        request,
        form=form,
        template="insights/thresholds.html",
        context={"form": form, "current": current},
        save=save,
        success=lambda saved: _("The insight thresholds were saved."),
        done="insights:settings",
    )


@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    receive = request.POST.get("receive_digest") == "on"
    services.digest_preference_set(actor=actor, receive=receive)
    messages.success(
        request,
        _("You will receive the daily insight digest.")
        if receive
        else _("You will no longer receive the daily insight digest."),
    )
    return redirect(webforms.safe_next(request, "/"))
