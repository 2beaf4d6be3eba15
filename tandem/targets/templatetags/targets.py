"""Template filters of the target pages: a figure in its unit, a fraction as a percentage."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from tandem.core.templatetags.tandem import money

register = template.Library()


@register.filter
def figure(value: Any, unit: str = "count") -> str:
    """Money as ``¥1,234,567``-style with the company currency given as ``money:CNY``; a count
    as a whole number; a ratio as a percentage; None as a dash."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    if unit.startswith("money:"):
        return money(amount, unit.split(":", 1)[1])
    if unit == "percent":
        return percent(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    return number_format(amount, decimal_pos=places, force_grouping=True)


@register.filter
def plain(value: Any) -> str:
    """A cell's value as typed back into an input: no grouping, no trailing zeros."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return str(amount.normalize())


@register.filter
def percent(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal(1), ROUND_HALF_UP)}%"
