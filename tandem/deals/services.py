"""Writes to deals: create, edit (versioned), move between stages with stage guidance, line items.

Stage guidance: a stage lists the deal fields required to enter it; a move that leaves one
empty is refused with the missing fields named. Status follows the stage's kind; a lost deal
needs a lost reason; a won deal closes today and makes its account a customer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, events, history, naming
from tandem.core.access import Actor
from tandem.core.db import retry_on_lock_conflict
from tandem.core.errors import VersionConflict
from tandem.core.models import HistoryAction
from tandem.core.services import record_soft_delete
from tandem.customers.models import Contact
from tandem.customers.services import account_promote_on_win, owner_change, primary_team_id, resolve_owner
from tandem.org.models import User

from .models import (
    Deal,
    DealContact,
    DealLine,
    DealStageHistory,
    DealStatus,
    ForecastCategory,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
    default_forecast_category,
)

# --- Approvals hold some changes (tandem/approvals, decision 0035) ---------------------------
# A holder is called with the change a service is about to make (``proposed``: "stage", "lines",
# "amount_from_lines"). When an approval flow guards part of it, the holder opens an approval
# request holding that part, removes it from ``proposed`` (set to None) and returns the request;
# the rest of the change is applied as usual. Approvals registers its holder in ``ready()``;
# deals does not depend on it. ``approved=True`` (an approved change being applied) skips them.
# Each held request has ``notice`` (a sentence for the person who saved) and ``as_held()`` (the
# API's description); a reader gives the deal page's banners (``label``, ``summary``, ``url``).
ChangeHolder = Callable[..., list[Any]]
HeldReader = Callable[[Deal], list[dict[str, str]]]
CHANGE_HOLDERS: list[ChangeHolder] = []
HELD_READERS: list[HeldReader] = []


def register_change_holder(holder: ChangeHolder, *, reader: HeldReader | None = None) -> None:
    if holder not in CHANGE_HOLDERS:
        CHANGE_HOLDERS.append(holder)
    if reader is not None and reader not in HELD_READERS:
        HELD_READERS.append(reader)


def held_changes(deal: Deal) -> list[dict[str, str]]:
    """What is held for approval on ``deal`` (its page's "Pending approval" banners)."""
    return [item for reader in HELD_READERS for item in reader(deal)]


def _hold_guarded(actor: Actor, deal: Deal, proposed: dict[str, Any]) -> list[Any]:
    held: list[Any] = []
    for holder in CHANGE_HOLDERS:
        held.extend(holder(actor=actor, deal=deal, proposed=proposed))
    return held


DEAL_FIELDS = (
    "name",
    "account",
    "amount",
    "currency",
    "opened_on",
    "expected_close_date",
    "probability",
    "competitor",
    "source",
    "channel",
    "budget",
    "decision_maker",
    "next_step",
    "description",
    "external_id",
    "next_follow_up_on",
)

# Fields a stage may require, with how to tell they are filled.
REQUIRABLE_FIELDS = (
    "amount",
    "expected_close_date",
    "budget",
    "decision_maker",
    "next_step",
    "competitor",
    "account",
    "contacts",
    "lines",
    "source",
)


def requirable_field_label(name: str) -> str:
    if name == "contacts":
        return str(_("contacts"))
    if name == "lines":
        return str(_("products"))
    field = Deal._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _is_filled(deal: Deal, field: str) -> bool:
    if field == "contacts":
        return deal.pk is not None and deal.deal_contacts.exists()
    if field == "lines":
        return deal.pk is not None and deal.lines.exists()
    value = getattr(deal, field if field != "account" else "account_id")
    if field == "amount":
        return value is not None and value > 0
    return value not in (None, "")


def missing_for_stage(deal: Deal, stage: Stage) -> list[str]:
    return [f for f in stage.required_fields or [] if f in REQUIRABLE_FIELDS and not _is_filled(deal, f)]


def _guard_stage(deal: Deal, stage: Stage) -> None:
    missing = missing_for_stage(deal, stage)
    if missing:
        raise ValidationError(
            {
                "stage": [
                    _("To enter “%(stage)s”, fill in: %(fields)s.")
                    % {
                        "stage": stage.display_name,
                        "fields": ", ".join(requirable_field_label(f) for f in missing),
                    }
                ]
            },
            code="stage_requirements",
        )
    if stage.kind == StageKind.LOST:
        _require_lost_reason(deal)


def _require_lost_reason(deal: Deal) -> None:
    """A lost deal names its reason from the list; "other" also says what it was (a note)."""
    reason = deal.lost_reason_ref
    if reason is None:
        raise ValidationError({"lost_reason": [_("Choose why the deal was lost.")]}, code="lost_reason")
    if reason.is_other and not (deal.lost_reason or "").strip():
        raise ValidationError(
            {"lost_note": [_("Say what the other reason was, in a note.")]}, code="lost_reason"
        )


def _apply_stage(deal: Deal, stage: Stage, now: datetime.datetime) -> None:
    previous_status = deal.status if deal.pk is not None else None
    deal.stage = stage
    deal.pipeline_id = stage.pipeline_id
    deal.status = {
        StageKind.OPEN: DealStatus.OPEN,
        StageKind.WON: DealStatus.WON,
        StageKind.LOST: DealStatus.LOST,
    }[StageKind(stage.kind)]
    deal.stage_entered_at = now
    if not deal.forecast_category_manual:  # an owner's own choice is never overwritten (decision 0021)
        deal.forecast_category = stage.forecast_category
    if deal.status == DealStatus.OPEN:
        deal.closed_on = None
    elif deal.closed_on is None or previous_status != deal.status:
        # Won → Lost (or back) closes the deal again, today.
        deal.closed_on = timezone.localdate(now)


def _open_stage_history(deal: Deal, stage: Stage, actor: Actor | None, now: datetime.datetime) -> None:
    DealStageHistory.objects.create(
        deal=deal, stage=stage, entered_at=now, actor=actor.user if actor else None
    )


def _close_stage_history(deal: Deal, now: datetime.datetime) -> None:
    current = DealStageHistory.objects.filter(deal=deal, left_at__isnull=True).order_by("-entered_at").first()
    if current is not None:
        current.left_at = now
        current.duration_seconds = int((now - current.entered_at).total_seconds())
        current.save(update_fields=["left_at", "duration_seconds"])


def deal_snapshot(deal: Deal) -> dict[str, Any]:
    data = history.snapshot(deal)
    out = {
        k: (str(v) if v is not None and not isinstance(v, int | str | bool) else v) for k, v in data.items()
    }
    out["version"] = deal.version
    return out


def _clean_values(
    data: Mapping[str, Any], *, creating: bool, lost_reason: LostReason | None = None
) -> dict[str, Any]:
    """The deal's fields from ``data``. ``lost_reason`` is a reason (a ``LostReason``, its id or
    its name in any language; ``lost_reason`` passed here is the deal's current one, which stays
    a choice when inactive) and ``lost_note`` the note beside it, kept in ``Deal.lost_reason``."""
    values = {k: data[k] for k in DEAL_FIELDS if k in data}
    errors: dict[str, list[str]] = {}
    if "lost_reason" in data:
        try:
            values["lost_reason_ref"] = lost_reason_resolve(data["lost_reason"], current=lost_reason)
        except ValidationError as exc:
            errors["lost_reason"] = exc.messages
    if "lost_note" in data:
        note = str(data["lost_note"] or "").strip()
        if len(note) > 200:
            errors["lost_note"] = [_("At most %(n)d characters.") % {"n": 200}]
        values["lost_reason"] = note
    if "name" in values or creating:
        values["name"] = (values.get("name") or "").strip()
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
    amount = values.get("amount")
    if amount is not None:
        try:
            values["amount"] = Decimal(str(amount))
        except ArithmeticError:
            errors["amount"] = [_("Enter a number.")]
        else:
            if not values["amount"].is_finite():
                errors["amount"] = [_("Enter a number.")]
            elif values["amount"] < 0:
                errors["amount"] = [_("The amount cannot be negative.")]
    # An amount left empty stays empty: unknown is not 0 (decision 0012).
    probability = values.get("probability")
    if probability is not None:
        try:
            values["probability"] = int(probability)
        except (TypeError, ValueError):
            errors["probability"] = [_("Enter a percentage from 0 to 100.")]
        else:
            if not (0 <= values["probability"] <= 100):
                errors["probability"] = [_("Enter a percentage from 0 to 100.")]
    if "currency" in values and values["currency"] not in settings.CURRENCIES:
        errors["currency"] = [_("Choose one of: %(list)s.") % {"list": ", ".join(settings.CURRENCIES)}]
    if errors:
        raise ValidationError(errors)
    return values


def _forecast_choice(data: Mapping[str, Any]) -> str | None:
    """The forecast category asked for: None when not given, "" for "follow the stage"."""
    if "forecast_category" not in data:
        return None
    value = data["forecast_category"] or ""
    if value and value not in ForecastCategory.values:
        raise ValidationError(
            {
                "forecast_category": [
                    _("Choose one of: %(list)s.") % {"list": ", ".join(ForecastCategory.values)}
                ]
            }
        )
    return str(value)


def _apply_forecast_choice(deal: Deal, choice: str | None, stage: Stage) -> None:
    """An owner's choice sticks (set by hand); "" hands the category back to the stage."""
    if choice is None:
        return
    if choice == "":
        deal.forecast_category_manual = False
        deal.forecast_category = stage.forecast_category
    elif choice != deal.forecast_category or deal.forecast_category_manual:
        deal.forecast_category = choice
        deal.forecast_category_manual = True


def _require_visible(actor: Actor, resource: str, obj: Any, field: str) -> None:
    if obj is not None and not access.can(actor, "view", resource, obj):
        raise ValidationError({field: [_("Select a valid choice.")]})


def default_pipeline() -> Pipeline | None:
    return Pipeline.objects.filter(is_active=True).order_by("-is_default", "order", "id").first()


@transaction.atomic
def deal_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    owner: User | None = None,
    stage: Stage | None = None,
    contacts: Sequence[tuple[Contact, str]] = (),
    lines: Sequence[Mapping[str, Any]] = (),
    amount_from_lines: bool = True,
    notify_owner: bool = True,
) -> Deal:
    """Create a deal. Given to someone else, they are told (``notify_owner``).

    With ``lines`` the amount is their total, unless ``amount_from_lines`` is false and an
    amount was given (see ``_set_lines``).
    """
    access.require(actor, "create", "deal")
    values = _clean_values(data, creating=True)
    forecast_choice = _forecast_choice(data)
    access.require_linkable(actor, "account", values.get("account"), field="account")
    final_owner = resolve_owner(actor=actor, resource="deal", owner=owner)
    if stage is None:
        pipeline = data.get("pipeline") or default_pipeline()
        if pipeline is None:
            raise ValidationError({"pipeline": [_("Create a pipeline first.")]})
        stage = (
            pipeline.stages.filter(kind=StageKind.OPEN).order_by("order").first() or pipeline.stages.first()
        )
        if stage is None:
            raise ValidationError({"stage": [_("This pipeline has no stages.")]})
    values.setdefault("currency", settings.DEFAULT_CURRENCY)
    now = timezone.now()
    if values.get("opened_on") is None:  # work on it starts today, in the person's time zone
        values["opened_on"] = timezone.localdate(now)
    deal = Deal(**values, owner=final_owner, team_id=primary_team_id(final_owner), created_by=actor.user)
    assert final_owner is not None
    if forecast_choice:  # chosen on the new deal: the owner's, kept through every move
        deal.forecast_category, deal.forecast_category_manual = forecast_choice, True
    _apply_stage(deal, stage, now)
    # Requirements of the first stage are checked after contacts and lines exist.
    if stage.kind == StageKind.LOST:
        _require_lost_reason(deal)
    deal.save()
    _set_contacts(actor, deal, contacts)
    held = []
    if lines and CHANGE_HOLDERS:  # approvals: a discount a flow guards waits (decision 0035)
        offered: dict[str, Any] = {"stage": None, "lines": lines, "amount_from_lines": amount_from_lines}
        held = _hold_guarded(actor, deal, offered)
        lines = offered["lines"] or ()
    if lines:
        _set_lines(deal, lines, amount_from_lines=amount_from_lines)
    deal.held_approvals = held  # type: ignore[attr-defined]
    _guard_stage(deal, stage)
    _open_stage_history(deal, stage, actor, now)
    if deal.status == DealStatus.WON and deal.account is not None:
        account_promote_on_win(actor=actor, account=deal.account)
    history.record_create(actor=actor.user, obj=deal)
    # Record teams: the owner's default team joins the new deal (tandem/recordteams).
    from tandem.recordteams.services import default_team_apply

    default_team_apply(record=deal, actor=actor)
    # Events (issue 14: webhooks, team robots): told inside the transaction, sent after commit.
    events.emit("deal.created", record=deal, actor=actor.user, stage=deal.stage_id, status=deal.status)
    if notify_owner:
        owner_change(actor=actor, resource="deal", record=deal, previous=None)
    return deal


def _set_contacts(actor: Actor, deal: Deal, contacts: Sequence[tuple[Contact, str]]) -> None:
    for contact, role in contacts:
        _require_visible(actor, "contact", contact, "contacts")
        DealContact.objects.update_or_create(deal=deal, contact=contact, defaults={"role": role or "other"})


def _set_lines(deal: Deal, lines: Sequence[Mapping[str, Any]], *, amount_from_lines: bool = True) -> None:
    """Replace the deal's line items, each line's amount computed here (qty × price − discount).

    The deal's amount becomes their total unless ``amount_from_lines`` is false (an amount the
    person typed by hand, e.g. a price agreed for the whole deal). A line without a price takes
    the product's list price only when that price is in the deal's currency: another currency is
    never converted, the person is asked for the price. Errors carry the line's number (``n``
    in their params) so a form can show each one beside its line.
    """
    errors: list[ValidationError] = []
    rows = []
    for index, line in enumerate(lines, start=1):
        product = line.get("product")
        if not isinstance(product, Product):
            errors.append(ValidationError(_("Line %(n)d: choose a product."), params={"n": index}))
            continue
        price = line.get("unit_price")
        if price in (None, "") and product.currency != deal.currency:
            errors.append(
                ValidationError(
                    _(
                        "Line %(n)d: the list price of %(product)s is in %(product_currency)s; "
                        "enter its price in %(currency)s."
                    ),
                    params={
                        "n": index,
                        "product": product.display_name,
                        "product_currency": product.currency,
                        "currency": deal.currency,
                    },
                )
            )
            continue
        try:
            quantity = Decimal(str(line.get("quantity", 1)))
            unit_price = Decimal(str(product.list_price if price in (None, "") else price))
            discount = Decimal(str(line.get("discount_percent", 0) or 0))
        except ArithmeticError:
            errors.append(ValidationError(_("Line %(n)d: enter numbers."), params={"n": index}))
            continue
        if not all(v.is_finite() for v in (quantity, unit_price, discount)) or (
            quantity <= 0 or unit_price < 0 or not (0 <= discount <= 100)
        ):
            errors.append(
                ValidationError(
                    _("Line %(n)d: quantity above 0, price not negative, discount 0–100%%."),
                    params={"n": index},
                )
            )
            continue
        amount = (quantity * unit_price * (Decimal(100) - discount) / Decimal(100)).quantize(Decimal("0.01"))
        rows.append(
            DealLine(
                deal=deal,
                product=product,
                quantity=quantity,
                unit_price=unit_price,
                discount_percent=discount,
                amount=amount,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    DealLine.objects.filter(deal=deal).delete()
    DealLine.objects.bulk_create(rows)
    if rows and (amount_from_lines or deal.amount is None):
        deal.amount = sum((r.amount for r in rows), Decimal("0"))
        Deal.all_objects.filter(pk=deal.pk).update(amount=deal.amount)


@retry_on_lock_conflict
@transaction.atomic
def deal_update(
    *,
    actor: Actor,
    deal: Deal,
    data: Mapping[str, Any],
    version: int | None = None,
    owner: User | None = None,
    stage: Stage | None = None,
    contacts: Sequence[tuple[Contact, str]] | None = None,
    lines: Sequence[Mapping[str, Any]] | None = None,
    amount_from_lines: bool = True,
    approved: bool = False,
) -> Deal:
    """Edit a deal. A stale ``version`` raises ``VersionConflict`` (409) with the current values.

    ``lines`` replace the line items (see ``_set_lines`` for ``amount_from_lines``). A stage
    move or a discount an approval flow guards is held (``deal.held_approvals`` lists the
    requests) unless ``approved`` (the approved change being applied).
    """
    # The deal's row alone, without a join: FOR UPDATE over a join locks the stage too (two people
    # moving deals between two stages in opposite directions deadlocked), and a join re-checked
    # after waiting for someone's move would no longer find the deal. NO KEY: follow-ups and stage
    # history that merely point at the deal are not held up. The stage is read after the lock.
    deal = Deal.objects.select_for_update(no_key=True).get(pk=deal.pk)
    access.require(actor, "edit", "deal", deal)
    if version is not None and version != deal.version:
        raise VersionConflict(current=deal_snapshot(deal), version=deal.version)
    before = history.snapshot(deal)
    had_reason = deal.lost_reason_ref_id is not None
    values = _clean_values(data, creating=False, lost_reason=deal.lost_reason_ref)
    forecast_choice = _forecast_choice(data)
    if "account" in values and values["account"] is not None and values["account"].pk != deal.account_id:
        access.require_linkable(actor, "account", values["account"], field="account")
    for key, value in values.items():
        setattr(deal, key, value)
    held: list[Any] = []
    if not approved and CHANGE_HOLDERS:  # approvals: hold what a flow guards (decision 0035)
        proposed: dict[str, Any] = {"stage": stage, "lines": lines, "amount_from_lines": amount_from_lines}
        held = _hold_guarded(actor, deal, proposed)
        stage, lines = proposed["stage"], proposed["lines"]
    changing_owner = owner is not None and owner.pk != deal.owner_id
    previous_owner = deal.owner if changing_owner else None
    if owner is not None and changing_owner:
        if not access.can(actor, "assign", "deal", deal):
            raise ValidationError({"owner": [_("You may not give records to someone else.")]})
        refusal = access.owner_refusal(actor, "deal", owner)
        if refusal is not None:
            raise ValidationError({"owner": [refusal]})
        deal.owner = owner
        deal.team_id = primary_team_id(owner)
    if contacts is not None:
        DealContact.objects.filter(deal=deal).exclude(contact__in=[c for c, _r in contacts]).delete()
        _set_contacts(actor, deal, contacts)
    if lines is not None:
        _set_lines(deal, lines, amount_from_lines=amount_from_lines)
    now = timezone.now()
    previous_stage_id = deal.stage_id
    moved = stage is not None and stage.pk != deal.stage_id
    _apply_forecast_choice(deal, forecast_choice, stage if moved and stage is not None else deal.stage)
    previous_status = deal.status
    if moved:
        assert stage is not None
        _guard_stage(deal, stage)
        _close_stage_history(deal, now)
        _apply_stage(deal, stage, now)
    elif deal.stage.kind == StageKind.LOST and had_reason:
        # Taking the reason (or the note of "other") off a lost deal is refused; a lost deal that
        # never had one (history brought in by an import) can still be edited otherwise, and no
        # reason is made up for it.
        _require_lost_reason(deal)
    deal.version = F("version") + 1
    deal.save()
    deal.refresh_from_db(fields=["version"])
    if moved:
        assert stage is not None
        _open_stage_history(deal, stage, actor, now)
    if deal.status == DealStatus.WON and previous_status != DealStatus.WON and deal.account is not None:
        account_promote_on_win(actor=actor, account=deal.account)
    history.record_update(actor=actor.user, obj=deal, before=before)
    # Events (issue 14: webhooks, team robots): told inside the transaction, sent after commit.
    events.emit("deal.updated", record=deal, actor=actor.user, version=deal.version)
    if moved:
        events.emit(
            "deal.moved", record=deal, actor=actor.user, from_stage=previous_stage_id, to_stage=deal.stage_id
        )
        if deal.status != previous_status and deal.status in (DealStatus.WON, DealStatus.LOST):
            events.emit(f"deal.{deal.status}", record=deal, actor=actor.user, amount=str(deal.amount))
    if changing_owner:
        owner_change(actor=actor, resource="deal", record=deal, previous=previous_owner)
    deal.held_approvals = held  # type: ignore[attr-defined]
    return deal


@retry_on_lock_conflict
@transaction.atomic
def deal_move(
    *,
    actor: Actor,
    deal: Deal,
    stage: Stage,
    version: int | None = None,
    lost_reason: LostReason | str | int | None = None,
    lost_note: str = "",
    approved: bool = False,
) -> Deal:
    """Move a deal to another stage (the board's drag and drop, the API's move). Into a lost
    stage it takes ``lost_reason`` (a reason, its id or a name) and, for "other", ``lost_note``."""
    data: dict[str, Any] = {}
    if lost_reason not in (None, ""):
        data["lost_reason"] = lost_reason
    if lost_note:
        data["lost_note"] = lost_note
    if stage.pipeline_id != deal.pipeline_id and not stage.pipeline.is_active:
        raise ValidationError({"stage": [_("That pipeline is not active.")]})
    return deal_update(actor=actor, deal=deal, data=data, version=version, stage=stage, approved=approved)


@transaction.atomic
def deal_delete(*, actor: Actor, deal: Deal) -> None:
    record_soft_delete(actor=actor, obj=deal)
    events.emit("deal.deleted", record=deal, actor=actor.user)  # issue 14: webhooks, team robots


def stage_durations(deal: Deal) -> list[dict[str, Any]]:
    """Time spent per stage, the current stay counted up to now."""
    now = timezone.now()
    out: dict[int, dict[str, Any]] = {}
    for row in DealStageHistory.objects.filter(deal=deal).select_related("stage").order_by("entered_at"):
        seconds = row.duration_seconds if row.left_at else int((now - row.entered_at).total_seconds())
        entry = out.setdefault(row.stage_id, {"stage": row.stage, "seconds": 0, "entered_at": row.entered_at})
        entry["seconds"] += seconds or 0
    return list(out.values())


# --- Pipelines, stages and products (administrators) ---------------------------------------


# Stored in English; shown in each person's language by the catalogues (core.naming.localized).
DEFAULT_PIPELINE_NAME = gettext_noop("Sales")
DEFAULT_STAGES = [
    (gettext_noop("Qualification"), 10, "open", []),
    (gettext_noop("Needs analysis"), 25, "open", []),
    (gettext_noop("Proposal"), 50, "open", ["amount", "budget"]),
    (gettext_noop("Negotiation"), 75, "open", ["amount", "expected_close_date", "decision_maker"]),
    (gettext_noop("Won"), 100, "won", ["amount"]),
    (gettext_noop("Lost"), 0, "lost", []),
]


def ensure_default_pipeline() -> None:
    """A fresh installation gets one pipeline with sensible stages (renamed freely afterwards)."""
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name=DEFAULT_PIPELINE_NAME, is_default=True)
    for order, (name, probability, kind, required) in enumerate(DEFAULT_STAGES):
        Stage.objects.create(
            pipeline=pipeline,
            name=name,
            order=order,
            probability=probability,
            kind=kind,
            required_fields=required,
            forecast_category=default_forecast_category(probability),
        )


PRODUCT_NAME_MAX_LENGTH = 200


@transaction.atomic
def product_save(*, actor: Actor, product: Product | None, data: Mapping[str, Any]) -> Product:
    access.require(actor, "manage", "product")
    creating = product is None
    product = product or Product()
    before = None if creating else history.snapshot(product)
    errors: dict[str, list[str]] = {}
    name = (data.get("name", product.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    names = naming.names_given(data, product.names, errors, max_length=PRODUCT_NAME_MAX_LENGTH)
    code = (data.get("code", product.code) or "").strip()
    if code and Product.objects.filter(code=code).exclude(pk=product.pk).exists():
        errors["code"] = [_("Another product has this code.")]
    if errors:
        raise ValidationError(errors)
    product.name, product.names, product.code = name, names, code
    for field in ("family", "list_price", "currency", "is_active", "description"):
        if field in data:
            setattr(product, field, data[field])
    product.save()
    if before is None:
        history.record_create(actor=actor.user, obj=product)
    else:
        history.record_update(actor=actor.user, obj=product, before=before)
    return product


# --- Pipeline and stage administration (API: manage on "deal") -----------------------------


@transaction.atomic
def pipeline_save(*, actor: Actor, pipeline: Pipeline | None, data: Mapping[str, Any]) -> Pipeline:
    """Create or edit a pipeline. Making one the default unsets the others."""
    access.require(actor, "manage", "deal")
    creating = pipeline is None
    pipeline = pipeline or Pipeline()
    before = None if creating else history.snapshot(pipeline)
    name = (data.get("name", pipeline.name) or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    names = naming.names_given(data, pipeline.names, errors)
    if errors:
        raise ValidationError(errors)
    pipeline.name, pipeline.names = name, names
    for field in ("is_default", "is_active", "order"):
        if field in data:
            setattr(pipeline, field, data[field])
    if pipeline.is_default and not pipeline.is_active:
        raise ValidationError({"is_active": [_("The default pipeline must be active.")]})
    pipeline.save()
    if pipeline.is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)
    if before is None:
        history.record_create(actor=actor.user, obj=pipeline)
    else:
        history.record_update(actor=actor.user, obj=pipeline, before=before)
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor: Actor, pipeline: Pipeline) -> None:
    """Delete a pipeline with no deals (its stages go with it); one with deals is deactivated instead."""
    access.require(actor, "manage", "deal")
    if Deal.all_objects.filter(pipeline=pipeline).exists():
        raise ValidationError(_("This pipeline has deals; make it inactive instead."))
    history.record(actor=actor.user, obj=pipeline, action=HistoryAction.PURGE)
    pipeline.delete()


@transaction.atomic
def stage_save(*, actor: Actor, stage: Stage | None, data: Mapping[str, Any]) -> Stage:
    """Create or edit a stage; ``required_fields`` must name fields a stage may require."""
    access.require(actor, "manage", "deal")
    creating = stage is None
    stage = stage or Stage()
    before = None if creating else history.snapshot(stage)
    errors: dict[str, list[str]] = {}
    if "pipeline" in data:
        if not creating and data["pipeline"].pk != stage.pipeline_id:
            errors["pipeline"] = [_("A stage cannot move to another pipeline.")]
        stage.pipeline = data["pipeline"]
    elif creating:
        errors["pipeline"] = [_("This field is required.")]
    name = (data.get("name", stage.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    names = naming.names_given(data, stage.names, errors)
    required = data.get("required_fields", stage.required_fields) or []
    unknown = [f for f in required if f not in REQUIRABLE_FIELDS]
    if unknown:
        errors["required_fields"] = [
            _("A stage may require: %(fields)s.") % {"fields": ", ".join(REQUIRABLE_FIELDS)}
        ]
    kind = data.get("kind", stage.kind)
    if kind not in StageKind.values:
        errors["kind"] = [_("Choose open, won or lost.")]
    if data.get("forecast_category"):
        if data["forecast_category"] not in ForecastCategory.values:
            errors["forecast_category"] = [
                _("Choose one of: %(list)s.") % {"list": ", ".join(ForecastCategory.values)}
            ]
        else:
            stage.forecast_category = data["forecast_category"]
    elif creating:
        stage.forecast_category = default_forecast_category(int(data.get("probability") or 0))
    if errors:
        raise ValidationError(errors)
    stage.name, stage.names, stage.required_fields, stage.kind = name, names, list(required), kind
    for field in ("order", "probability", "guidance"):
        if field in data:
            setattr(stage, field, data[field])
    stage.save()
    if before is None:
        history.record_create(actor=actor.user, obj=stage)
    else:
        history.record_update(actor=actor.user, obj=stage, before=before)
    return stage


@transaction.atomic
def stage_delete(*, actor: Actor, stage: Stage) -> None:
    """Delete a stage no deal has ever been in."""
    access.require(actor, "manage", "deal")
    if Deal.all_objects.filter(stage=stage).exists() or DealStageHistory.objects.filter(stage=stage).exists():
        raise ValidationError(_("Deals have been in this stage; rename it instead of deleting it."))
    history.record(actor=actor.user, obj=stage, action=HistoryAction.PURGE)
    stage.delete()


# --- Lost reasons (administrators; decision 0030) --------------------------------------------

# The usual reasons, as migration deals 0013 seeds them: stored in English, named in each language.
DEFAULT_LOST_REASONS = [
    (gettext_noop("Price"), "价格", False),
    (gettext_noop("Competitor"), "竞争对手", False),
    (gettext_noop("No budget"), "没有预算", False),
    (gettext_noop("Timing"), "时机不对", False),
    (gettext_noop("No decision"), "客户未做决定", False),
    (gettext_noop("Other"), "其他", True),
]


def ensure_lost_reasons() -> None:
    """The usual reasons, where there are none (a database emptied by a test or a reset)."""
    if LostReason.objects.exists():
        return
    for order, (name, chinese, is_other) in enumerate(DEFAULT_LOST_REASONS):
        LostReason.objects.create(
            name=name, names={"en": name, "zh-hans": chinese}, order=order, is_other=is_other
        )


def lost_reasons_offered(current: LostReason | None = None) -> list[LostReason]:
    """The active reasons in order, with a deal's current one when it has been deactivated."""
    active = LostReason.objects.filter(is_active=True).order_by("order", "id")
    reasons = list(active)
    if not reasons:  # none active: perhaps none at all
        ensure_lost_reasons()
        reasons = list(active.all())
    if not any(r.is_other for r in reasons):  # "other" is always there to choose
        reasons.append(lost_reason_other())
    if current is not None and all(r.pk != current.pk for r in reasons):
        reasons.append(current)
    return reasons


def lost_reason_resolve(value: Any, *, current: LostReason | None = None) -> LostReason | None:
    """A reason given as itself, its id or its name in any language (its own name first); None
    for nothing. Only an active reason (or the deal's ``current`` one) is accepted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    reasons = lost_reasons_offered(current)
    found: LostReason | None = None
    if isinstance(value, LostReason):
        found = next((r for r in reasons if r.pk == value.pk), None)
    elif isinstance(value, int) and not isinstance(value, bool):
        found = next((r for r in reasons if r.pk == value), None)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            found = next((r for r in reasons if r.pk == int(text)), None)
        folded = text.casefold()
        found = found or next((r for r in reasons if r.name.casefold() == folded), None)
        found = found or next(
            (r for r in reasons if folded in {n.casefold() for n in naming.every_name(r.name, r.names)}),
            None,
        )
    if found is None:
        raise ValidationError(
            _("Choose one of: %(list)s.") % {"list": ", ".join(r.display_name for r in reasons)}
        )
    return found


def lost_reason_other() -> LostReason:
    ensure_lost_reasons()
    other = LostReason.objects.filter(is_other=True).first()
    if other is None:
        other = LostReason.objects.create(
            name=gettext_noop("Other"), names={"en": "Other", "zh-hans": "其他"}, order=99, is_other=True
        )
    return other


@transaction.atomic
def lost_reason_save(*, actor: Actor, reason: LostReason | None, data: Mapping[str, Any]) -> LostReason:
    """Create or edit a lost reason. No two reasons go by the same name in any language (an
    import or the API finds a reason by name); "other" stays active."""
    access.require(actor, "manage", "deal")
    ensure_lost_reasons()  # the first reason of an empty list joins the usual ones
    creating = reason is None
    reason = reason or LostReason()
    before = None if creating else history.snapshot(reason)
    errors: dict[str, list[str]] = {}
    name = (data.get("name", reason.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    names = naming.names_given(data, reason.names, errors)
    clash = naming.named_alike(name, names, LostReason.objects.exclude(pk=reason.pk))
    if clash is not None:
        errors.setdefault("name", []).append(
            _("Another reason is called “%(name)s”.") % {"name": clash.display_name}
        )
    is_active = bool(data.get("is_active", reason.is_active))
    if reason.is_other and not is_active:
        errors["is_active"] = [_("“Other” is always offered: a reason the list does not have goes there.")]
    if errors:
        raise ValidationError(errors)
    reason.name, reason.names, reason.is_active = name, names, is_active
    if "order" in data and data["order"] is not None:
        reason.order = data["order"]
    elif creating:
        last = LostReason.objects.order_by("-order").first()
        reason.order = (last.order + 1) if last else 0
    reason.save()
    if before is None:
        history.record_create(actor=actor.user, obj=reason)
    else:
        history.record_update(actor=actor.user, obj=reason, before=before)
    return reason
