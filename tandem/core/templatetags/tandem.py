"""Shared template filters: phone numbers, money, times ago, history rows, query strings."""

from __future__ import annotations

import datetime
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.apps import apps as django_apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tandem.core import naming
from tandem.core.cells import two_places
from tandem.core.countries import country_name
from tandem.core.phones import format_phone

register = template.Library()

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥", "GBP": "£", "SGD": "S$"}

# History entries may record changes that are not model fields (set by services).
# Changes kept as a list of names (``changes={"teams": [before, after]}``): the model they name.
EXTRA_CHANGE_NAMES = {"teams": "org.Team"}

EXTRA_CHANGE_LABELS = {
    "roles": gettext_lazy("roles"),
    "teams": gettext_lazy("teams"),
    "grants": gettext_lazy("grants"),
    "successor": gettext_lazy("successor"),
    "owner": gettext_lazy("owner"),
}


@register.filter
def ago(value: Any) -> str:
    """``naturaltime`` as a Chinese reader writes it: Django's catalogue says "28秒之前" for seconds,
    minutes and hours but "3天前" for days; Chinese UI text uses "前" throughout."""
    from django.contrib.humanize.templatetags.humanize import naturaltime

    text = str(naturaltime(value))
    if (get_language() or "").startswith("zh"):
        text = text.replace("之前", "前").replace("以后", "后").replace("之后", "后")
    return text


@register.filter
def days_since(value: datetime.datetime | datetime.date | None) -> int:
    """Whole days from ``value`` to today in the reader's time zone (a pool card's "3 days")."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return max((timezone.localdate() - value).days, 0)


@register.filter
def country(code: str | None) -> str:
    """A country code as its name in the reader's language (CN → 中国 / China)."""
    return country_name(code)


@register.filter
def phone(value: str | None) -> str:
    """``+8613800138000`` as ``+86 138 0013 8000``."""
    return format_phone(value or "")


@register.filter
def money(value: Any, currency: str = "CNY") -> str:
    """``¥1,234,567.00``; an empty value stays empty."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    symbol = CURRENCY_SYMBOLS.get((currency or "CNY").upper(), f"{currency} ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{two_places(abs(amount))}"


def _show(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)


def _show_value(field: Any, value: Any) -> str:
    """A stored value as a person reads it: choice labels, local dates and times."""
    if field is not None and value not in (None, ""):
        choices = dict(getattr(field, "flatchoices", None) or [])
        if not isinstance(value, list | dict) and value in choices:  # merge entries hold lists
            return str(choices[value])
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            with suppress(ValueError):
                moment = datetime.datetime.fromisoformat(value)
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return date_format(moment, "SHORT_DATETIME_FORMAT")
        if isinstance(field, models.DateField) and isinstance(value, str):
            with suppress(ValueError):
                return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        if getattr(field, "name", "") == "country" and isinstance(value, str):
            return country_name(value)
        if isinstance(field, models.ForeignKey) and isinstance(value, str):
            return naming.in_history(field.related_model, value)  # a stage, in the reader's language
    return _show(value)


# Bookkeeping fields that say nothing to a person reading a record's history.
HIDDEN_CHANGE_FIELDS = {
    "path",
    "depth",
    "is_superuser",
    "is_staff",
    "date_joined",
    "last_login",
    "password",
    "name_key",
}


@register.filter
def history_changes(entry: Any, obj: models.Model | None = None) -> list[dict[str, str]]:
    """An entry's changes as rows of field label, old and new display values."""
    changes = getattr(entry, "changes", None) or {}
    rows = []
    for name, pair in changes.items():
        if name in HIDDEN_CHANGE_FIELDS:
            continue
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label: Any = EXTRA_CHANGE_LABELS.get(name, name.replace("_", " "))
        field = None
        if obj is not None:
            with suppress(FieldDoesNotExist):
                field = obj._meta.get_field(name)
                label = getattr(field, "verbose_name", label)
        named = EXTRA_CHANGE_NAMES.get(name)
        if named is not None and not isinstance(field, models.ForeignKey):
            model = django_apps.get_model(named)
            rows.append({"field": str(label), "old": _show_names(model, old), "new": _show_names(model, new)})
            continue
        rows.append({"field": str(label), "old": _show_value(field, old), "new": _show_value(field, new)})
    return rows


def _show_names(model: Any, value: Any) -> str:
    """Names a change kept as a list (a person's teams, a pool's), each as the reader calls it today."""
    if isinstance(value, list | tuple):
        return _show([naming.in_history(model, v) if isinstance(v, str) else v for v in value])
    return _show(naming.in_history(model, value) if isinstance(value, str) else value)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **params: Any) -> str:
    """The current query string with ``params`` replaced (``None`` removes one), e.g. for sorting."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in params.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def choice_options(choices: Any, selected: Any = None) -> str:
    """``<option>``s of a filter's choices but its empty one, the one whose value reads as
    ``selected`` chosen: what ``{% for value, label in field.choices %}{% if value %}<option …>``
    wrote, in Python (a filter offers tens of teams, kinds or sources a page)."""
    chosen = None if selected in (None, "") else str(selected)
    parts = []
    for value, text in choices:
        if not value:
            continue
        value = str(value)
        parts.append(
            f'<option value="{conditional_escape(value)}"{" selected" if value == chosen else ""}>'
            f"{conditional_escape(text)}</option>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped


@register.simple_tag
def people_options(people: Any, selected: Any = "", empty_label: Any = None) -> str:
    """``<option>``s of people (``pk`` and name, "(left)" after a deactivated one's), the one
    whose pk reads as ``selected`` chosen; a first empty option labelled ``empty_label`` when
    given. ``people`` are users, or rows of ``PEOPLE_OPTION_FIELDS`` (``values_list``) where a
    page offers hundreds. Written in Python: an owner picker offers up to a few hundred a page."""
    chosen = str(selected) if selected not in (None, "") else None
    left = escape(" ({})".format(_("left")))
    parts: list[str] = (
        [format_html('<option value="">{}</option>', empty_label)] if empty_label is not None else []
    )
    for person in people:
        if isinstance(person, tuple):
            pk, display_name, username, active = person
            name = display_name or username
        else:
            pk, name, active = person.pk, str(person), person.is_active
        value = str(pk)
        parts.append(
            f'<option value="{value}"{" selected" if value == chosen else ""}>{escape(name)}{"" if active else left}</option>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


# What ``people_options`` reads of each person when given rows rather than users.
PEOPLE_OPTION_FIELDS = ("pk", "display_name", "username", "is_active")


class _CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        # What the block rendered is already escaped by the template engine.
        context[self.name] = mark_safe(self.nodelist.render(context))  # noqa: S308
        return ""


@register.tag
def capture(parser: template.base.Parser, token: template.base.Token) -> _CaptureNode:
    """``{% capture as name %}…{% endcapture %}``: render a block once into ``name``, for a page
    that shows the same part in two places (one for wide screens, one for phones)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% capture as name %}…{% endcapture %}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return _CaptureNode(nodelist, bits[2])
