"""Writes of the KPI foundation: company settings, exchange rates, KPI definitions.

All three are company-wide configuration: administrators change them. Every change is in
history. Built-in KPIs are written by ``kpi_sync_builtin`` after every ``migrate``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, dates, history, naming
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.core.models import HistoryAction

from . import company
from .models import CompanySettings, ExchangeRate, KpiDefinition, Measure, Source, Unit
from .sources import SOURCES, filter_values

MAX_RATE = Decimal("9999999999")
PACE_FIELDS = ("pace_at_risk", "pace_off_track")

# --- Built-in KPIs ----------------------------------------------------------------------------

# code: (name, description, definition, order). Names and descriptions are msgids: stored in
# English, shown through the catalogue (naming.NamedInLanguages), so a rename by an
# administrator (``names``) wins and everyone else reads the catalogue's.
BUILTIN_KPIS: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "won_amount": (
        gettext_noop("Won amount"),
        gettext_noop("Amount of deals won, by the day they closed."),
        {
            "source": "deal",
            "measure": "sum",
            "sum_field": "amount",
            "date_field": "closed_on",
            "filters": {"status": ["won"]},
            "unit": "money",
        },
        10,
    ),
    "won_deals": (
        gettext_noop("Deals won"),
        gettext_noop("Deals won, by the day they closed."),
        {
            "source": "deal",
            "measure": "count",
            "date_field": "closed_on",
            "filters": {"status": ["won"]},
            "unit": "count",
        },
        20,
    ),
    "lost_deals": (
        gettext_noop("Deals lost"),
        gettext_noop("Deals lost, by the day they closed."),
        {
            "source": "deal",
            "measure": "count",
            "date_field": "closed_on",
            "filters": {"status": ["lost"]},
            "unit": "count",
        },
        30,
    ),
    "closed_deals": (
        gettext_noop("Deals closed"),
        gettext_noop("Deals won or lost, by the day they closed."),
        {
            "source": "deal",
            "measure": "count",
            "date_field": "closed_on",
            "filters": {"status": ["won", "lost"]},
            "unit": "count",
        },
        40,
    ),
    "win_rate": (
        gettext_noop("Win rate"),
        gettext_noop("Deals won ÷ deals closed (won or lost), by the day they closed."),
        {"measure": "ratio", "numerator": "won_deals", "denominator": "closed_deals", "unit": "percent"},
        50,
    ),
    "new_pipeline": (
        gettext_noop("Pipeline created"),
        gettext_noop("Amount of deals opened, whatever became of them, by the day work on them started."),
        {
            "source": "deal",
            "measure": "sum",
            "sum_field": "amount",
            "date_field": "opened_on",
            "unit": "money",
        },
        60,
    ),
    "new_deals": (
        gettext_noop("New deals"),
        gettext_noop("Deals opened, by the day work on them started."),
        {"source": "deal", "measure": "count", "date_field": "opened_on", "unit": "count"},
        70,
    ),
    "new_customers": (
        gettext_noop("New customers"),
        gettext_noop("Accounts created."),
        {"source": "account", "measure": "count", "date_field": "created_at", "unit": "count"},
        80,
    ),
    "follow_ups": (
        gettext_noop("Follow-ups logged"),
        gettext_noop("Follow-ups by the day they happened, counted for their author."),
        {"source": "activity", "measure": "count", "date_field": "occurred_at", "unit": "count"},
        90,
    ),
}

DEFINITION_FIELDS = ("source", "measure", "sum_field", "date_field", "filters", "unit")


def kpi_sync_builtin() -> list[KpiDefinition]:
    """Create the built-in KPIs that are missing and keep their definitions as the code says
    (an administrator may rename, reorder or deactivate one; what it counts is fixed).
    Runs after every ``migrate``; idempotent."""
    found = {k.code: k for k in KpiDefinition.objects.filter(code__in=BUILTIN_KPIS)}
    saved: list[KpiDefinition] = []
    for code, (name, description, definition, order) in BUILTIN_KPIS.items():
        kpi = found.get(code) or KpiDefinition(code=code, name=name, order=order)
        values = {
            "source": definition.get("source", ""),
            "measure": definition["measure"],
            "sum_field": definition.get("sum_field", ""),
            "date_field": definition.get("date_field", ""),
            "filters": definition.get("filters", {}),
            "unit": definition["unit"],
            "description": description,
            "is_builtin": True,
        }
        if definition["measure"] == Measure.RATIO:
            values["source"] = ""
            values["numerator"] = found.get(definition["numerator"]) or next(
                k for k in saved if k.code == definition["numerator"]
            )
            values["denominator"] = found.get(definition["denominator"]) or next(
                k for k in saved if k.code == definition["denominator"]
            )
        changed = kpi.pk is None
        for attr, value in values.items():
            current = getattr(kpi, attr)
            if current != value:
                setattr(kpi, attr, value)
                changed = True
        if changed:
            kpi.save()
        found[code] = kpi
        saved.append(kpi)
    return saved


# --- Company settings ---------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


@transaction.atomic
def company_settings_update(
    *, actor: Actor, data: Mapping[str, Any], version: int | None = None, clear_rates: bool = False
) -> CompanySettings:
    """Change the company currency, fiscal year start or pace thresholds (administrators).

    Exchange rates are stated in the company currency: changing it with rates on file needs
    ``clear_rates`` (they are deleted, and say so in history), else it is refused.
    """
    access.require_admin(actor)
    company.company_settings()
    current = CompanySettings.objects.select_for_update().get(pk=CompanySettings.SINGLETON)
    if version is not None and version != current.version:
        raise VersionConflict(current=company_settings_snapshot(current), version=current.version)
    before = history.snapshot(current)
    errors: dict[str, list[str]] = {}
    currency = str(data.get("currency", current.currency) or "").strip().upper()
    if currency not in settings.CURRENCIES:
        errors["currency"] = [
            _("Choose one of %(currencies)s.") % {"currencies": ", ".join(settings.CURRENCIES)}
        ]
    month = data.get("fiscal_year_start_month", current.fiscal_year_start_month)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        try:
            month = int(str(month))
        except ValueError:
            month = 0
        if not 1 <= month <= 12:
            errors["fiscal_year_start_month"] = [_("Give a month from 1 to 12.")]
    pace: dict[str, Decimal] = {}
    for name in PACE_FIELDS:
        value = _decimal(data.get(name, getattr(current, name)))
        if value is None or not Decimal("0.01") <= value <= Decimal("1.00"):
            errors[name] = [_("Give a fraction from 0.01 to 1.00 (0.9 is 90%).")]
        else:
            pace[name] = value.quantize(Decimal("0.01"))
    if not errors and pace["pace_off_track"] > pace["pace_at_risk"]:
        errors["pace_off_track"] = [_("Off track must start below where on track starts.")]
    rates = ExchangeRate.objects.count() if currency != current.currency else 0
    if not errors and rates and not clear_rates:
        errors["currency"] = [
            _(
                "The %(n)d exchange rates on file are stated in %(currency)s. Changing the company "
                "currency deletes them; confirm that, then enter the rates again in the new currency."
            )
            % {"n": rates, "currency": current.currency}
        ]
    if errors:
        raise ValidationError(errors)
    if rates:
        ExchangeRate.objects.all().delete()
    current.currency = currency
    current.fiscal_year_start_month = month
    current.pace_at_risk = pace["pace_at_risk"]
    current.pace_off_track = pace["pace_off_track"]
    current.updated_by = actor.user
    current.version += 1
    current.save()
    message = (
        naming.Said(gettext_noop("%(n)d exchange rates in the old currency were deleted."), n=rates)
        if rates
        else ""
    )
    history.record_update(actor=actor.user, obj=current, before=before, message=message)
    return current


def company_settings_snapshot(obj: CompanySettings) -> dict[str, Any]:
    return {
        "currency": obj.currency,
        "fiscal_year_start_month": obj.fiscal_year_start_month,
        "pace_at_risk": str(obj.pace_at_risk),
        "pace_off_track": str(obj.pace_off_track),
        "version": obj.version,
    }


# --- Exchange rates ------------------------------------------------------------------------------


def exchange_rate_snapshot(obj: ExchangeRate) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "month": f"{obj.month:%Y-%m}",
        "currency": obj.currency,
        "rate": str(obj.rate),
        "version": obj.version,
    }


def _clean_rate_key(
    month: Any, currency: Any, errors: dict[str, list[str]]
) -> tuple[datetime.date | None, str]:
    first: datetime.date | None = None
    if isinstance(month, datetime.date):
        first = month.replace(day=1)
        try:
            dates.validate_business_date(first)  # the year 609 is a slip of the keyboard
        except ValidationError as exc:
            errors["month"] = list(exc.messages)
    else:
        errors["month"] = [_("Give a month as YYYY-MM.")]
    code = str(currency or "").strip().upper()
    company_currency = company.company_settings().currency
    if code not in settings.CURRENCIES:
        errors["currency"] = [
            _("Choose one of %(currencies)s.") % {"currencies": ", ".join(settings.CURRENCIES)}
        ]
    elif code == company_currency:
        errors["currency"] = [
            _("%(currency)s is the company currency: it converts 1:1 and needs no rate.") % {"currency": code}
        ]
    return first, code


@transaction.atomic
def exchange_rate_set(
    *, actor: Actor, month: Any, currency: Any, rate: Any, version: int | None = None, replace: bool = True
) -> ExchangeRate:
    """Set the rate of ``currency`` for ``month`` (any day of it): 1 unit = ``rate`` units of the
    company currency (administrators). Replaces the month's rate, or with ``replace=False``
    refuses to when there is one."""
    access.require_admin(actor)
    errors: dict[str, list[str]] = {}
    first, code = _clean_rate_key(month, currency, errors)
    value = _decimal(rate)
    if value is None or value <= 0 or value > MAX_RATE:
        errors["rate"] = [_("Give a positive number, e.g. 7.1234.")]
    elif value != value.quantize(Decimal("0.00000001")):
        errors["rate"] = [_("A rate has at most 8 decimal places.")]
    if errors:
        raise ValidationError(errors)
    assert first is not None and value is not None
    existing = ExchangeRate.objects.select_for_update().filter(month=first, currency=code).first()
    taken = ValidationError(
        {
            "month": [
                _("%(currency)s has a rate for %(month)s already; change that one.")
                % {"currency": code, "month": f"{first:%Y-%m}"}
            ]
        }
    )
    if existing is None:
        try:
            with transaction.atomic():
                saved = ExchangeRate.objects.create(
                    month=first, currency=code, rate=value, updated_by=actor.user
                )
        except IntegrityError as exc:  # set meanwhile by someone else
            raise taken from exc
        history.record_create(actor=actor.user, obj=saved)
        return saved
    if not replace:
        raise taken
    if version is not None and version != existing.version:
        raise VersionConflict(current=exchange_rate_snapshot(existing), version=existing.version)
    if existing.rate == value:
        return existing
    before = history.snapshot(existing)
    existing.rate = value
    existing.updated_by = actor.user
    existing.version += 1
    existing.save()
    history.record_update(actor=actor.user, obj=existing, before=before)
    return existing


@transaction.atomic
def exchange_rate_delete(*, actor: Actor, rate: ExchangeRate, version: int | None = None) -> None:
    """Remove a month's rate: its amounts are then reported as missing, never guessed."""
    access.require_admin(actor)
    current = ExchangeRate.objects.select_for_update().filter(pk=rate.pk).first()
    if current is None:
        return
    if version is not None and version != current.version:
        raise VersionConflict(current=exchange_rate_snapshot(current), version=current.version)
    history.record(actor=actor.user, obj=current, action=HistoryAction.PURGE)
    current.delete()


# --- KPI definitions -------------------------------------------------------------------------------


def kpi_snapshot(kpi: KpiDefinition) -> dict[str, Any]:
    return {
        "id": kpi.pk,
        "code": kpi.code,
        "name": kpi.name,
        "names": kpi.names,
        "source": kpi.source,
        "measure": kpi.measure,
        "sum_field": kpi.sum_field,
        "date_field": kpi.date_field,
        "filters": kpi.filters,
        "numerator": kpi.numerator_id,
        "denominator": kpi.denominator_id,
        "unit": kpi.unit,
        "is_active": kpi.is_active,
        "order": kpi.order,
        "version": kpi.version,
    }


def clean_filters(source: str, value: Any) -> tuple[dict[str, list[Any]], list[str]]:
    """A KPI's filters checked against the source's whitelist: (cleaned, error messages).
    Values are stored as lists; ids as integers."""
    spec = SOURCES[source]
    if value in (None, ""):
        return {}, []
    if not isinstance(value, Mapping):
        return {}, [_('Give the filters as field and values, e.g. {"status": ["won"]}.')]
    cleaned: dict[str, list[Any]] = {}
    errors: list[str] = []
    for name, raw in value.items():
        filter_spec = spec.filters.get(name)
        if filter_spec is None:
            errors.append(
                _("%(source)s cannot be filtered on “%(field)s”; use %(fields)s.")
                % {"source": _source_label(source), "field": name, "fields": ", ".join(spec.filters)}
            )
            continue
        allowed = {str(k): k for k, _label in filter_spec.choices()}
        values: list[Any] = []
        for item in filter_values(raw):
            if isinstance(item, bool) or str(item) not in allowed:
                errors.append(
                    _("“%(value)s” is not a %(field)s; use one of %(values)s.")
                    % {
                        "value": item,
                        "field": filter_spec.label,
                        "values": ", ".join(str(k) for k in allowed) or "—",
                    }
                )
                continue
            chosen = allowed[str(item)]
            if chosen not in values:
                values.append(chosen)
        if not filter_values(raw):
            errors.append(_("Choose at least one %(field)s.") % {"field": filter_spec.label})
        elif values:
            cleaned[name] = values
    return cleaned, errors


def _source_label(source: str) -> str:
    return str(dict(Source.choices).get(source, source))


@transaction.atomic
def kpi_save(
    *, actor: Actor, kpi: KpiDefinition | None, data: Mapping[str, Any], version: int | None = None
) -> KpiDefinition:
    """Create or edit a KPI definition (administrators).

    A count or sum KPI names its source, the date it is counted by, for a sum the money field,
    and filters from the source's whitelist; a ratio names two count or sum KPIs. A built-in
    KPI may be renamed, reordered or deactivated; what it counts is fixed.
    """
    access.require_admin(actor)
    creating = kpi is None
    if kpi is not None:
        kpi = KpiDefinition.objects.select_for_update().get(pk=kpi.pk)
        if version is not None and version != kpi.version:
            raise VersionConflict(current=kpi_snapshot(kpi), version=kpi.version)
    kpi = kpi or KpiDefinition()
    before = None if creating else history.snapshot(kpi)
    errors: dict[str, list[str]] = {}
    if kpi.is_builtin:
        for field in (*DEFINITION_FIELDS, "numerator", "denominator", "code"):
            if field in data and data[field] != getattr(kpi, field):
                errors[field] = [_("A built-in KPI counts what it counts; add a KPI of your own instead.")]
    name = str(data.get("name", kpi.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 100:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 100}]
    names = naming.names_given(data, kpi.names, errors)
    order = data.get("order", kpi.order)
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 32767:
        errors["order"] = [_("Give a whole number from 0 to 32767.")]
    if not kpi.is_builtin:
        _clean_definition(kpi, data, errors, creating)
    if errors:
        raise ValidationError(errors)
    kpi.name, kpi.names, kpi.order = name, names, order
    if "is_active" in data:
        kpi.is_active = bool(data["is_active"])
    if "description" in data and not kpi.is_builtin:
        kpi.description = str(data["description"] or "").strip()
    if creating:
        kpi.created_by = actor.user
    else:
        kpi.version += 1
    kpi.save()
    if before is None:
        history.record_create(actor=actor.user, obj=kpi)
    else:
        history.record_update(actor=actor.user, obj=kpi, before=before)
    return kpi


def _clean_definition(
    kpi: KpiDefinition, data: Mapping[str, Any], errors: dict[str, list[str]], creating: bool
) -> None:
    """Fill a custom KPI's definition from ``data`` (unchanged fields kept), collecting errors."""
    code = str(data.get("code", kpi.code) or "").strip()
    if creating and not code:
        code = slugify(str(data.get("name") or ""))[:50]
    if not code or slugify(code) != code or len(code) > 50:
        errors["code"] = [_("Use lower-case letters, digits, - and _ (at most 50), e.g. big_deals_won.")]
    elif KpiDefinition.objects.filter(code=code).exclude(pk=kpi.pk).exists():
        errors["code"] = [_("Another KPI has this code.")]
    kpi.code = code
    measure = data.get("measure", kpi.measure)
    if measure not in Measure.values:
        errors["measure"] = [_("Choose count, sum or ratio.")]
        return
    kpi.measure = measure
    if measure == Measure.RATIO:
        kpi.source, kpi.sum_field, kpi.date_field, kpi.filters = "", "", "", {}
        for part in ("numerator", "denominator"):
            value = data.get(part, getattr(kpi, part))
            if not isinstance(value, KpiDefinition):
                errors[part] = [_("Choose a KPI.")]
            elif value.measure == Measure.RATIO:
                errors[part] = [_("Choose a count or sum KPI, not another ratio.")]
            elif kpi.pk is not None and value.pk == kpi.pk:
                errors[part] = [_("A KPI cannot divide itself.")]
            else:
                setattr(kpi, part, value)
        unit = data.get("unit", kpi.unit if not creating else Unit.PERCENT)
        if unit not in Unit.values:
            errors["unit"] = [_("Choose money, count or percent.")]
        else:
            kpi.unit = unit
        return
    kpi.numerator = kpi.denominator = None
    source = data.get("source", kpi.source)
    if source not in SOURCES:
        errors["source"] = [_("Choose deals, accounts, follow-ups or leads.")]
        return
    spec = SOURCES[source]
    kpi.source = source
    date_field = data.get("date_field", kpi.date_field if kpi.source == source else "")
    if date_field not in spec.date_fields:
        errors["date_field"] = [
            _("%(source)s are counted by %(fields)s.")
            % {"source": _source_label(source), "fields": ", ".join(spec.date_fields)}
        ]
    else:
        kpi.date_field = date_field
    if measure == Measure.SUM:
        sum_field = data.get("sum_field", kpi.sum_field) or next(iter(spec.sum_fields), "")
        if sum_field not in spec.sum_fields:
            errors["sum_field" if spec.sum_fields else "measure"] = [
                _("%(source)s have no amount to sum; count them instead.") % {"source": _source_label(source)}
            ]
        else:
            kpi.sum_field = sum_field
        kpi.unit = Unit.MONEY
    else:
        kpi.sum_field = ""
        kpi.unit = Unit.COUNT
    filters, problems = clean_filters(source, data.get("filters", kpi.filters))
    if problems:
        errors["filters"] = problems
    else:
        kpi.filters = filters


@transaction.atomic
def kpi_delete(*, actor: Actor, kpi: KpiDefinition) -> None:
    """Delete a custom KPI nothing refers to (a built-in one is deactivated instead)."""
    access.require_admin(actor)
    if kpi.is_builtin:
        raise ValidationError(_("A built-in KPI cannot be deleted; deactivate it instead."))
    users = KpiDefinition.objects.filter(Q(numerator=kpi) | Q(denominator=kpi))
    if users.exists():
        raise ValidationError(
            _("%(kpis)s divide by or into this KPI; delete or change them first.")
            % {"kpis": ", ".join(k.display_name for k in users)}
        )
    history.record(actor=actor.user, obj=kpi, action=HistoryAction.PURGE)
    try:
        with transaction.atomic():
            kpi.delete()
    except ProtectedError as exc:
        raise ValidationError(_("Targets or other records use this KPI; deactivate it instead.")) from exc
