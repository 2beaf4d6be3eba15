"""REST API of leads (线索): the list, edits, and conversion into account, contact and deal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

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
from tandem.core.listing import WhoseFilter, scoped_people
from tandem.core.phones import format_phone
from tandem.customers.api import (
    CONFLICT,
    ERRORS,
    EXPORT_PARAMETERS,
    HANDED_OVER_NOTE,
    CrmModelViewSet,
    owner_change_response,
    person,
    tag_names,
)
from tandem.customers.filters import TagFilter, search
from tandem.customers.models import Source

from . import services
from .models import Lead, LeadStatus
from .serializers import (
    LeadConvertInputSerializer,
    LeadConvertSerializer,
    LeadInputSerializer,
    LeadSerializer,
)


class LeadFilter(django_filters.FilterSet):
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

    def export_columns(self) -> Sequence[Column]:
        return [
            (gettext_lazy("ID"), lambda lead: lead.pk),
            (pgettext_lazy("person", "Name"), lambda lead: lead.name),
            (gettext_lazy("Company"), lambda lead: lead.company),
            (gettext_lazy("Job title"), lambda lead: lead.title),
            (gettext_lazy("Mobile"), lambda lead: format_phone(lead.mobile)),
            (gettext_lazy("Phone"), lambda lead: format_phone(lead.phone)),
            (gettext_lazy("Email"), lambda lead: lead.email),
            (gettext_lazy("Status"), export.display("status")),
            (gettext_lazy("Source"), export.display("source")),
            (gettext_lazy("Owner"), lambda lead: person(lead.owner)),
            (gettext_lazy("Tags"), tag_names),
            (gettext_lazy("Last follow-up"), lambda lead: lead.last_follow_up_at),
            (gettext_lazy("Created at"), lambda lead: lead.created_at),
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
