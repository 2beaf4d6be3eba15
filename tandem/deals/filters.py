"""Query filters of the deals API. Invalid values answer 400; referenced records must be visible.

``team`` means the team and every team below it. Close dates filter on ``closed_on``; the
``closed_date_after``/``closed_date_before`` names are accepted as the same filter.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core.filtersets import FilterSet
from tandem.core.listing import WhoseFilter, scoped_people
from tandem.customers.filters import TagFilter, filter_team_subtree, search, visible_choices
from tandem.customers.models import Account
from tandem.org.filters import StrictBooleanFilter
from tandem.org.models import Team

from .models import Deal, DealStatus, ForecastCategory, Pipeline, Product, Stage


def _stages(request: Any) -> QuerySet[Stage]:
    return Stage.objects.all()


class DealFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Name contains"))
    whose = WhoseFilter()
    owner = django_filters.ModelChoiceFilter(
        queryset=scoped_people("deal"), field_name="owner", empty_label=_("All owners")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=visible_choices("team", Team),
        method=filter_team_subtree,
        label=_("Team and sub-teams"),
        empty_label=_("All teams"),
    )
    stage = django_filters.ModelChoiceFilter(
        queryset=_stages, field_name="stage", empty_label=_("All stages")
    )
    status = django_filters.ChoiceFilter(choices=DealStatus.choices, empty_label=_("All statuses"))
    # Open deals only: a won deal is "closed" and a lost one out of the forecast (decision 0021).
    forecast_category = django_filters.ChoiceFilter(
        choices=ForecastCategory.choices,
        method="filter_forecast_category",
        label=_("Forecast category"),
        empty_label=_("All categories"),
    )
    pipeline = django_filters.ModelChoiceFilter(
        queryset=Pipeline.objects.all(), field_name="pipeline", empty_label=_("All pipelines")
    )
    account = django_filters.ModelChoiceFilter(
        queryset=visible_choices("account", Account), field_name="account", empty_label=_("All accounts")
    )
    expected_close_date_after = django_filters.DateFilter(field_name="expected_close_date", lookup_expr="gte")
    expected_close_date_before = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="lte"
    )
    closed_on_after = django_filters.DateFilter(field_name="closed_on", lookup_expr="gte")
    closed_on_before = django_filters.DateFilter(field_name="closed_on", lookup_expr="lte")
    opened_on_after = django_filters.DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_on_before = django_filters.DateFilter(field_name="opened_on", lookup_expr="lte")
    closed_date_after = django_filters.DateFilter(field_name="closed_on", lookup_expr="gte")
    closed_date_before = django_filters.DateFilter(field_name="closed_on", lookup_expr="lte")
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte")
    tag = TagFilter(label=_("Tag (id or name)"))

    class Meta:
        model = Deal
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return search(queryset, value, ("name",), ())

    def filter_forecast_category(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return queryset.filter(status=DealStatus.OPEN, forecast_category=value)


class StageFilter(FilterSet):
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.all(), field_name="pipeline")
    kind = django_filters.ChoiceFilter(choices=Stage._meta.get_field("kind").choices)

    class Meta:
        model = Stage
        fields: list[str] = []


class ProductFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Name or code contains"))
    family = django_filters.CharFilter(field_name="family", lookup_expr="iexact", max_length=100)
    is_active = StrictBooleanFilter(field_name="is_active")

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return search(queryset, value, ("name", "code"), ())
