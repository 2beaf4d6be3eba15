"""REST API of the pipeline: pipelines and stages, products, deals (商机) and moving them.

Deals are read through the access policy and written by ``deals.services``; a move that leaves
a field the stage requires empty answers 400 naming the fields (stage guidance). Pipelines and
stages are configuration: everyone who may see deals reads them, administrators of deals
(``manage`` on ``deal``) change them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access, export
from tandem.core.api import IF_MATCH, LanguageMixin, version_read
from tandem.core.export import Column
from tandem.core.services import record_soft_delete
from tandem.customers.api import (
    CONFLICT,
    ERRORS,
    EXPORT_PARAMETERS,
    HANDED_OVER_NOTE,
    CrmModelViewSet,
    owner_change_response,
)

from . import selectors, services
from .filters import DealFilter, ProductFilter, StageFilter
from .models import Deal, DealContact, DealLine, LostReason, Pipeline, Product, Stage
from .serializers import (
    DealInputSerializer,
    DealMoveInputSerializer,
    DealSerializer,
    LostReasonSerializer,
    PipelineInputSerializer,
    PipelineSerializer,
    ProductInputSerializer,
    ProductSerializer,
    StageInputSerializer,
    StageSerializer,
)

READ_METHODS = ("GET", "HEAD", "OPTIONS")


class DealConfigPermission(BasePermission):
    """Pipelines and stages: read with the deal view grant, change with ``manage`` on deals."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if not actor.has("deal", "view"):
            return False
        return request.method in READ_METHODS or actor.has("deal", "manage")


class DealConfigViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Not a scoped resource: pipelines and stages are shared configuration, not owned records."""

    permission_classes = [DealConfigPermission]
    lookup_value_converter = "int"

    def _input(self, serializer_class: type[serializers.Serializer[Any]], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _output(self, obj: Any, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(fresh).data, status=status_code)


@extend_schema_view(
    list=extend_schema(summary="Lost reasons (输单原因): what a lost deal's ``lost_reason`` names"),
    retrieve=extend_schema(
        summary="One lost reason", responses={200: LostReasonSerializer, 404: ERRORS[404]}
    ),
)
class LostReasonViewSet(DealConfigViewSet):
    """Read only: administrators keep the list in the web UI (decision 0030)."""

    serializer_class = LostReasonSerializer
    ordering_fields: ClassVar[list[str]] = ["order", "id"]
    ordering: ClassVar[list[str]] = ["order", "id"]

    def get_queryset(self) -> QuerySet[LostReason]:
        return LostReason.objects.order_by("order", "id")


@extend_schema_view(
    list=extend_schema(summary="Pipelines (销售流程) and their stages"),
    retrieve=extend_schema(summary="One pipeline", responses={200: PipelineSerializer, 404: ERRORS[404]}),
)
class PipelineViewSet(DealConfigViewSet):
    serializer_class = PipelineSerializer
    ordering_fields: ClassVar[list[str]] = ["order", "name", "id"]
    ordering: ClassVar[list[str]] = ["order", "id"]

    def get_queryset(self) -> QuerySet[Pipeline]:
        return selectors.with_stages(Pipeline.objects.all())

    @extend_schema(
        summary="Create a pipeline",
        request=PipelineInputSerializer,
        responses={201: PipelineSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(PipelineInputSerializer)
        pipeline = services.pipeline_save(actor=access.get_actor(request), pipeline=None, data=data)
        return self._output(pipeline, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a pipeline",
        request=PipelineInputSerializer,
        responses={200: PipelineSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        pipeline = self.get_object()
        data = self._input(PipelineInputSerializer, partial=partial)
        pipeline = services.pipeline_save(actor=access.get_actor(request), pipeline=pipeline, data=data)
        return self._output(pipeline)

    @extend_schema(
        summary="Edit some of a pipeline's fields",
        request=PipelineInputSerializer,
        responses={200: PipelineSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Delete a pipeline without deals", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.pipeline_delete(actor=access.get_actor(request), pipeline=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Stages (阶段); filter by pipeline"),
    retrieve=extend_schema(summary="One stage", responses={200: StageSerializer, 404: ERRORS[404]}),
)
class StageViewSet(DealConfigViewSet):
    serializer_class = StageSerializer
    filterset_class = StageFilter
    ordering_fields: ClassVar[list[str]] = ["order", "name", "id", "pipeline"]
    ordering: ClassVar[list[str]] = ["pipeline", "order", "id"]

    def get_queryset(self) -> QuerySet[Stage]:
        return Stage.objects.all()

    @extend_schema(
        summary="Create a stage",
        request=StageInputSerializer,
        responses={201: StageSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(StageInputSerializer)
        stage = services.stage_save(actor=access.get_actor(request), stage=None, data=data)
        return self._output(stage, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a stage", request=StageInputSerializer, responses={200: StageSerializer, **ERRORS}
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        stage = self.get_object()
        data = self._input(StageInputSerializer, partial=partial)
        stage = services.stage_save(actor=access.get_actor(request), stage=stage, data=data)
        return self._output(stage)

    @extend_schema(
        summary="Edit some of a stage's fields",
        request=StageInputSerializer,
        responses={200: StageSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Delete a stage no deal has been in", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.stage_delete(actor=access.get_actor(request), stage=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Products -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Products", parameters=EXPORT_PARAMETERS),
    retrieve=extend_schema(summary="One product", responses={200: ProductSerializer, 404: ERRORS[404]}),
)
class ProductViewSet(CrmModelViewSet):
    resource = "product"
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields: ClassVar[list[str]] = ["name", "code", "list_price", "id"]
    ordering: ClassVar[list[str]] = ["name", "id"]
    action_permissions: ClassVar[dict[str, str]] = {
        "create": "manage",
        "update": "manage",
        "partial_update": "manage",
        "destroy": "manage",
    }
    export_filename = "products"

    def base_queryset(self) -> QuerySet[Product]:
        return Product.objects.all()

    def export_columns(self) -> Sequence[Column]:
        return [
            (gettext_lazy("ID"), lambda p: p.pk),
            (gettext_lazy("Name"), lambda p: p.display_name),
            (gettext_lazy("Code"), lambda p: p.code),
            (gettext_lazy("Series / family"), lambda p: p.family),
            (gettext_lazy("List price"), lambda p: p.list_price),
            (gettext_lazy("Currency"), lambda p: p.currency),
            (gettext_lazy("Active"), lambda p: p.is_active),
        ]

    @extend_schema(
        summary="Create a product",
        request=ProductInputSerializer,
        responses={201: ProductSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(ProductInputSerializer)
        product = services.product_save(actor=self.actor, product=None, data=data)
        return self._output(product, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a product", request=ProductInputSerializer, responses={200: ProductSerializer, **ERRORS}
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        product = self.get_object()
        data = self._input(ProductInputSerializer, partial=partial)
        product = services.product_save(actor=self.actor, product=product, data=data)
        return self._output(product)

    @extend_schema(
        summary="Edit some of a product's fields",
        request=ProductInputSerializer,
        responses={200: ProductSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a product to the recycle bin", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        record_soft_delete(actor=self.actor, obj=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Deals ----------------------------------------------------------------------------------


class HeldChangeSerializer(serializers.Serializer[Any]):
    """One change held for approval (tandem/approvals)."""

    id = serializers.IntegerField(min_value=1)
    url = serializers.CharField(help_text="The approval's page.")
    api_url = serializers.CharField(help_text="The approval in the API: /api/v1/approvals/{id}/.")
    guard = serializers.CharField(help_text="What kind of change: deal.discount, deal.stage.")
    status = serializers.CharField()
    summary = serializers.CharField()


class HeldAnswerSerializer(serializers.Serializer[Any]):
    """202: the deal as saved, without the part an approval flow holds (decision 0035)."""

    detail = serializers.CharField()
    held_for_approval = HeldChangeSerializer(many=True)
    deal = DealSerializer()


HELD = {
    202: OpenApiResponse(
        HeldAnswerSerializer,
        description="Saved, except a stage move or a discount an approval flow guards: that part waits "
        "for approval (``held_for_approval``) and is applied when approved.",
    )
}


@extend_schema_view(
    list=extend_schema(summary="Deals (商机)", parameters=EXPORT_PARAMETERS),
    retrieve=extend_schema(summary="One deal", responses={200: DealSerializer, 404: ERRORS[404]}),
)
class DealViewSet(CrmModelViewSet):
    resource = "deal"
    serializer_class = DealSerializer
    filterset_class = DealFilter
    ordering_fields: ClassVar[list[str]] = [
        "id",
        "name",
        "amount",
        "opened_on",
        "expected_close_date",
        "closed_on",
        "created_at",
        "updated_at",
        "stage_entered_at",
        "last_follow_up_at",
    ]
    ordering: ClassVar[list[str]] = ["-id"]
    action_permissions: ClassVar[dict[str, str]] = {"move": "edit"}
    export_filename = "deals"

    def base_queryset(self) -> QuerySet[Deal]:
        return Deal.objects.select_related(
            "owner", "team", "account", "stage", "pipeline", "lost_reason_ref"
        ).prefetch_related(
            "tags",
            Prefetch("deal_contacts", queryset=DealContact.objects.select_related("contact").order_by("id")),
            Prefetch("lines", queryset=DealLine.objects.select_related("product")),
        )

    # What the export reads of each deal: values, not model instances (issue 12: six instances
    # and a dozen timestamps a row held a 1,000,000-deal export to 5,000 rows/s of CPU).
    EXPORT_FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "name",
        "account_id",
        "owner_id",
        "team_id",
        "pipeline_id",
        "stage_id",
        "status",
        "amount",
        "currency",
        "opened_on",
        "probability",
        "expected_close_date",
        "closed_on",
        "lost_reason_ref_id",
        "lost_reason",
        "source",
        "channel",
        "next_step",
        "created_at",
    )

    def export_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The export reads values (``export_iterate``): no joins or prefetches.
        return queryset.select_related(None).prefetch_related(None)

    def export_iterate(self, queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
        """Each deal as a dict of ``EXPORT_FIELDS`` plus the names of its account, owner, team,
        pipeline and stage, its stage's probability and its tags, a few queries per chunk."""
        from tandem.customers.models import Account
        from tandem.org.models import Team, User

        accounts = export.Names(Account._base_manager.only("name"), keep=4 * export.CHUNK_SIZE)
        people = export.Names(User._base_manager.only("username", "display_name"))
        teams = export.Names(Team._base_manager.all(), lambda t: t.display_name)
        reasons = export.Names(LostReason._base_manager.all(), lambda r: r.display_name)
        pipelines = export.Names(Pipeline._base_manager.all(), lambda p: p.display_name)
        stages = export.Names(Stage._base_manager.all(), lambda s: (s.display_name, s.probability))

        def fill(chunk: list[dict[str, Any]]) -> None:
            accounts.load(row["account_id"] for row in chunk)
            people.load(row["owner_id"] for row in chunk)
            teams.load(row["team_id"] for row in chunk)
            reasons.load(row["lost_reason_ref_id"] for row in chunk)
            pipelines.load(row["pipeline_id"] for row in chunk)
            stages.load(row["stage_id"] for row in chunk)
            tags = export.tag_names_by_id(Deal, (row["id"] for row in chunk))
            for row in chunk:
                row["account"] = accounts[row["account_id"]]
                row["owner"] = people[row["owner_id"]]
                row["team"] = teams[row["team_id"]]
                row["lost_reason_name"] = reasons[row["lost_reason_ref_id"]]
                row["pipeline"] = pipelines[row["pipeline_id"]]
                stage, probability = stages[row["stage_id"]] or ("", None)
                row["stage"] = stage
                if row["probability"] is None:
                    row["probability"] = probability
                row["tags"] = tags.get(row["id"], "")

        return export.value_rows(queryset, self.EXPORT_FIELDS, fill)

    def export_columns(self) -> Sequence[Column]:
        """Getters of ``export_iterate``'s dicts."""
        return [
            (gettext_lazy("ID"), itemgetter("id")),
            (gettext_lazy("Name"), itemgetter("name")),
            (gettext_lazy("Account"), itemgetter("account")),
            (gettext_lazy("Owner"), itemgetter("owner")),
            (gettext_lazy("Team"), itemgetter("team")),
            (gettext_lazy("Pipeline"), itemgetter("pipeline")),
            (gettext_lazy("Stage"), itemgetter("stage")),
            (gettext_lazy("Status"), export.choice(Deal, "status")),
            (gettext_lazy("Amount"), itemgetter("amount")),
            (gettext_lazy("Currency"), itemgetter("currency")),
            (gettext_lazy("Opened on"), itemgetter("opened_on")),
            (gettext_lazy("Probability (%)"), itemgetter("probability")),
            (gettext_lazy("Expected close date"), itemgetter("expected_close_date")),
            (gettext_lazy("Closed on"), itemgetter("closed_on")),
            (gettext_lazy("Lost reason"), itemgetter("lost_reason_name")),
            (gettext_lazy("Note on the loss"), itemgetter("lost_reason")),
            (gettext_lazy("Source"), export.choice(Deal, "source")),
            (gettext_lazy("Channel"), export.choice(Deal, "channel")),
            (gettext_lazy("Next step"), itemgetter("next_step")),
            (gettext_lazy("Tags"), itemgetter("tags")),
            (gettext_lazy("Created at"), itemgetter("created_at")),
        ]

    def _held(self, deal: Deal) -> Response | None:
        """202 when the save held part of the change for approval (tandem/approvals)."""
        held = getattr(deal, "held_approvals", None)
        if not held:
            return None
        fresh = self.get_queryset().filter(pk=deal.pk).first() or deal
        return Response(
            {
                "detail": " ".join(str(h.notice) for h in held),
                "held_for_approval": [h.as_held() for h in held],
                "deal": self.get_serializer(fresh).data,
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @staticmethod
    def _relations(data: dict[str, Any]) -> dict[str, Any]:
        """Pull owner, stage, contacts and lines out of the parsed input, in the services' shapes."""
        out: dict[str, Any] = {"owner": data.pop("owner", None), "stage": data.pop("stage", None)}
        contacts = data.pop("contacts", None)
        lines = data.pop("lines", None)
        out["contacts"] = None if contacts is None else [(c["contact"], c["role"]) for c in contacts]
        out["lines"] = None if lines is None else [dict(line) for line in lines]
        return out

    @extend_schema(
        summary="Create a deal",
        request=DealInputSerializer,
        responses={201: DealSerializer, **HELD, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(DealInputSerializer)
        data.pop("version", None)
        rel = self._relations(data)
        deal = services.deal_create(
            actor=self.actor,
            data=data,
            owner=rel["owner"],
            stage=rel["stage"],
            contacts=rel["contacts"] or (),
            lines=rel["lines"] or (),
        )
        return self._held(deal) or self._output(deal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a deal",
        description="Send the ``version`` you read: a stale one answers 409 with the current values. "
        "``contacts`` and ``lines``, when sent, replace the deal's. ``owner`` must be someone who may "
        "own deals, within the caller's assign reach (else 400 on ``owner``, nothing changed). "
        + HANDED_OVER_NOTE,
        request=DealInputSerializer,
        parameters=[IF_MATCH],
        responses={200: owner_change_response(DealSerializer, "Deal"), **HELD, **ERRORS, **CONFLICT},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        deal = self.get_object()
        data = self._input(DealInputSerializer, partial=partial)
        version = version_read(request, data.pop("version", None))
        data.pop("pipeline", None)
        rel = self._relations(data)
        deal = services.deal_update(actor=self.actor, deal=deal, data=data, version=version, **rel)
        return self._held(deal) or self._output_after_owner_change(deal)

    @extend_schema(
        summary="Edit some of a deal's fields",
        request=DealInputSerializer,
        parameters=[IF_MATCH],
        responses={200: owner_change_response(DealSerializer, "Deal"), **HELD, **ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a deal to the recycle bin", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.deal_delete(actor=self.actor, deal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move a deal to another stage",
        description="A stage may require fields: a move that leaves one empty answers 400 naming them. "
        "A lost stage needs ``lost_reason`` (an id or a name from ``lost-reasons/``), and with "
        "“Other” a ``lost_note``.",
        request=DealMoveInputSerializer,
        parameters=[IF_MATCH],
        responses={200: DealSerializer, **HELD, **ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: int | None = None) -> Response:
        deal = self.get_object()
        data = self._input(DealMoveInputSerializer)
        deal = services.deal_move(
            actor=self.actor,
            deal=deal,
            stage=data["stage"],
            version=version_read(request, data.get("version")),
            lost_reason=data["lost_reason"],
            lost_note=data["lost_note"],
        )
        return self._held(deal) or self._output(deal)


__all__ = ["DealViewSet", "LostReasonViewSet", "PipelineViewSet", "ProductViewSet", "StageViewSet"]
