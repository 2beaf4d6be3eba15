"""The analytics workspace (/analytics/), the records behind a figure (/analytics/records/) and
each table as CSV or XLSX. Views parse the filters, call the selectors and render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from tandem.core import access, export
from tandem.core.access import Actor
from tandem.kpis.company import company_settings

from . import records, selectors
from .filters import DEFAULT_PERIOD, FilterForm, Filters


def _viewer(request: HttpRequest) -> Actor:
    actor = access.get_actor(request)
    if not actor.has("deal", "view"):
        raise PermissionDenied
    return actor


def _breakdown(request: HttpRequest) -> str:
    by = request.GET.get("by", selectors.DEFAULT_BREAKDOWN)
    return by if by in selectors.BREAKDOWNS else selectors.DEFAULT_BREAKDOWN


def _filter_form(request: HttpRequest, actor: Actor) -> FilterForm:
    data = request.GET.copy()
    data.setdefault("period", DEFAULT_PERIOD)  # the select shows the period the figures are for
    return FilterForm(data, actor=actor)


def index(request: HttpRequest) -> HttpResponse:
    """The whole workspace; an htmx request (the filter bar changed) gets the sections only."""
    actor = _viewer(request)
    form = _filter_form(request, actor)
    by = _breakdown(request)
    context: dict[str, Any] = {
        "form": form,
        "currency": company_settings().currency,
        "by": by,
        "breakdowns": selectors.BREAKDOWNS,
    }
    status = 200
    if form.is_valid():
        f = form.filters()
        context |= {"filters": f, "sections": selectors.workspace(actor, f, by=by), "query": f.query}
    else:
        status = 400
    template = (
        "analytics/partials/_sections.html" if request.headers.get("HX-Request") else "analytics/index.html"
    )
    return render(request, template, context, status=status)


def section_view(request: HttpRequest, key: str) -> HttpResponse:
    """One card, computed (the page's lazy cards and the breakdown's tabs)."""
    actor = _viewer(request)
    if key not in selectors.SECTIONS:
        raise Http404
    form = _filter_form(request, actor)
    by = _breakdown(request)
    context: dict[str, Any] = {"form": form, "currency": company_settings().currency, "by": by}
    if not form.is_valid():
        return render(request, "analytics/partials/_sections.html", context, status=400)
    f = form.filters()
    context |= {
        "filters": f,
        "query": f.query,
        "breakdowns": selectors.BREAKDOWNS,
        "section": selectors.section(actor, f, key, by=by),
    }
    return render(request, "analytics/partials/_section.html", context)


def records_view(request: HttpRequest) -> HttpResponse:
    actor = _viewer(request)
    form = records.RecordsForm(request.GET)
    context: dict[str, Any] = {"form": form, "currency": company_settings().currency}
    if not form.is_valid():
        return render(request, "analytics/records.html", context, status=400)
    data = form.cleaned_data
    found = records.records_page(actor, data)
    more = None
    if found.next_after:
        query = request.GET.copy()
        query["after"] = str(found.next_after)
        more = query.urlencode()
    context |= {
        "found": found,
        "more": more,
        "dates": records.describe_dates(data),
        "chips": records.describe(actor, data),
    }
    return render(request, "analytics/records.html", context)


def _export_value(value: Any, kind: str) -> Any:
    if kind == "percent" and value is not None:
        return (Decimal(str(value)) * 100).quantize(Decimal("0.01"))
    return value


def export_table(request: HttpRequest, section: str, table: str) -> HttpResponseBase:
    """One table of one section as ``?format=csv|xlsx``, with the page's filters: formulas
    neutralised by ``core.export`` like every file Tandem writes."""
    actor = _viewer(request)
    fmt = request.GET.get("format", "csv")
    if section not in selectors.SECTIONS or fmt not in export.EXPORT_FORMATS:
        raise Http404
    form = _filter_form(request, actor)
    if not form.is_valid():
        context = {"form": form, "currency": company_settings().currency, "by": _breakdown(request)}
        return render(request, "analytics/index.html", context, status=400)
    f: Filters = form.filters()
    found = selectors.section(actor, f, section, by=_breakdown(request)).table(table)
    if found is None:
        raise Http404
    columns: list[export.Column] = []
    for column in found.columns:
        header = f"{column.label} (%)" if column.kind == "percent" else column.label
        columns.append((header, _getter(column.key, column.kind)))
    rows = [*found.rows, *([found.total] if found.total else [])]
    return export.export_response(
        rows=rows, columns=columns, filename=f"{section}-{found.key}-{f.slug}", fmt=fmt
    )


def _getter(key: str, kind: str) -> Any:
    if kind == "mixed":
        return lambda row: _export_value(row.cells.get(key), str(row.cells.get("kind", "")))
    return lambda row: _export_value(row.cells.get(key), kind)


def describe(f: Filters) -> str:
    return _("%(period)s (%(start)s – %(end)s)") % {
        "period": f.period_label,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
    }
