"""REST API of leads (线索): the list, edits, and conversion into account, contact and deal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, ClassVar

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import export
from tandem.core.api import IF_MATCH, version_read
from tandem.core.export import Column
from tandem.core.filtersets import FilterSet
from tandem.core.listing import WhoseFilter, scoped_people
from tandem.core.phones import format_phone
from tandem.customers.api import (
    CONFLICT,
    ERRORS,
    EXPORT_PARAMETERS,
    HANDED_OVER_NOTE,
    CrmModelViewSet,
    owner_change_response,
)
from tandem.customers.filters import TagFilter, search
from tandem.customers.models import Source
from tandem.org.models import User

from . import services
from .models import Lead, LeadStatus
from .serializers import (
    LeadConvertInputSerializer,
    LeadConvertSerializer,
    LeadInputSerializer,
    LeadSerializer,
)


class LeadFilter(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, label=gettext_lazy("Search name, company or phone")
    )
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    whose = WhoseFilter()
    owner = django_filters.ModelChoiceFilter(queryset=scoped_people("lead"), field_name="owner")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    tag = TagFilter(label=gettext_lazy("Tag (id or name)"))

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return search(queryset, value, ("name", "company", "email"), ("mobile", "phone"))


@extend_schema_view(
    list=extend_schema(summary="Leads (线索)", parameters=EXPORT_PARAMETERS),
    retrieve=extend_schema(summary="One lead", responses={200: LeadSerializer, 404: ERRORS[404]}),
)
class LeadViewSet(CrmModelViewSet):
    resource = "lead"
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    ordering_fields: ClassVar[list[str]] = ["id", "name", "company", "status", "created_at", "updated_at"]
    ordering: ClassVar[list[str]] = ["-id"]
    action_permissions: ClassVar[dict[str, str]] = {"convert": "edit"}
    export_filename = "leads"

    def base_queryset(self) -> QuerySet[Lead]:
        return Lead.objects.select_related("owner").prefetch_related("tags")

    def export_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The export reads values (``export_iterate``): no joins or prefetches.
        return queryset.select_related(None).prefetch_related(None)

    def export_iterate(self, queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
        """Each lead as a dict of its fields plus its owner's name and its tags, read by id once
        per chunk (issue 12: no model instances)."""
        people = export.Names(User._base_manager.only("username", "display_name"))

        def fill(chunk: list[dict[str, Any]]) -> None:
            people.load(row["owner_id"] for row in chunk)
            tags = export.tag_names_by_id(Lead, (row["id"] for row in chunk))
            for row in chunk:
                row["owner"] = people[row["owner_id"]]
                row["tags"] = tags.get(row["id"], "")

        fields = (
            "id",
            "name",
            "company",
            "title",
            "mobile",
            "phone",
            "email",
            "status",
            "source",
            "owner_id",
        )
        return export.value_rows(queryset, (*fields, "last_follow_up_at", "created_at"), fill)

    def export_columns(self) -> Sequence[Column]:
        """Getters of ``export_iterate``'s dicts."""
        return [
            (gettext_lazy("ID"), itemgetter("id")),
            (pgettext_lazy("person", "Name"), itemgetter("name")),
            (gettext_lazy("Company"), itemgetter("company")),
            (gettext_lazy("Job title"), itemgetter("title")),
            (gettext_lazy("Mobile"), lambda lead: format_phone(lead["mobile"])),
            (gettext_lazy("Phone"), lambda lead: format_phone(lead["phone"])),
            (gettext_lazy("Email"), itemgetter("email")),
            (gettext_lazy("Status"), export.choice(Lead, "status")),
            (gettext_lazy("Source"), export.choice(Lead, "source")),
            (gettext_lazy("Owner"), itemgetter("owner")),
            (gettext_lazy("Tags"), itemgetter("tags")),
            (gettext_lazy("Last follow-up"), itemgetter("last_follow_up_at")),
            (gettext_lazy("Created at"), itemgetter("created_at")),
        ]

    @extend_schema(
        summary="Create a lead",
        request=LeadInputSerializer,
        responses={201: LeadSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(LeadInputSerializer)
        owner = data.pop("owner", None)
        confirm = data.pop("confirm_duplicates", False)
        data.pop("version", None)
        lead = services.lead_create(actor=self.actor, data=data, owner=owner, confirm_duplicates=confirm)
        return self._output(lead, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a lead",
        description="``owner`` must be someone who may own leads, within the caller's assign reach "
        "(else 400 on ``owner``, nothing changed). " + HANDED_OVER_NOTE,
        request=LeadInputSerializer,
        parameters=[IF_MATCH],
        responses={200: owner_change_response(LeadSerializer, "Lead"), **ERRORS, **CONFLICT},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        lead = self.get_object()
        data = self._input(LeadInputSerializer, partial=partial)
        owner = data.pop("owner", None)
        confirm = data.pop("confirm_duplicates", False)
        version = version_read(request, data.pop("version", None))
        lead = services.lead_update(
            actor=self.actor, lead=lead, data=data, version=version, owner=owner, confirm_duplicates=confirm
        )
        return self._output_after_owner_change(lead)

    @extend_schema(
        summary="Edit some of a lead's fields",
        request=LeadInputSerializer,
        parameters=[IF_MATCH],
        responses={200: owner_change_response(LeadSerializer, "Lead"), **ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a lead to the recycle bin", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.lead_delete(actor=self.actor, lead=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Convert a lead into an account, a contact and optionally a deal",
        description="``account`` null creates the account from the lead; possible duplicate accounts "
        "answer 400 with ``matches`` unless ``confirm_duplicates``.",
        request=LeadConvertInputSerializer,
        responses={200: LeadConvertSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: int | None = None) -> Response:
        lead = self.get_object()
        data = self._input(LeadConvertInputSerializer)
        result = services.lead_convert(actor=self.actor, lead=lead, **data)
        deal = result["deal"]
        return Response(
            {
                "account": result["account"].pk,
                "contact": result["contact"].pk,
                "deal": deal.pk if deal else None,
            }
        )
