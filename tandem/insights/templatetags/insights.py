"""Dashboard figures: a ratio as a percentage, a large amount compactly (万/亿 in Chinese, K/M in English)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import translation
from django.utils.formats import number_format

from tandem.core.templatetags.tandem import CURRENCY_SYMBOLS

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """0.4133 → 41.3%; nothing to divide by → —."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError):
        return "—"
    return f"{number_format(amount.quantize(Decimal('0.1'), ROUND_HALF_UP), decimal_pos=1)}%"


def compact_number(amount: Decimal, language: str) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if language.startswith("zh"):
        steps = [(Decimal(100_000_000), "亿"), (Decimal(10_000), "万")]
    else:
        steps = [(Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "K")]
    for size, suffix in steps:
        if amount >= size:
            shown = (amount / size).quantize(Decimal("0.1"), ROUND_HALF_UP).normalize()
            return f"{sign}{number_format(shown)}{suffix}"
    return f"{sign}{number_format(amount.quantize(Decimal(1), ROUND_HALF_UP), force_grouping=True)}"


@register.filter
def short_money(value: Any, currency: str = "CNY") -> str:
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    symbol = CURRENCY_SYMBOLS.get((currency or "CNY").upper(), f"{currency} ")
    text = compact_number(amount, translation.get_language() or "en")
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


@register.inclusion_tag("insights/partials/_digest_setting.html", takes_context=True)
def digest_setting(context: dict[str, Any]) -> dict[str, Any]:
    """The daily digest switch on the personal settings page (shown to team leaders)."""
    from tandem.insights.services import receives_digest, top_led_teams

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "leads": bool(top_led_teams(user)),
        "receive": receives_digest(user),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "/",
    }
