"""Administrator pages of the KPI foundation: company settings, exchange rates (a grid of months ×
currencies, edited in place), KPI definitions (list and form). Every write goes through
``kpis.services``; these views parse, call and render."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from tandem.core import access, webforms
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict

from . import periods, services
from .company import company_settings
from .forms import AddMonthForm, CompanySettingsForm, KpiForm
from .models import ExchangeRate, KpiDefinition, Measure, Source
from .sources import SOURCES, describe_filters

RATE_FIELD = re.compile(r"^rate-(\d{4}-\d{2})-([A-Z]{3})$")
GRID_MONTHS = 12


def _admin(request: HttpRequest) -> Actor:
    actor = access.get_actor(request)
    access.require_admin(actor)
    return actor


# --- Company settings ---------------------------------------------------------------------------


def company_settings_page(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    current = company_settings()
    form = CompanySettingsForm(webforms.posted(request), initial=CompanySettingsForm.initial_from(current))
    rates_on_file = ExchangeRate.objects.count()

    def save() -> Any:
        try:
            return services.company_settings_update(
                actor=actor,
                data=form.service_data(),
                version=form.cleaned_data.get("version"),
                clear_rates=form.cleaned_data["clear_rates"],
            )
        except VersionConflict as exc:
            # Saving again saves over their change, knowingly.
            form.data = {**dict(form.data.items()), "version": str(exc.version)}
            raise ValidationError(
                _(
                    "Someone changed the settings meanwhile (see “Now saved”). Check your values and save again."
                )
            ) from exc

    return webforms.form_page(
        request,
        form=form,
        template="kpis/company_settings.html",
        context={
            "form": form,
            "current": current,
            "current_month_name": MONTHS[current.fiscal_year_start_month],
            "current_at_risk": (current.pace_at_risk * 100).quantize(Decimal(1)),
            "current_off_track": (current.pace_off_track * 100).quantize(Decimal(1)),
            "rates_on_file": rates_on_file,
        },
        save=save,
        success=lambda saved: _("The company settings were saved."),
        done="kpis:company-settings",
    )


# --- Exchange rates ----------------------------------------------------------------------------


def _grid_months(extra: list[datetime.date]) -> list[datetime.date]:
    """The last twelve months, every month with a rate on file, and any month asked for: newest first."""
    this_month = periods.month_start(timezone.localdate())
    months = {periods.add_months(this_month, -n) for n in range(GRID_MONTHS)}
    months |= set(ExchangeRate.objects.values_list("month", flat=True).distinct())
    months |= set(extra)
    return sorted(months, reverse=True)


def _foreign_currencies() -> list[str]:
    company = company_settings().currency
    return [c for c in settings.CURRENCIES if c != company]


def _cell(
    month: datetime.date,
    currency: str,
    rate: ExchangeRate | None,
    *,
    value: str | None = None,
    error: str = "",
    saved: bool = False,
) -> dict[str, Any]:
    key = f"{month:%Y-%m}"
    return {
        "month": key,
        "currency": currency,
        "name": f"rate-{key}-{currency}",
        "value": value if value is not None else (_plain(rate.rate) if rate else ""),
        "error": error,
        "saved": saved,
        "label": _("%(currency)s in %(month)s")
        % {
            "currency": currency,
            "month": periods.period_containing(month, periods.MONTH, fiscal_start=1).label(),
        },
    }


def _plain(rate: Decimal) -> str:
    """A rate as people write it: 7.1 rather than 7.10000000."""
    return format(rate.normalize(), "f")


def _grid(extra: list[datetime.date], entered: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    currencies = _foreign_currencies()
    months = _grid_months(extra)
    rates = {(r.month, r.currency): r for r in ExchangeRate.objects.filter(currency__in=currencies)}
    rows = []
    for month in months:
        cells = []
        for currency in currencies:
            name = f"rate-{month:%Y-%m}-{currency}"
            cells.append(
                _cell(
                    month,
                    currency,
                    rates.get((month, currency)),
                    value=entered.get(name),
                    error=errors.get(name, ""),
                )
            )
        rows.append(
            {
                "month": month,
                "label": periods.period_containing(month, periods.MONTH, fiscal_start=1).label(),
                "cells": cells,
            }
        )
    return {"currencies": currencies, "rows": rows}


def _set_cell(actor: Actor, month_key: str, currency: str, raw: str) -> tuple[ExchangeRate | None, str]:
    """Save one cell: a rate, or nothing to remove the month's rate. (saved rate, error)."""
    try:
        month = datetime.datetime.strptime(month_key, "%Y-%m").date()
    except ValueError:
        return None, _("Give a month as YYYY-MM.")
    text = (raw or "").strip().replace(",", "")
    existing = ExchangeRate.objects.filter(month=month, currency=currency).first()
    if not text:
        if existing is not None:
            services.exchange_rate_delete(actor=actor, rate=existing)
        return None, ""
    try:
        Decimal(text)
    except InvalidOperation:
        return existing, _("Give a positive number, e.g. 7.1234.")
    try:
        return services.exchange_rate_set(actor=actor, month=month, currency=currency, rate=text), ""
    except ValidationError as exc:
        return existing, " ".join(exc.messages)


def exchange_rates(request: HttpRequest) -> HttpResponse:
    """The grid. GET ``?add=YYYY-MM`` shows that month too; a POST saves every cell that changed
    (the page without JavaScript; with it, each cell saves on its own)."""
    actor = _admin(request)
    add_form = AddMonthForm(request.GET if "month" in request.GET else None)
    extra = (
        [add_form.cleaned_data["month"].replace(day=1)] if add_form.is_bound and add_form.is_valid() else []
    )
    entered: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        current = {f"rate-{r.month:%Y-%m}-{r.currency}": _plain(r.rate) for r in ExchangeRate.objects.all()}
        for name in request.POST:
            value = request.POST.get(name, "")
            match = RATE_FIELD.match(name)
            if not match or match.group(2) not in _foreign_currencies():
                continue
            if (value or "").strip() == current.get(name, ""):
                continue
            _saved, error = _set_cell(actor, match.group(1), match.group(2), value)
            if error:
                entered[name] = value
                errors[name] = error
            else:
                extra.append(datetime.datetime.strptime(match.group(1), "%Y-%m").date())
        if not errors:
            messages.success(request, _("The exchange rates were saved."))
            return redirect("kpis:exchange-rates")
    context = {
        "grid": _grid(extra, entered, errors),
        "add_form": add_form,
        "company_currency": company_settings().currency,
        "errors": errors,
    }
    return render(request, "kpis/exchange_rates.html", context, status=400 if errors else 200)


@require_POST
def exchange_rate_cell(request: HttpRequest) -> HttpResponse:
    """One cell saved in place (htmx): the cell again, with its error or a check mark."""
    actor = _admin(request)
    month_key = request.POST.get("month", "")
    currency = request.POST.get("currency", "")
    if currency not in _foreign_currencies() or not re.match(r"^\d{4}-\d{2}$", month_key):
        raise Http404
    name = f"rate-{month_key}-{currency}"
    raw = request.POST.get(name, "")
    saved, error = _set_cell(actor, month_key, currency, raw)
    month = datetime.datetime.strptime(month_key, "%Y-%m").date()
    cell = _cell(month, currency, saved, value=raw if error else None, error=error, saved=not error)
    return render(request, "kpis/partials/_rate_cell.html", {"cell": cell}, status=400 if error else 200)


# --- KPI definitions ---------------------------------------------------------------------------


def describe(kpi: KpiDefinition) -> str:
    """What a KPI counts, in a line."""
    if kpi.measure == Measure.RATIO:
        if kpi.numerator is None or kpi.denominator is None:
            return ""
        return _("%(numerator)s ÷ %(denominator)s") % {
            "numerator": kpi.numerator.display_name,
            "denominator": kpi.denominator.display_name,
        }
    spec = SOURCES.get(kpi.source)
    if spec is None:
        return ""
    records = dict(Source.choices).get(kpi.source, kpi.source)
    date = spec.date_fields.get(kpi.date_field, kpi.date_field)
    if kpi.measure == Measure.SUM:
        text = _("Sum of %(field)s of %(records)s by %(date)s") % {
            "field": spec.sum_fields.get(kpi.sum_field, kpi.sum_field),
            "records": records,
            "date": date,
        }
    else:
        text = _("Count of %(records)s by %(date)s") % {"records": records, "date": date}
    conditions = [
        _("%(field)s: %(values)s") % {"field": label, "values": pgettext("list separator", ", ").join(values)}
        for label, values in describe_filters(kpi.source, kpi.filters or {})
    ]
    return "; ".join([text, *conditions])


def kpi_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    kpis = list(KpiDefinition.objects.select_related("numerator", "denominator").order_by("order", "id"))
    rows = [{"kpi": kpi, "describe": describe(kpi)} for kpi in kpis]
    return render(request, "kpis/kpi_list.html", {"rows": rows})


def _form_initial(request: HttpRequest, kpi: KpiDefinition | None) -> dict[str, Any]:
    if "measure" in request.GET:  # the form redrawn for another measure or source (htmx)
        data: QueryDict = request.GET
        initial: dict[str, Any] = {k: data.get(k) for k in data if not k.startswith("filter_")}
        initial.update({k: data.getlist(k) for k in data if k.startswith("filter_")})
        initial["is_active"] = data.get("is_active") in ("on", "true", "1")
        initial["names"] = {
            code.replace("_", "-"): v
            for key, v in data.items()
            if key.startswith("name_") and (code := key[5:])
        }
        return initial
    if kpi is not None:
        return KpiForm.initial_for(kpi)
    return {
        "measure": Measure.COUNT,
        "source": Source.DEAL,
        "date_field": "closed_on",
        "order": 100,
        "is_active": True,
    }


def _kpi_form(request: HttpRequest, kpi: KpiDefinition | None) -> HttpResponse:
    actor = _admin(request)
    form = KpiForm(webforms.posted(request), initial=_form_initial(request, kpi), kpi=kpi)

    def save() -> KpiDefinition:
        try:
            return services.kpi_save(
                actor=actor, kpi=kpi, data=form.service_data(), version=form.cleaned_data.get("version")
            )
        except VersionConflict as exc:
            raise ValidationError(
                _(
                    "Someone changed this KPI meanwhile. Reload the page to see their version, then edit again."
                )
            ) from exc

    context = {"form": form, "kpi": kpi, "describe": describe(kpi) if kpi else ""}
    if webforms.is_htmx(request) and request.method != "POST":
        return render(request, "kpis/kpi_form.html", context)
    return webforms.form_page(
        request,
        form=form,
        template="kpis/kpi_form.html",
        context=context,
        save=save,
        on_error=kpi.refresh_from_db if kpi is not None else None,
        success=lambda saved: _("KPI %(name)s was saved.") % {"name": saved.display_name},
        done="kpis:kpi-list",
    )


def kpi_create(request: HttpRequest) -> HttpResponse:
    return _kpi_form(request, None)


def _kpi_or_404(pk: int) -> KpiDefinition:
    found = KpiDefinition.objects.select_related("numerator", "denominator").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def kpi_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    return _kpi_form(request, _kpi_or_404(pk))


@require_POST
def kpi_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    kpi = _kpi_or_404(pk)
    services.kpi_save(actor=actor, kpi=kpi, data={"is_active": not kpi.is_active})
    text = (
        _("%(name)s is active again.") if not kpi.is_active else _("%(name)s is no longer shown or counted.")
    )
    messages.success(request, text % {"name": kpi.display_name})
    return redirect("kpis:kpi-list")


@require_POST
def kpi_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    kpi = _kpi_or_404(pk)
    try:
        services.kpi_delete(actor=actor, kpi=kpi)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("KPI %(name)s was deleted.") % {"name": kpi.display_name})
    return redirect(reverse("kpis:kpi-list"))
