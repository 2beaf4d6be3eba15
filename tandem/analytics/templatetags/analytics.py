"""How a figure reads on the analytics pages, in the reader's language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tandem.core.templatetags.tandem import money

register = template.Library()


@register.filter
def figure(value: Any, arg: str = "count") -> str:
    """``arg``: "kind" or "kind:CUR" (money). None reads as an em dash."""
    kind, _sep, currency = arg.partition(":")
    if value is None or value == "":
        return "—"
    if kind == "text":
        return str(value)
    number = Decimal(str(value))
    if kind == "money":
        return money(number, currency or "CNY")
    if kind == "compact":
        return compact_money(number, currency or "CNY")
    if kind == "money_per_day":
        return _("%(amount)s a day") % {"amount": compact_money(number, currency or "CNY")}
    if kind == "percent":
        shown = (number * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{number_format(shown, decimal_pos=1)}%"
    if kind == "ratio":
        return f"{number_format(number, decimal_pos=2)}×"
    if kind == "days":
        return _("%(days)s days") % {"days": number_format(number, decimal_pos=1)}
    return number_format(number, decimal_pos=0, force_grouping=True)


def compact_money(amount: Decimal, currency: str) -> str:
    """A large amount as people read it at a glance: ¥1,178.75万 / ¥1.18亿 in Chinese, ¥11.79M
    in English; below ten thousand the amount itself."""
    steps = (
        [(Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")]
        if (get_language() or "").startswith("zh")
        else [(Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 4, "K")]
    )
    for size, suffix in steps:
        if abs(amount) >= size:
            divisor = Decimal(1000) if suffix == "K" else size
            shown = (amount / divisor).quantize(Decimal("0.01"), ROUND_HALF_UP)
            return _compact(money(shown, currency), suffix)
    return money(amount, currency)


def _compact(text: str, suffix: str) -> str:
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text}{suffix}"


@register.filter
def cell(row: Any, column: Any) -> Any:
    return row.cells.get(column.key)


@register.filter
def cell_kind(row: Any, column: Any) -> str:
    """The kind a cell is shown as: the column's, or for a mixed column the row's own."""
    return str(row.cells.get("kind", "count")) if column.kind == "mixed" else str(column.kind)
