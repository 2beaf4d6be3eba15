"""REST API of follow-up records (跟进记录): list, log, read, edit, delete."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, ClassVar

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import export
from tandem.core.dates import BUSINESS_DATE
from tandem.core.export import Column
from tandem.core.filtersets import FilterSet
from tandem.customers.api import ERRORS, EXPORT_PARAMETERS, CrmModelViewSet
from tandem.customers.filters import InstantFilter, visible_choices
from tandem.customers.models import Account, Contact
from tandem.deals.models import Deal
from tandem.leads.models import Lead
from tandem.org.models import User

from . import services
from .models import Activity, ActivityKind
from .serializers import ActivityInputSerializer, ActivitySerializer, ActivityUpdateSerializer

DUE_CHOICES = [
    ("overdue", gettext_lazy("Overdue")),
    ("today", gettext_lazy("Due today")),
    ("week", gettext_lazy("Due this week")),
]


def week_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday of the week ``today`` is in."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def still_open(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Follow-ups whose planned next follow-up is not answered yet: no later follow-up was logged
    on the same account, lead or deal. A planned date a later follow-up answered is history."""
    later = Activity.objects.filter(occurred_at__gt=OuterRef("occurred_at")).filter(
        Q(account_id=OuterRef("account_id")) | Q(lead_id=OuterRef("lead_id")) | Q(deal_id=OuterRef("deal_id"))
    )
    return queryset.filter(next_follow_up_on__isnull=False).exclude(Exists(later))


class ActivityFilter(FilterSet):
    account = django_filters.ModelChoiceFilter(
        queryset=visible_choices("account", Account), field_name="account"
    )
    contact = django_filters.ModelChoiceFilter(
        queryset=visible_choices("contact", Contact), field_name="contact"
    )
    lead = django_filters.ModelChoiceFilter(queryset=visible_choices("lead", Lead), field_name="lead")
    deal = django_filters.ModelChoiceFilter(queryset=visible_choices("deal", Deal), field_name="deal")
    author = django_filters.ModelChoiceFilter(queryset=visible_choices("user", User), field_name="author")
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    occurred_after = InstantFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = InstantFilter(field_name="occurred_at", lookup_expr="lt")
    # The planned next follow-up, still open (see ``still_open``): overdue, due today, this week
    # (Monday to Sunday) or between two dates (both included).
    due = django_filters.ChoiceFilter(
        label=gettext_lazy("Next follow-up due"), choices=DUE_CHOICES, method="filter_due"
    )
    due_from = django_filters.DateFilter(
        label=gettext_lazy("Next follow-up due from"), validators=BUSINESS_DATE, method="filter_due_from"
    )
    due_to = django_filters.DateFilter(
        label=gettext_lazy("Next follow-up due until"), validators=BUSINESS_DATE, method="filter_due_to"
    )

    class Meta:
        model = Activity
        fields: list[str] = []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid:
            start, end = self.form.cleaned_data.get("due_from"), self.form.cleaned_data.get("due_to")
            if start and end and start > end:
                self.form.add_error(
                    "due_to", gettext_lazy("The end date must be on or after the start date.")
                )
                return False
        return valid

    def filter_due(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        today = timezone.localdate()
        if value == "overdue":
            return still_open(queryset).filter(next_follow_up_on__lt=today)
        if value == "today":
            return still_open(queryset).filter(next_follow_up_on=today)
        if value == "week":
            return still_open(queryset).filter(next_follow_up_on__range=week_bounds(today))
        return queryset

    def filter_due_from(
        self, queryset: QuerySet[Activity], name: str, value: datetime.date
    ) -> QuerySet[Activity]:
        return still_open(queryset).filter(next_follow_up_on__gte=value)

    def filter_due_to(
        self, queryset: QuerySet[Activity], name: str, value: datetime.date
    ) -> QuerySet[Activity]:
        return still_open(queryset).filter(next_follow_up_on__lte=value)


@extend_schema_view(
    list=extend_schema(summary="Follow-ups (跟进记录)", parameters=EXPORT_PARAMETERS),
    retrieve=extend_schema(summary="One follow-up", responses={200: ActivitySerializer, 404: ERRORS[404]}),
)
class ActivityViewSet(CrmModelViewSet):
    """Follow-ups the caller may see (their own, and their team's by data scope), newest first."""

    resource = "activity"
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields: ClassVar[list[str]] = ["occurred_at", "created_at", "id"]
    ordering: ClassVar[list[str]] = ["-occurred_at", "-id"]
    export_filename = "follow-ups"

    def base_queryset(self) -> QuerySet[Activity]:
        return Activity.objects.select_related("author", "account", "contact", "lead", "deal")

    def export_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The export reads values (``export_iterate``): no joins.
        return queryset.select_related(None)

    def export_iterate(self, queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
        """Each follow-up as a dict of its fields plus the names of its author and the records it
        is about, read by id once per chunk (issue 12: no model instances for 3M rows)."""
        keep = 4 * export.CHUNK_SIZE
        names = {
            "author": export.Names(User._base_manager.only("username", "display_name")),
            "account": export.Names(Account._base_manager.only("name"), keep=keep),
            "contact": export.Names(Contact._base_manager.only("name"), keep=keep),
            "lead": export.Names(Lead._base_manager.only("name", "company"), keep=keep),
            "deal": export.Names(Deal._base_manager.only("name"), keep=keep),
        }

        def fill(chunk: list[dict[str, Any]]) -> None:
            for field, known in names.items():
                key = f"{field}_id"
                known.load(row[key] for row in chunk)
                for row in chunk:
                    row[field] = known[row[key]]

        fields = ["id", "occurred_at", "kind", "subject", "content", "next_follow_up_on"]
        return export.value_rows(queryset, fields + [f"{field}_id" for field in names], fill)

    def export_columns(self) -> Sequence[Column]:
        """Getters of ``export_iterate``'s dicts."""
        return [
            (gettext_lazy("ID"), itemgetter("id")),
            (gettext_lazy("When"), itemgetter("occurred_at")),
            (gettext_lazy("Kind"), export.choice(Activity, "kind")),
            (gettext_lazy("Subject"), itemgetter("subject")),
            (gettext_lazy("Content"), itemgetter("content")),
            (pgettext_lazy("follow-up author", "By"), itemgetter("author")),
            (gettext_lazy("Account"), itemgetter("account")),
            (gettext_lazy("Contact"), itemgetter("contact")),
            (gettext_lazy("Lead"), itemgetter("lead")),
            (gettext_lazy("Deal"), itemgetter("deal")),
            (gettext_lazy("Next follow-up"), itemgetter("next_follow_up_on")),
        ]

    @extend_schema(
        summary="Log a follow-up",
        request=ActivityInputSerializer,
        responses={201: ActivitySerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(ActivityInputSerializer)
        activity = services.activity_create(actor=self.actor, data=data)
        return self._output(activity, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a follow-up",
        request=ActivityUpdateSerializer,
        responses={200: ActivitySerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        activity = self.get_object()
        data = self._input(ActivityUpdateSerializer, partial=partial)
        activity = services.activity_update(actor=self.actor, activity=activity, data=data)
        return self._output(activity)

    @extend_schema(
        summary="Edit some of a follow-up's fields",
        request=ActivityUpdateSerializer,
        responses={200: ActivitySerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a follow-up to the recycle bin", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.activity_delete(actor=self.actor, activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
