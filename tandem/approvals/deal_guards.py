"""The two guarded changes of deals: a discount above a threshold, and a move into chosen stages.

**A deal's discount** is the larger of (a) the largest line discount (``discount_percent``) and
(b) the discount off the list prices overall: 1 − (lines' total) ÷ (Σ quantity × the product's
list price), a lowered unit price counting as a discount too (a product priced in another
currency counts at the line's own unit price). It is checked when line items are saved (the
deal form, the API, a new deal with lines) and held only when it grows past what the deal has
now; a typed amount beside the lines is not a discount (decision 0035).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core import naming
from tandem.core.access import Actor
from tandem.deals import services as deal_services
from tandem.deals.models import Deal, DealLine, Product, Stage

from . import guards, services

CENT = Decimal("0.01")


def _lines_figures(
    lines: Sequence[Mapping[str, Any]], currency: str
) -> tuple[Decimal, Decimal, Decimal] | None:
    """(total, list total, largest line discount) of proposed lines; None when a line is not
    well formed (the deal service refuses it with its own messages)."""
    total = list_total = largest = Decimal("0")
    for line in lines:
        product = line.get("product")
        if not isinstance(product, Product):
            return None
        try:
            quantity = Decimal(str(line.get("quantity", 1)))
            price = line.get("unit_price")
            unit = Decimal(str(product.list_price if price in (None, "") else price))
            discount = Decimal(str(line.get("discount_percent", 0) or 0))
        except (ArithmeticError, InvalidOperation):
            return None
        if not all(v.is_finite() for v in (quantity, unit, discount)) or quantity <= 0 or unit < 0:
            return None
        list_price = product.list_price if product.currency == currency else unit
        total += quantity * unit * (Decimal(100) - discount) / Decimal(100)
        list_total += quantity * max(list_price, unit)
        largest = max(largest, discount)
    return total.quantize(CENT), list_total, largest


def discount_of(total: Decimal, list_total: Decimal, largest: Decimal) -> Decimal:
    overall = (Decimal(1) - total / list_total) * 100 if list_total > 0 else Decimal(0)
    return max(largest, overall).quantize(CENT)


def current_lines(deal: Deal) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
        }
        for line in DealLine.objects.filter(deal=deal).select_related("product").order_by("id")
    ]


def _fingerprint(lines: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [
            str(line["product"].pk),
            str(Decimal(str(line["quantity"])).normalize()),
            str(Decimal(str(line["unit_price"])).normalize()),
            str(Decimal(str(line["discount_percent"])).normalize()),
        ]
        for line in lines
    ]


def current_discount(deal: Deal) -> Decimal:
    if deal.pk is None:
        return Decimal(0)
    figures = _lines_figures(current_lines(deal), deal.currency)
    return discount_of(*figures) if figures else Decimal(0)


def _stage_label(name: str, names: Mapping[str, str] | None) -> str:
    return naming.localized(name, names)


# --- deal.stage -----------------------------------------------------------------------------


def _stage_rows(change: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (
            str(_("Stage")),
            _stage_label(change.get("from_stage_name", ""), change.get("from_stage_names")),
            _stage_label(change.get("stage_name", ""), change.get("stage_names")),
        )
    ]


def _stage_summary(change: Mapping[str, Any]) -> str:
    return _("Move %(deal)s to %(stage)s") % {
        "deal": change.get("deal_name", ""),
        "stage": _stage_label(change.get("stage_name", ""), change.get("stage_names")),
    }


def _stage_apply(actor: Actor, record: Any, change: Mapping[str, Any]) -> None:
    deal = Deal.objects.filter(pk=record.pk).first()
    if deal is None:
        raise ValidationError(_("The deal is in the recycle bin."))
    if deal.stage_id != change.get("from_stage"):
        raise ValidationError(_("The deal has moved to another stage since."))
    stage = Stage.objects.filter(pk=int(change.get("stage") or 0)).select_related("pipeline").first()
    if stage is None:
        raise ValidationError(_("That stage no longer exists."))
    deal_services.deal_move(actor=actor, deal=deal, stage=stage, approved=True)


STAGE = guards.Guard(
    code="deal.stage",
    label=gettext_lazy("Moving a deal into a guarded stage"),
    resource="deal",
    model="deals.Deal",
    describe=_stage_rows,
    summary=_stage_summary,
    apply=_stage_apply,
    conditions=(guards.AMOUNT, guards.TEAM, guards.PIPELINE, guards.STAGES),
    required=(guards.STAGES,),
)


# --- deal.discount --------------------------------------------------------------------------


def _money(value: Any, currency: str) -> str:
    return "" if value in (None, "") else f"{currency} {Decimal(str(value)):,.2f}"


def _discount_rows(change: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    currency = change.get("currency", "")
    rows = [
        (str(_("Discount")), f"{change.get('from_discount', '0')} %", f"{change.get('discount', '0')} %"),
        (
            str(_("Amount")),
            _money(change.get("from_amount"), currency),
            _money(change.get("amount"), currency),
        ),
    ]
    for line in change.get("lines", []):
        rows.append(
            (
                line.get("product_name", ""),
                "",
                f"{line.get('quantity')} × {line.get('unit_price') or line.get('list_price') or '—'}"
                f" − {line.get('discount_percent')} %",
            )
        )
    return rows


def _discount_summary(change: Mapping[str, Any]) -> str:
    return _("Discount of %(discount)s %% on %(deal)s") % {
        "discount": change.get("discount", ""),
        "deal": change.get("deal_name", ""),
    }


def _discount_apply(actor: Actor, record: Any, change: Mapping[str, Any]) -> None:
    deal = Deal.objects.filter(pk=record.pk).first()
    if deal is None:
        raise ValidationError(_("The deal is in the recycle bin."))
    if _fingerprint(current_lines(deal)) != change.get("base_lines"):
        raise ValidationError(_("The deal's line items have changed since."))
    products = {p.pk: p for p in Product.all_objects.filter(pk__in=[ln["product"] for ln in change["lines"]])}
    lines = []
    for line in change["lines"]:
        product = products.get(line["product"])
        if product is None:
            raise ValidationError(_("A product of the held change no longer exists."))
        lines.append({**line, "product": product})
    deal_services.deal_update(
        actor=actor,
        deal=deal,
        data={},
        lines=lines,
        amount_from_lines=bool(change.get("amount_from_lines", True)),
        approved=True,
    )


DISCOUNT = guards.Guard(
    code="deal.discount",
    label=gettext_lazy("A deal's discount above a threshold"),
    resource="deal",
    model="deals.Deal",
    describe=_discount_rows,
    summary=_discount_summary,
    apply=_discount_apply,
    conditions=(guards.AMOUNT, guards.DISCOUNT, guards.TEAM, guards.PIPELINE),
    required=(guards.DISCOUNT,),
)


# --- The holder deals calls ----------------------------------------------------------------


def hold_deal_change(*, actor: Actor, deal: Deal, proposed: dict[str, Any]) -> list[Any]:
    """Hold a guarded stage move and a guarded discount of ``proposed`` (see deals.services)."""
    held = []
    stage = proposed.get("stage")
    if stage is not None and deal.pk is not None and stage.pk != deal.stage_id:
        facts = guards.Facts(
            amount=deal.amount, team_id=deal.team_id, pipeline_id=stage.pipeline_id, stage_id=stage.pk
        )
        current = deal.stage
        change = {
            "deal_name": deal.name,
            "stage": stage.pk,
            "stage_name": stage.name,
            "stage_names": stage.names,
            "from_stage": current.pk,
            "from_stage_name": current.name,
            "from_stage_names": current.names,
        }
        request = services.submit(
            actor=actor,
            guard=STAGE,
            record=deal,
            change=change,
            summary=_stage_summary(change),
            facts=facts,
            field="stage",
        )
        if request is not None:
            proposed["stage"] = None
            held.append(request)
    lines = proposed.get("lines")
    if lines:
        figures = _lines_figures(lines, deal.currency)
        if figures is not None:
            total, list_total, largest = figures
            discount = discount_of(total, list_total, largest)
            before = current_lines(deal) if deal.pk is not None else []
            before_figures = _lines_figures(before, deal.currency) if before else None
            from_discount = discount_of(*before_figures) if before_figures else Decimal(0)
            if discount > from_discount:
                amount_from_lines = bool(proposed.get("amount_from_lines", True))
                facts = guards.Facts(
                    amount=total if amount_from_lines or deal.amount is None else deal.amount,
                    discount=discount,
                    team_id=deal.team_id,
                    pipeline_id=deal.pipeline_id,
                    stage_id=deal.stage_id,
                )
                change = {
                    "deal_name": deal.name,
                    "currency": deal.currency,
                    "discount": str(discount),
                    "from_discount": str(from_discount),
                    "amount": str(total),
                    "from_amount": None if deal.amount is None else str(deal.amount),
                    "amount_from_lines": amount_from_lines,
                    "base_lines": _fingerprint(before),
                    "lines": [
                        {
                            "product": line["product"].pk,
                            "product_name": line["product"].name,
                            "list_price": str(line["product"].list_price),
                            "quantity": str(line.get("quantity", 1)),
                            "unit_price": None
                            if line.get("unit_price") in (None, "")
                            else str(line["unit_price"]),
                            "discount_percent": str(line.get("discount_percent", 0) or 0),
                        }
                        for line in lines
                    ],
                }
                request = services.submit(
                    actor=actor,
                    guard=DISCOUNT,
                    record=deal,
                    change=change,
                    summary=_discount_summary(change),
                    facts=facts,
                    field="lines",
                )
                if request is not None:
                    proposed["lines"] = None
                    held.append(request)
    return held


def held_for_deal(deal: Deal) -> list[dict[str, str]]:
    """The deal page's banners: its requests still open, with the held change's summary."""
    from .models import ApprovalStatus
    from .selectors import open_for_record

    return [
        {
            "label": str(
                _("Returned for changes") if r.status == ApprovalStatus.RETURNED else _("Pending approval")
            ),
            "summary": r.summary_text,
            "url": r.get_absolute_url(),
        }
        for r in open_for_record(deal)
    ]


def register() -> None:
    guards.register(DISCOUNT)
    guards.register(STAGE)
    deal_services.register_change_holder(hold_deal_change, reader=held_for_deal)
