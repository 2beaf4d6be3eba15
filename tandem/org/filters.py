"""Query filters of the organisation API.

An invalid value answers 400 with a field message (``DjangoFilterBackend`` raises when the
FilterSet is invalid). Filters that name a record (team, manager, position, role) offer only the
records the caller may see: an invisible one is refused exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields

from tandem.core import access
from tandem.core.filtersets import FilterSet
from tandem.core.ids import parse_id
from tandem.org.forms import PositionChoiceField

from .models import Membership, Position, Role, Team, User


def _visible(resource: str, model: type[Model]) -> Callable[[HttpRequest | None], QuerySet[Any]]:
    def queryset(request: HttpRequest | None) -> QuerySet[Any]:
        if request is None:
            return model._default_manager.none()
        return access.visible(access.get_actor(request), resource, model._default_manager.all())

    return queryset


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or 1/0, yes/no); anything else is an error rather than "no filter"."""

    default_error_messages = {"invalid": _("Enter true or false.")}
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class RoleChoiceField(filter_fields.ModelChoiceField):
    """A role by id or by code."""

    def to_python(self, value: Any) -> Role | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        queryset = self.queryset
        assert queryset is not None
        pk = parse_id(text)
        role = queryset.filter(pk=pk).first() if pk is not None else None
        if role is None:
            role = queryset.filter(code=text).first()
        if role is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return role


class PositionChoiceFilter(django_filters.ModelChoiceFilter):
    """Positions offered by their title in the person's language."""

    field_class = PositionChoiceField


class RoleChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = RoleChoiceField


def _search(queryset: QuerySet[Any], fields: tuple[str, ...], value: str) -> QuerySet[Any]:
    value = value.strip()
    if not value:
        return queryset
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": value})
    return queryset.filter(q)


class UserFilter(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, label=_("Search name, username or email")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=_visible("team", Team), method="filter_team", label=_("Member of team")
    )
    is_active = StrictBooleanFilter(field_name="is_active")
    manager = django_filters.ModelChoiceFilter(queryset=_visible("user", User), field_name="manager")
    position = PositionChoiceFilter(queryset=_visible("position", Position), field_name="position")
    role = RoleChoiceFilter(
        queryset=_visible("role", Role), method="filter_role", label=_("Holds role (id or code)")
    )

    class Meta:
        model = User
        fields = ["q", "team", "is_active", "manager", "position", "role"]

    def filter_q(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return _search(queryset, ("display_name", "username", "email"), value)

    def filter_team(self, queryset: QuerySet[User], name: str, value: Team) -> QuerySet[User]:
        return queryset.filter(Exists(Membership.objects.filter(user=OuterRef("pk"), team=value)))

    def filter_role(self, queryset: QuerySet[User], name: str, value: Role) -> QuerySet[User]:
        through = User.roles.through
        return queryset.filter(Exists(through.objects.filter(user_id=OuterRef("pk"), role_id=value.pk)))


class TeamFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search name"))
    parent = django_filters.ModelChoiceFilter(queryset=_visible("team", Team), field_name="parent")

    class Meta:
        model = Team
        fields = ["q", "parent"]

    def filter_q(self, queryset: QuerySet[Team], name: str, value: str) -> QuerySet[Team]:
        return _search(queryset, ("name",), value)


class PositionFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search title"))

    class Meta:
        model = Position
        fields = ["q"]

    def filter_q(self, queryset: QuerySet[Position], name: str, value: str) -> QuerySet[Position]:
        return _search(queryset, ("title",), value)


class RoleFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search code or name"))

    class Meta:
        model = Role
        fields = ["q"]

    def filter_q(self, queryset: QuerySet[Role], name: str, value: str) -> QuerySet[Role]:
        return _search(queryset, ("code", "name"), value)
