"""Forms of the deals web UI: deal create/edit (with contacts and line items), moves, follow-ups,
bulk actions, products, pipelines and stages.

Forms parse and shape input only; the rules (stage guidance, versions, visibility of accounts and
contacts, line arithmetic) live in ``deals.services`` and ``activities.services``, whose
``ValidationError`` the views put back on the form. Every choice list is built from what the
actor may see, and long lists (accounts) render a bounded number of options.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tandem.activities.models import ActivityKind
from tandem.core import access, naming
from tandem.core.access import Actor
from tandem.core.dates import BUSINESS_DATE
from tandem.customers.filters import search
from tandem.customers.models import Account, Channel, Contact, Source
from tandem.org.forms import LanguageNamesForm, PersonChoiceField, TablerForm
from tandem.org.models import User

from . import selectors
from .models import ContactRole, Deal, ForecastCategory, LostReason, Pipeline, Product, Stage, StageKind
from .services import REQUIRABLE_FIELDS, lost_reasons_offered, requirable_field_label


def lost_reason_choices(current: LostReason | None = None) -> list[tuple[Any, str]]:
    """The lost reasons a select offers, by their name in the reader's language."""
    return [("", "—"), *((r.pk, r.display_name) for r in lost_reasons_offered(current))]


class LostReasonField(forms.TypedChoiceField):
    """A lost reason by id; the service checks it is offered (active, or the deal's own)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Lost reason"))
        kwargs.setdefault("required", False)
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return True


def lost_note_field(**kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=_("Note on the loss"),
        max_length=200,
        required=False,
        help_text=_("Required when the reason is “Other”."),
        **kwargs,
    )


# An account select renders at most this many options (plus the chosen one): search narrows it.
ACCOUNT_OPTIONS = 50
CONTACT_OPTIONS = 100


def visible_accounts(actor: Actor) -> QuerySet[Account]:
    return access.visible(actor, "account", Account.objects.all())


def account_options(actor: Actor, *, q: str = "", selected: Any = None) -> list[tuple[Any, str]]:
    """A bounded list of visible accounts for a select: the chosen one first, then matches by name."""
    qs = visible_accounts(actor).only("id", "name").order_by("name", "id")
    if q:
        qs = search(qs, q, ("name",), ())  # every word, by name, pinyin or initials
    rows = list(qs[:ACCOUNT_OPTIONS])
    chosen: list[Account] = []
    if selected not in (None, ""):
        try:
            pk = int(selected.pk if isinstance(selected, Account) else selected)
        except (TypeError, ValueError):
            pk = 0
        if pk and all(a.pk != pk for a in rows):
            chosen = list(visible_accounts(actor).filter(pk=pk).only("id", "name"))
    return [("", str(_("— no account —"))), *((a.pk, a.name) for a in [*chosen, *rows])]


def contacts_of(actor: Actor, account: Account | None) -> QuerySet[Contact]:
    if account is None:
        return Contact.objects.none()
    return access.visible(actor, "contact", Contact.objects.filter(account=account)).order_by("name", "id")


def stage_choices(pipelines: Iterable[Pipeline], *, include_closed: bool = True) -> list[tuple[Any, Any]]:
    """Stages grouped by pipeline (an <optgroup> each)."""
    groups: list[tuple[Any, Any]] = []
    for pipeline in pipelines:
        stages = [
            (
                s.pk,
                # A closed stage says it is won or lost, unless its name says so already ("赢单").
                f"{s.display_name} · {s.get_kind_display()}"
                if s.kind != StageKind.OPEN and s.display_name != s.get_kind_display()
                else s.display_name,
            )
            for s in pipeline.stages.all()
            if include_closed or s.kind == StageKind.OPEN
        ]
        if stages:
            groups.append((pipeline.display_name, stages))
    return groups


def active_pipelines() -> QuerySet[Pipeline]:
    return selectors.with_stages(Pipeline.objects.filter(is_active=True))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DealForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none(), required=False)
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Pipeline and stage"), queryset=Stage.objects.none())
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("With line items, the amount follows their total unless you type your own."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])
    opened_on = forms.DateField(
        validators=BUSINESS_DATE,
        label=_("Opened on"),
        required=False,
        widget=DateInput(),
        help_text=_("The day work on the deal started. Empty on a new deal: today."),
    )
    expected_close_date = forms.DateField(
        validators=BUSINESS_DATE, label=_("Expected close date"), required=False, widget=DateInput()
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to use the stage's probability."),
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"),
        choices=[("", _("From the stage")), *ForecastCategory.choices],
        required=False,
        help_text=_("Your choice stays when the deal moves stage; “From the stage” follows the stage."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *Source.choices], required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False)
    budget = forms.DecimalField(
        label=_("Budget"), max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    decision_maker = forms.CharField(label=_("Decision maker"), max_length=120, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    competitor = forms.CharField(label=_("Competitor"), max_length=100, required=False)
    lost_reason = LostReasonField()
    lost_note = lost_note_field()
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # Set by the form's script when the person types the amount by hand: it then stays, and the
    # lines' total is shown beside it. Without the script the amount is the lines' total.
    amount_manual = forms.BooleanField(widget=forms.HiddenInput, required=False)

    # Fields passed to the services' ``data`` as they are.
    DATA_FIELDS = (
        "name",
        "account",
        "amount",
        "currency",
        "opened_on",
        "expected_close_date",
        "probability",
        "forecast_category",
        "source",
        "channel",
        "budget",
        "decision_maker",
        "next_step",
        "competitor",
        "lost_reason",
        "lost_note",
        "description",
    )

    def __init__(
        self, *args: Any, actor: Actor, deal: Deal | None = None, can_assign: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        account_field = self.fields["account"]
        account_field.queryset = visible_accounts(actor)  # type: ignore[attr-defined]
        selected = self.data.get("account") if self.is_bound else self.initial.get("account")
        account_field.widget.choices = account_options(actor, selected=selected)
        pipelines = list(active_pipelines())
        if deal is not None and all(p.pk != deal.pipeline_id for p in pipelines):
            pipelines.append(deal.pipeline)
        stage_ids = [s.pk for p in pipelines for s in p.stages.all()]
        self.fields["stage"].queryset = Stage.objects.filter(pk__in=stage_ids)  # type: ignore[attr-defined]
        self.fields["stage"].widget.choices = stage_choices(pipelines)
        if can_assign:
            owners = access.owner_candidates(actor, "deal")
            if deal is not None:  # the current owner stays a choice, whoever they are
                owners = User.objects.filter(Q(pk__in=owners.values("pk")) | Q(pk=deal.owner_id)).order_by(
                    "display_name", "id"
                )
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
            if deal is None:
                self.fields["owner"].empty_label = _("Me")  # type: ignore[attr-defined]
                self.fields["owner"].help_text = _("Empty: you.")
        else:
            del self.fields["owner"]
        if deal is None:
            del self.fields["version"]
            self.fields["opened_on"].initial = timezone.localdate()
        self.fields["stage"].widget.attrs["data-deal-stage"] = ""
        self.fields["lost_reason"].choices = lost_reason_choices(  # type: ignore[attr-defined]
            deal.lost_reason_ref if deal is not None else None
        )

    def service_data(self) -> dict[str, Any]:
        # An empty amount stays empty (unknown is not 0).
        return {k: self.cleaned_data[k] for k in self.DATA_FIELDS if k in self.cleaned_data}

    def amount_from_lines(self) -> bool:
        """Does the amount follow the line items? Not when typed by hand (and not empty)."""
        return not (self.cleaned_data.get("amount_manual") and self.cleaned_data.get("amount") is not None)


class DealContactForm(TablerForm):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    # Not required: the rows are not drawn until an account is chosen (a deal without one posted
    # two invisible rows and was refused with nothing to show); ``rows()`` defaults it to "other".
    role = forms.ChoiceField(
        label=_("Role"), choices=ContactRole.choices, initial=ContactRole.OTHER, required=False
    )

    def __init__(self, *args: Any, contacts: QuerySet[Contact] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = contacts if contacts is not None else Contact.objects.none()
        self.fields["contact"].queryset = qs  # type: ignore[attr-defined]
        self.fields["contact"].widget.choices = [("", "—"), *((c.pk, c.name) for c in qs[:CONTACT_OPTIONS])]


def _style_delete(form: forms.Form) -> None:
    """The formset's own "remove" checkbox is added after the form styled its fields."""
    if "DELETE" in form.fields:
        form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


class BaseDealContactFormSet(forms.BaseFormSet):  # type: ignore[type-arg,unused-ignore]
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        _style_delete(form)

    def __init__(self, *args: Any, contacts: QuerySet[Contact] | None = None, **kwargs: Any) -> None:
        self.contacts = contacts
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "contacts": self.contacts}

    def rows(self) -> list[tuple[Contact, str]]:
        out: list[tuple[Contact, str]] = []
        seen: set[int] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", {}) or {}
            contact = data.get("contact")
            if contact is None or data.get("DELETE") or contact.pk in seen:
                continue
            seen.add(contact.pk)
            out.append((contact, data.get("role") or ContactRole.OTHER))
        return out


DealContactFormSet = cast(
    type[BaseDealContactFormSet],
    forms.formset_factory(
        DealContactForm,
        formset=BaseDealContactFormSet,
        extra=2,
        can_delete=True,
        max_num=30,
        validate_max=True,
    ),
)


class DealLineForm(TablerForm):
    """One line item. The deal form's script fills the price from the product and shows the totals;
    the service computes them again on save (``deals.services._set_lines``)."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = products or []
        field = self.fields["product"]
        field.queryset = Product.objects.all()  # type: ignore[attr-defined]
        field.widget.choices = [
            ("", "—"),
            *((p.pk, f"{p.display_name} ({p.code})" if p.code else p.display_name) for p in products),
        ]
        field.widget.attrs["data-line-product"] = ""
        for name in ("quantity", "unit_price", "discount_percent"):
            self.fields[name].widget.attrs.update(
                {"inputmode": "decimal", "class": "form-control num", "step": "0.01", f"data-line-{name}": ""}
            )
        self.fields["quantity"].widget.attrs["placeholder"] = "1"
        self.fields["discount_percent"].widget.attrs["placeholder"] = "0"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(data.get(k) is not None for k in ("quantity", "unit_price", "discount_percent"))
        if data.get("product") is None and filled and not self.has_error("product"):
            self.add_error("product", _("Choose a product, or remove the line."))
        return data


class BaseDealLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg,unused-ignore]
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        _style_delete(form)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["data-line-delete"] = ""

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        self.products = products
        self.line_forms: list[forms.Form] = []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "products": self.products}

    def rows(self) -> list[dict[str, Any]]:
        """The lines to save, in order; an empty price is left to the service (the list price in
        the deal's currency). ``line_forms`` keeps the form of each, for the service's errors."""
        out: list[dict[str, Any]] = []
        self.line_forms = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {}) or {}
            product = data.get("product")
            if product is None or data.get("DELETE"):
                continue
            line: dict[str, Any] = {"product": product}
            line["quantity"] = data.get("quantity") or Decimal("1")
            if data.get("unit_price") is not None:
                line["unit_price"] = data["unit_price"]
            line["discount_percent"] = data.get("discount_percent") or Decimal("0")
            out.append(line)
            self.line_forms.append(form)
        return out

    def errors_onto_lines(self, exc: ValidationError) -> ValidationError | None:
        """Put the service's line errors beside their lines; return what is left (or None)."""
        if not hasattr(exc, "error_dict") or "lines" not in exc.error_dict:
            return exc
        rest: list[ValidationError] = []
        for error in exc.error_dict["lines"]:
            n = (error.params or {}).get("n")
            if isinstance(n, int) and 1 <= n <= len(self.line_forms):
                self.line_forms[n - 1].add_error(None, error)
            else:
                rest.append(error)
        others = {k: v for k, v in exc.error_dict.items() if k != "lines"}
        if rest:
            others["lines"] = rest
        return ValidationError(others) if others else None

    def products_json(self) -> dict[str, dict[str, str]]:
        """What the form's script needs to fill a line: each product's list price and currency."""
        return {
            str(p.pk): {"price": f"{p.list_price:.2f}", "currency": p.currency} for p in self.products or []
        }


DealLineFormSet = cast(
    type[BaseDealLineFormSet],
    forms.formset_factory(
        DealLineForm, formset=BaseDealLineFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
    ),
)


def line_products(deal: Deal | None) -> list[Product]:
    """Active products, plus inactive ones already on the deal (so editing keeps them)."""
    products = list(Product.objects.filter(is_active=True).order_by("name", "id")[:500])
    if deal is not None and deal.pk:
        known = {p.pk for p in products}
        used = Product.all_objects.filter(pk__in=deal.lines.values("product_id")).exclude(pk__in=known)
        products.extend(used)
    return products


class MoveForm(forms.Form):
    """The board's drop and the deal page's stage buttons."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.select_related("pipeline"))
    version = forms.IntegerField(required=False, min_value=1)
    lost_reason = forms.CharField(required=False, max_length=200)  # an id (or a name): the service finds it
    lost_note = forms.CharField(required=False, max_length=200)


class CloseForm(TablerForm):
    """Mark won or lost from the deal page's menu."""

    outcome = forms.ChoiceField(choices=[("won", _("Won")), ("lost", _("Lost"))], widget=forms.HiddenInput)
    lost_reason = LostReasonField()
    lost_note = lost_note_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].choices = lost_reason_choices()  # type: ignore[attr-defined]


class ReassignForm(TablerForm):
    owner = PersonChoiceField(label=_("New owner"), queryset=User.objects.none())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # People who may own deals, within the actor's reach: nobody who could not open it.
        self.fields["owner"].queryset = access.owner_candidates(actor, "deal")  # type: ignore[attr-defined]


class FollowUpForm(TablerForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    content = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_follow_up_on = forms.DateField(
        validators=BUSINESS_DATE, label=_("Next follow-up"), required=False, widget=DateInput()
    )


class IdsField(forms.TypedMultipleChoiceField):
    """Any integers (the choices are the rows the person selected; visibility is checked later)."""

    def valid_value(self, value: Any) -> bool:
        return True


BULK_ACTIONS = [("assign", _("Assign")), ("stage", _("Change stage")), ("delete", _("Delete"))]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    ids = IdsField(coerce=int)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    stage = forms.ModelChoiceField(queryset=Stage.objects.select_related("pipeline"), required=False)
    lost_reason = forms.CharField(required=False, max_length=200)
    lost_note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = access.owner_candidates(actor, "deal")  # type: ignore[attr-defined]

    def clean_ids(self) -> list[int]:
        ids: list[int] = self.cleaned_data["ids"]
        return ids[:500]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("owner"):
            self.add_error("owner", _("Choose the new owner."))
        if data.get("action") == "stage" and not data.get("stage"):
            self.add_error("stage", _("Choose the stage."))
        return data


class NamedForm(LanguageNamesForm):
    """A ``name`` and, optionally, the name in each interface language (``core.naming``)."""

    name = forms.CharField(label=_("Name"), max_length=naming.NAME_MAX_LENGTH)


class ProductForm(NamedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    names_max_length = 200
    code = forms.CharField(label=_("Code"), max_length=64, required=False)
    family = forms.CharField(label=_("Series / family"), max_length=100, required=False)
    list_price = forms.DecimalField(
        label=_("List price"), max_digits=14, decimal_places=2, min_value=Decimal("0"), initial=Decimal("0")
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])
    is_active = forms.BooleanField(label=_("Active (offered on new deals)"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProductFilterForm(TablerForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    family = forms.ChoiceField(label=_("Series / family"), required=False)
    is_active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and inactive")), ("true", _("Active")), ("false", _("Inactive"))],
    )

    def __init__(self, *args: Any, families: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        family_choices = [("", _("All series")), *((f, f) for f in families)]
        self.fields["family"].choices = family_choices  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name or code"), "autocomplete": "off"}
        )


class LostReasonForm(NamedForm):
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)
    is_active = forms.BooleanField(
        label=_("Active (offered when a deal is lost)"), required=False, initial=True
    )


class PipelineForm(NamedForm):
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_default = forms.BooleanField(label=_("Default pipeline for new deals"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def requirable_choices() -> list[tuple[str, str]]:
    return [(f, capfirst(requirable_field_label(f))) for f in REQUIRABLE_FIELDS]


class StageForm(NamedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=StageKind.choices)
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"),
        choices=[("", _("By probability")), *ForecastCategory.choices],
        required=False,
        help_text=_("Deals entering this stage take this category unless their owner has chosen one."),
    )
    probability = forms.IntegerField(label=_("Win probability (%)"), min_value=0, max_value=100, initial=0)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    required_fields = forms.MultipleChoiceField(
        label=_("Fields required to enter this stage"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guidance = forms.CharField(
        label=_("Stage guidance"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What a rep should do in this stage; shown on the deal page."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["required_fields"].choices = requirable_choices()  # type: ignore[attr-defined]
