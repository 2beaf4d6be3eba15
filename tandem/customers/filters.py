"""Query filters of the customers API (accounts and contacts), shared helpers for the CRM filters.

An invalid value answers 400 with a field message. Filters that name a record (owner, team,
pool, account) offer only records the caller may see (an owner: a person in the caller's scope): an invisible one is refused exactly like a
missing one. ``team`` means the team and every team below it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tandem.core import access
from tandem.core.dates import BUSINESS_DATE
from tandem.core.filtersets import FilterSet
from tandem.core.ids import parse_id
from tandem.core.listing import WhoseFilter, scoped_people
from tandem.core.models import Tag
from tandem.core.phones import normalize_phone
from tandem.org.filters import StrictBooleanFilter
from tandem.org.models import Team
from tandem.search import text as search_text

from .models import Account, AccountLevel, Channel, Contact, Lifecycle, Pool, Source
from .serializers import unmasked_q


def visible_choices(resource: str, model: type[Model]) -> Callable[[HttpRequest | None], QuerySet[Any]]:
    def queryset(request: HttpRequest | None) -> QuerySet[Any]:
        if request is None:
            return model._default_manager.none()
        return access.visible(access.get_actor(request), resource, model._default_manager.all())

    return queryset


def filter_team_subtree(queryset: QuerySet[Any], name: str, value: Team) -> QuerySet[Any]:
    """Records of the team or any team below it (an indexed prefix on the materialised path)."""
    subtree = Team.objects.filter(path__startswith=value.path).values("pk")
    return queryset.filter(team_id__in=subtree)


class TagChoiceField(forms.Field):
    """A tag by id or by name."""

    default_error_messages = {"invalid": _("No tag with this id or name.")}

    def to_python(self, value: Any) -> Tag | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        pk = parse_id(text)
        tag = Tag.objects.filter(pk=pk).first() if pk is not None else None
        if tag is None:
            tag = Tag.objects.filter(name=text).first()
        if tag is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return tag


@extend_schema_field(OpenApiTypes.STR)
class TagFilter(django_filters.Filter):
    field_class = TagChoiceField

    def filter(self, qs: QuerySet[Any], value: Tag | None) -> QuerySet[Any]:
        if value is None:
            return qs
        through: Any = qs.model._meta.get_field("tags").remote_field.through
        fk = f"{qs.model._meta.model_name}_id"
        return qs.filter(pk__in=through.objects.filter(tag_id=value.pk).values(fk))


class LevelChoiceField(forms.Field):
    """An account level by id or by code (A, B, C ...)."""

    default_error_messages = {"invalid": _("No account level with this id or code.")}

    def to_python(self, value: Any) -> AccountLevel | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        pk = parse_id(text)
        level = AccountLevel.objects.filter(pk=pk).first() if pk is not None else None
        if level is None:
            level = AccountLevel.objects.filter(code__iexact=text).first()
        if level is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return level


@extend_schema_field(OpenApiTypes.STR)
class LevelFilter(django_filters.Filter):
    field_class = LevelChoiceField

    def filter(self, qs: QuerySet[Any], value: AccountLevel | None) -> QuerySet[Any]:
        return qs if value is None else qs.filter(level_id=value.pk)


_PHONE_LIKE = re.compile(r"^[\d\s+\-().]+$")


def _phone_q(value: str, phone_fields: tuple[str, ...]) -> Q:
    """A phone field holds the digits typed (four or more), less a trunk 0; a whole number also
    matches in its E.164 form. Empty when ``value`` does not read as a phone fragment."""
    phones = Q()
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) < 4 or not phone_fields:
        return phones
    # Stored numbers are E.164 (+8613800138000); match the typed digits (without a leading 0).
    needles = {digits.lstrip("0") or digits}
    normalized = normalize_phone(value) if len(digits) >= 7 else None
    if normalized:
        needles.add(normalized.lstrip("+"))
    for field in phone_fields:
        for needle in sorted(needles):
            phones |= Q(**{f"{field}__contains": needle})
    return phones


def search(
    queryset: QuerySet[Any],
    value: str,
    text_fields: tuple[str, ...],
    phone_fields: tuple[str, ...],
    *,
    revealed: Q | None = None,
) -> QuerySet[Any]:
    """Rows matching every word of ``value`` (``上海 精密``), each word in the record's search text
    (what it says, its pinyin and initials: ``tianxiang``, ``txjm`` find 天祥精密; see
    ``tandem.search.text``) or, when it reads as a phone number, in a phone field.

    A value that is a phone number as a whole (``(021) 6234-5678``, ``+86 138 1234 5678``) is matched
    as one number too. Models without a search text (products) match ``text_fields`` as typed.
    ``revealed`` limits the phone matches to the rows whose phones the reader sees in full (masked
    ones are not searchable by their hidden digits: ``serializers.unmasked_q``).
    """
    value = value.strip()
    words = search_text.terms(value)
    if not words:
        return queryset
    model = queryset.model

    def phones(text: str) -> Q:
        found = _phone_q(text, phone_fields)
        if found and revealed is not None:
            found &= revealed
        return found

    every = Q()
    plain: list[str] = []  # words matched by their text only: one grams condition for all
    for word in words:
        word_phones = phones(word)
        if word_phones:
            every &= search_text.text_q(model, word, text_fields) | word_phones
        else:
            every &= search_text.text_q(model, word, text_fields, grams=False)
            plain.append(word)
    every &= search_text.grams_q(model, plain)
    if len(words) > 1 and _PHONE_LIKE.match(value):
        whole = phones(value)
        if whole:
            every = every | whole
    return queryset.filter(every)


def account_search(queryset: QuerySet[Account], value: str, actor: access.Actor) -> QuerySet[Account]:
    """Accounts by name, or by phone where the actor sees the phone unmasked."""
    return search(queryset, value, ("name",), ("phone",), revealed=unmasked_q(actor))


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An instant (ISO 8601) between 1900 and 2100 like every business date (a field error
    otherwise), compared in UTC: an offset PostgreSQL does not hold (it stops at ±15:59; ISO and
    Python allow ±23:59) would otherwise reach the database and fail there."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", BUSINESS_DATE)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: datetime.datetime | None) -> QuerySet[Any]:
        if value is not None and timezone.is_aware(value):
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError as exc:
                raise ValidationError(_("Enter a date and time between the years 1 and 9999.")) from exc
        return super().filter(qs, value)


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AccountFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search name or phone"))
    whose = WhoseFilter()
    owner = django_filters.ModelChoiceFilter(queryset=scoped_people("account"), field_name="owner")
    team = django_filters.ModelChoiceFilter(
        queryset=visible_choices("team", Team), method=filter_team_subtree, label=_("Team and sub-teams")
    )
    level = LevelFilter(label=_("Level (id or code)"))
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices)
    industry = django_filters.CharFilter(field_name="industry", lookup_expr="iexact", max_length=100)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    pool = django_filters.ModelChoiceFilter(queryset=visible_choices("pool", Pool), field_name="pool")
    in_pool = StrictBooleanFilter(field_name="owner", lookup_expr="isnull", label=_("In the pool"))
    tag = TagFilter(label=_("Tag (id or name)"))
    last_follow_up_before = django_filters.DateFilter(
        method="filter_last_follow_up_before",
        label=_("Last follow-up before this date (or never)"),
    )
    next_follow_up_before = django_filters.DateFilter(
        field_name="next_follow_up_on", lookup_expr="lte", label=_("Next follow-up on or before")
    )

    class Meta:
        model = Account
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        actor = access.get_actor(self.request) if self.request is not None else access.Actor.anonymous()
        return account_search(queryset, value, actor)

    def filter_last_follow_up_before(
        self, queryset: QuerySet[Account], name: str, value: datetime.date
    ) -> QuerySet[Account]:
        return queryset.filter(Q(last_follow_up_at__lt=start_of(value)) | Q(last_follow_up_at__isnull=True))


class ContactFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search name, phone or email"))
    account = django_filters.ModelChoiceFilter(
        queryset=visible_choices("account", Account), field_name="account"
    )
    whose = WhoseFilter()
    owner = django_filters.ModelChoiceFilter(queryset=scoped_people("contact"), field_name="owner")
    tag = TagFilter(label=_("Tag (id or name)"))

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return search(queryset, value, ("name", "email"), ("mobile", "phone"))
