"""Forecast pages: my forecast (submit beside my pipeline), a team's forecast (managers adjust
with a reason), the company's teams side by side with the quarter's movement (directors).
Reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.kpis import periods
from tandem.kpis.company import company_settings
from tandem.kpis.periods import Period
from tandem.org.models import Team

from . import selectors, services
from .forms import AdjustmentForm, SubmissionForm
from .models import ForecastSubmission


def _actor(request: HttpRequest) -> Actor:
    actor = access.get_actor(request)
    if actor.user is None or not actor.has("deal", "view"):
        raise Http404
    return actor


def _period(request: HttpRequest) -> Period:
    key = request.POST.get("period") or request.GET.get("period")
    kind = request.GET.get("kind")
    try:
        if not key and kind == periods.MONTH:
            return selectors.current_period(periods.MONTH)
        return selectors.parse_period(key)
    except ValueError as exc:
        raise Http404 from exc


def _period_context(request: HttpRequest, period: Period) -> dict[str, Any]:
    other_kind = periods.MONTH if period.kind == periods.QUARTER else periods.QUARTER
    return {
        "period": period,
        "previous_period": period.previous(),
        "next_period": period.next(),
        "other_kind_period": selectors.current_period(other_kind),
        "currency": company_settings().currency,
        "period_open": period.end >= timezone.localdate(),
    }


def _led_teams(actor: Actor) -> list[Team]:
    """Teams whose forecast page the actor may open: the ones they lead or belong to, if in scope."""
    teams = Team.objects.filter(pk__in=actor.team_ids).order_by("path")
    return [t for t in teams if selectors.sees_team(actor, t) and (t.leader_id == actor.id or actor.is_admin)]


def mine(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    period = _period(request)
    assert actor.user is not None
    submission = ForecastSubmission.objects.filter(owner=actor.user, period=period.key).first()
    initial: dict[str, Any] = {"version": submission.version if submission else 0}
    if submission is not None:
        initial.update(
            commit_amount=submission.commit_amount,
            best_case_amount=submission.best_case_amount,
            note=submission.note,
        )
    form = SubmissionForm(webforms.posted(request), initial=initial)
    status = 200
    conflict = None
    if request.method == "POST":
        if form.is_valid():
            sent = form.cleaned_data.get("version")
            try:
                services.submission_save(
                    actor=actor,
                    period=period,
                    data=form.cleaned_data,
                    version=sent if submission is not None or sent else None,
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            except VersionConflict as exc:
                conflict = exc.current
                form.add_error(
                    None, _("Your forecast was changed elsewhere. Check it below and submit again.")
                )
            else:
                messages.success(
                    request, _("Your forecast for %(period)s was saved.") % {"period": period.label()}
                )
                return redirect(f"{reverse('forecasts:mine')}?period={period.key}")
        status = 400
    row = selectors.my_forecast(actor=actor, person=actor.user, period=period)
    context = {
        **_period_context(request, period),
        "form": form,
        "row": row,
        "submission": submission,
        "conflict": conflict,
        "versions": selectors.submission_versions(actor, submission),
        "adjustments": selectors.adjustments_for(actor, period, person=actor.user),
        "teams": _led_teams(actor),
        "sees_company": selectors.sees_company(actor),
        "links": _pipeline_links(period, owner=actor.user),
    }
    return render(request, "forecasts/mine.html", context, status=status)


def _pipeline_links(period: Period, **who: Any) -> dict[str, str]:
    return {
        "commit": selectors.deal_list_url(period=period, category="commit", **who),
        "best_case": selectors.deal_list_url(period=period, category="best_case", **who),
        "pipeline": selectors.deal_list_url(period=period, category="pipeline", **who),
        "all": selectors.deal_list_url(period=period, **who),
        "won": selectors.won_list_url(period=period, **who),
    }


def team(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    period = _period(request)
    found = selectors.team_or_404(actor, pk)
    forecast = selectors.team_forecast_rows(actor=actor, team=found, period=period)
    rows = [*forecast.members, *forecast.subteams]
    for row in forecast.members:  # direct members: the team's own path
        row.can_adjust = selectors.can_adjust_at(
            actor, found.path, person_id=row.person.pk if row.person else None
        )
    for row in [*forecast.subteams, forecast.total]:
        row.can_adjust = selectors.can_adjust_at(actor, row.team.path if row.team else None)
    context = {
        **_period_context(request, period),
        "team": found,
        "forecast": forecast,
        "rows": rows,
        "adjustments": selectors.adjustments_for_team(actor, period, found),
        "adjust_form": AdjustmentForm(),
        "sees_company": selectors.sees_company(actor),
        "links": _pipeline_links(period, team=found),
    }
    return render(request, "forecasts/team.html", context)


@require_POST
def adjust(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    period = _period(request)
    person = selectors.person_or_404(actor, request.POST["person"]) if request.POST.get("person") else None
    team_found = selectors.team_or_404(actor, request.POST["team"]) if request.POST.get("team") else None
    back_team = selectors.team_or_404(actor, request.POST.get("back") or (team_found.pk if team_found else 0))
    back = f"{reverse('forecasts:team', args=[back_team.pk])}?period={period.key}"
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect(back)
    try:
        services.adjustment_create(
            actor=actor, period=period, data=form.cleaned_data, person=person, team=team_found
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(back)
    subject = str(person) if person is not None else str(team_found)
    messages.success(request, _("The forecast of %(subject)s was adjusted.") % {"subject": subject})
    return redirect(back)


def company(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    period = _period(request)
    forecast = selectors.company_team_rows(actor=actor, period=period)
    context = {
        **_period_context(request, period),
        "forecast": forecast,
        **selectors.movement_card_context(actor=actor, period=period),
    }
    return render(request, "forecasts/company.html", context)
