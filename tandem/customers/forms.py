"""Forms of the customers web UI: accounts, contacts, follow-ups, pool actions and pool rules.

Forms parse and shape input; the rules live in the services, whose ``ValidationError`` the views
put back on the form. Every choice that names a record is limited to what the person may see.
Account choices can be many: they render only the chosen option and are searched by name or
phone through ``customers:account-options`` (htmx), but validate against every visible account.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.countries import country_choices
from tandem.core.dates import BUSINESS_DATE, PAST_DATE
from tandem.core.ids import parse_id
from tandem.core.models import Tag
from tandem.core.webforms import TelInput
from tandem.org.forms import (
    LanguageNamesForm,
    NamedModelChoiceField,
    PersonChoiceField,
    TablerForm,
    TeamTreeMultipleChoiceField,
    active_people,
    visible_teams,
)

from . import pool_admin, pools, selectors
from .bulk import ACTIONS
from .models import (
    Account,
    AccountLevel,
    Channel,
    CompanySize,
    Contact,
    Lifecycle,
    Pool,
    Source,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SearchSelect(forms.Select):
    """A select that renders only the empty choice and the chosen record (options come by search)."""

    search_url = "customers:account-options"

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> list[Any]:
        chosen = [v for v in value if v not in (None, "")]
        field = getattr(self.choices, "field", None)
        empty = str(getattr(field, "empty_label", None) or "---------")
        groups: list[Any] = [(None, [self.create_option(name, "", empty, not chosen, 0)], 0)]
        queryset = getattr(self.choices, "queryset", None)
        if chosen and queryset is not None:
            try:
                found = list(queryset.filter(pk__in=[int(v) for v in chosen]))
            except (TypeError, ValueError):
                found = []
            for index, obj in enumerate(found, start=1):
                groups.append((None, [self.create_option(name, str(obj.pk), str(obj), True, index)], index))
        return groups


class AccountChoiceField(forms.ModelChoiceField):
    widget = SearchSelect

    def __init__(self, *, actor: Actor, **kwargs: Any) -> None:
        super().__init__(queryset=selectors.visible_accounts(actor), **kwargs)


class VersionedForm(TablerForm):
    """Carries the version the person read and, after a warning, their confirmation of duplicates."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    confirm_duplicates = forms.BooleanField(label=_("Save anyway: these are not duplicates"), required=False)


class AccountForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = PersonChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))
    to_pool = forms.BooleanField(label=_("Put it straight into the public pool"), required=False)
    pool = NamedModelChoiceField(label=_("Public pool"), queryset=Pool.objects.none(), required=False)
    level = NamedModelChoiceField(label=_("Level"), queryset=AccountLevel.objects.all(), required=False)
    lifecycle = forms.ChoiceField(label=_("Lifecycle stage"), choices=Lifecycle.choices, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    size = forms.ChoiceField(
        label=_("Size"), choices=[("", "---------"), *CompanySize.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "---------"), *Source.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "---------"), *Channel.choices], required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, widget=TelInput)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    province = forms.CharField(label=_("Province / state"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    parent = AccountChoiceField(actor=access.Actor.anonymous(), label=_("Parent account"), required=False)
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    next_follow_up_on = forms.DateField(
        validators=BUSINESS_DATE, label=_("Next follow-up"), required=False, widget=DateInput
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    external_id = forms.CharField(label=_("External id"), max_length=100, required=False)

    CREATE_ONLY = ("owner", "to_pool")

    def __init__(self, *args: Any, actor: Actor, account: Account | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["parent"] = AccountChoiceField(actor=actor, label=_("Parent account"), required=False)
        self.fields["parent"].widget.attrs["class"] = "form-select"
        self.fields["pool"].queryset = access.visible(actor, "pool", Pool.objects.filter(is_active=True))  # type: ignore[attr-defined]
        if account is not None:
            for name in self.CREATE_ONLY:
                del self.fields[name]
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=account.pk)  # type: ignore[attr-defined]
        elif actor.has("account", "assign"):
            self.fields["owner"].queryset = access.owner_candidates(actor, "account")  # type: ignore[attr-defined]
        else:
            del self.fields["owner"]

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("owner", "tags", "version", "confirm_duplicates")
        }
        if not data.get("lifecycle"):
            data.pop("lifecycle", None)
        data["country"] = (data.get("country") or "CN").upper()
        return data


class ContactForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    account = AccountChoiceField(actor=access.Actor.anonymous(), label=_("Account"), required=False)
    owner = PersonChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False, widget=TelInput)
    phone = forms.CharField(label=_("Office phone"), max_length=40, required=False, widget=TelInput)
    email = forms.EmailField(label=_("Email"), required=False)
    email_alt = forms.EmailField(label=_("Other email"), required=False)
    wechat = forms.CharField(label=_("WeChat id"), max_length=64, required=False)
    birthday = forms.DateField(validators=PAST_DATE, label=_("Birthday"), required=False, widget=DateInput)
    next_follow_up_on = forms.DateField(
        validators=BUSINESS_DATE, label=_("Next follow-up"), required=False, widget=DateInput
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    external_id = forms.CharField(label=_("External id"), max_length=100, required=False)

    def __init__(self, *args: Any, actor: Actor, contact: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.fields["account"] = AccountChoiceField(actor=actor, label=_("Account"), required=False)
        self.fields["account"].widget.attrs["class"] = "form-select"
        if contact is not None or not actor.has("contact", "assign"):
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = access.owner_candidates(actor, "contact")  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.cleaned_data.items() if k not in ("owner", "version", "confirm_duplicates")
        }


class ReleaseForm(TablerForm):
    reason = forms.CharField(label=_("Why does it go back?"), max_length=300)
    pool = NamedModelChoiceField(
        label=_("Public pool"),
        queryset=Pool.objects.none(),
        required=False,
        empty_label=_("Its current pool"),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = access.visible(actor, "pool", Pool.objects.filter(is_active=True))  # type: ignore[attr-defined]


MOVE_RELATED_LABEL = _("Move its open deals and contacts along")
MOVE_RELATED_HELP = _("Those the previous owner holds on this account go to the new owner too.")


def move_related_chosen(data: Any, ticked: Any) -> bool:
    """On unless the person unticked it: forms showing the box also send ``move_related_shown``,
    so a post that never showed it (a script, an older page) keeps the default."""
    if "move_related_shown" not in data:
        return True
    return bool(ticked)


class AssignForm(TablerForm):
    owner = PersonChoiceField(label=_("New owner"), queryset=None)
    move_related = forms.BooleanField(
        label=MOVE_RELATED_LABEL, help_text=MOVE_RELATED_HELP, required=False, initial=True
    )
    reason = forms.CharField(label=_("Note for the new owner"), max_length=300, required=False)

    def __init__(self, *args: Any, actor: Actor, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the people this customer may go to: who may own accounts, within the actor's reach.
        self.fields["owner"].queryset = pools.owner_choices(actor, account=account)  # type: ignore[attr-defined]
        if account.owner_id is None:
            del self.fields["move_related"]  # a pool customer has nothing of a previous owner's

    def clean_move_related(self) -> bool:
        return move_related_chosen(self.data, self.cleaned_data.get("move_related"))


def bulk_owner_choices(actor: Actor) -> Any:
    """Who the bulk bar may give customers to (each customer is still checked on its own)."""
    return pools.owner_choices(actor, pools=pools.administered_pools(actor))


class LifecycleForm(TablerForm):
    stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=Lifecycle.choices)


class BulkForm(TablerForm):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)
    owner = PersonChoiceField(label=_("New owner"), queryset=None, required=False)
    move_related = forms.BooleanField(label=MOVE_RELATED_LABEL, required=False)
    tag = forms.CharField(label=_("Tag"), max_length=50, required=False)
    reason = forms.CharField(max_length=300, required=False)
    next = forms.CharField(required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = bulk_owner_choices(actor)  # type: ignore[attr-defined]

    def clean_ids(self) -> list[int]:
        return list(self.cleaned_data["ids"])[:500]

    def clean_move_related(self) -> bool:
        return move_related_chosen(self.data, self.cleaned_data.get("move_related"))

    def full_clean(self) -> None:
        # Any whole number is an id to try; visibility is decided by the service.
        field = self.fields["ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        field.choices = [(v, v) for v in raw if parse_id(v) is not None]
        super().full_clean()


class PoolForm(LanguageNamesForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    teams = TeamTreeMultipleChoiceField(
        label=_("Member teams"),
        queryset=None,
        required=False,
        help_text=_("Everyone in these teams (and their sub-teams) is a member."),
    )
    days_without_follow_up = forms.IntegerField(
        label=_("Days without a follow-up"),
        min_value=0,
        max_value=pool_admin.MAX_DAYS,
        initial=30,
        help_text=_("0 turns the rule off."),
    )
    days_without_open_deal = forms.IntegerField(
        label=_("Days without an open deal"), min_value=0, max_value=pool_admin.MAX_DAYS, initial=0
    )
    days_without_won_deal = forms.IntegerField(
        label=_("Days without a won deal"), min_value=0, max_value=pool_admin.MAX_DAYS, initial=0
    )
    exempt_with_open_deal = forms.BooleanField(
        label=_("Exempt customers with an open deal"), required=False, initial=True
    )
    exempt_won_customers = forms.BooleanField(label=_("Exempt won customers"), required=False, initial=True)
    remind_days_before = forms.IntegerField(
        label=_("Remind the owner this many days before"),
        min_value=0,
        max_value=pool_admin.MAX_DAYS,
        initial=3,
    )
    max_owned_per_person = forms.IntegerField(
        label=_("Most customers one person may own"),
        min_value=0,
        max_value=pool_admin.MAX_COUNT,
        initial=0,
        help_text=_("0 means no limit."),
    )
    daily_claim_limit = forms.IntegerField(
        label=_("Claims per person per day"),
        min_value=0,
        max_value=pool_admin.MAX_COUNT,
        initial=0,
        help_text=_("0 means no limit."),
    )
    cooldown_days = forms.IntegerField(
        label=_("Days before a previous owner may claim again"),
        min_value=0,
        max_value=pool_admin.MAX_DAYS,
        initial=0,
    )

    def __init__(self, *args: Any, actor: Actor, pool: Pool | None = None, **kwargs: Any) -> None:
        if pool is not None and "initial" not in kwargs:
            kwargs["initial"] = pool_initial(pool)
        super().__init__(*args, **kwargs)
        self.levels = list(AccountLevel.objects.all())
        for level in self.levels:
            self.fields[self.level_field(level)] = forms.IntegerField(
                label=_("Level %(name)s: days without a follow-up") % {"name": level.display_name},
                min_value=0,
                required=False,
                max_value=pool_admin.MAX_DAYS,
                help_text=_("Empty: the general rule applies."),
                widget=forms.NumberInput(attrs={"class": "form-control"}),
            )
        if actor.is_admin:
            self.fields["teams"].queryset = visible_teams(actor)  # type: ignore[attr-defined]
        else:
            del self.fields["teams"]

    @staticmethod
    def level_field(level: AccountLevel) -> str:
        return f"level_{level.pk}"

    def level_fields(self) -> list[forms.BoundField]:
        return [self[self.level_field(level)] for level in self.levels]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("level_") and k != "teams"}
        data["days_by_level"] = {
            level.code: self.cleaned_data[self.level_field(level)]
            for level in self.levels
            if self.cleaned_data.get(self.level_field(level)) is not None
        }
        return data


def pool_initial(pool: Pool) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(pool, name)
        for name in (
            "name",
            "description",
            "is_active",
            "days_without_follow_up",
            "days_without_open_deal",
            "days_without_won_deal",
            "exempt_with_open_deal",
            "exempt_won_customers",
            "remind_days_before",
            "max_owned_per_person",
            "daily_claim_limit",
            "cooldown_days",
        )
    }
    initial["teams"] = [t.pk for t in pool.teams.all()]
    initial["names"] = pool.names
    by_code = pool.days_by_level or {}
    for level in AccountLevel.objects.all():
        if level.code in by_code:
            initial[f"level_{level.pk}"] = by_code[level.code]
    return initial


class PoolMemberForm(TablerForm):
    user = PersonChoiceField(label=_("Person"), queryset=None)
    is_admin = forms.BooleanField(label=_("Pool administrator"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people(actor)  # type: ignore[attr-defined]


class AccountLevelForm(LanguageNamesForm):
    """An account level: a short code (what imports and pool rules may use), its name and its
    name in each interface language."""

    code = forms.CharField(label=_("Code"), max_length=10, help_text=_("Short, e.g. A, B, VIP."))
    name = forms.CharField(label=_("Name"), max_length=50)
    names_max_length = 50
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)
