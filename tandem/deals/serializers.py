"""API representations of pipelines, stages, products and deals (商机).

Deals take ``owner`` and ``stage`` by id, ``contacts`` as ``[{"contact": id, "role"}]`` and
``lines`` as ``[{"product": id, "quantity", "unit_price", "discount_percent"}]``; updates take the
``version`` that was read (a stale one answers 409 with the current values).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.core.api import NamesField
from tandem.core.dates import BUSINESS_DATE
from tandem.customers.models import Channel, Source
from tandem.customers.serializers import TagSerializer, account_ref, contact_ref, user_ref
from tandem.org.serializers import _actor

from .models import (
    ContactRole,
    Deal,
    DealContact,
    DealLine,
    ForecastCategory,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
)
from .services import REQUIRABLE_FIELDS


@extend_schema_field(OpenApiTypes.INT)
class VisibleStageField(serializers.PrimaryKeyRelatedField):
    """A stage by id, among the stages of pipelines the caller may use (every active one)."""

    def get_queryset(self) -> QuerySet[Stage]:
        if not _actor(self.context).has("deal", "view"):
            return Stage.objects.none()
        return Stage.objects.select_related("pipeline").filter(pipeline__is_active=True)


def stage_ref(**kwargs: Any) -> VisibleStageField:
    return VisibleStageField(**kwargs)


# --- Pipelines and stages -------------------------------------------------------------------

DISPLAY_NAME_HELP = _("The name in the language of the request (Accept-Language or the person's own).")


class StageSerializer(serializers.ModelSerializer[Stage]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    display_name = serializers.CharField(read_only=True, help_text=DISPLAY_NAME_HELP)
    names = NamesField(read_only=True)

    class Meta:
        model = Stage
        fields = [
            "id",
            "pipeline",
            "name",
            "names",
            "display_name",
            "order",
            "probability",
            "kind",
            "kind_label",
            "forecast_category",
            "required_fields",
            "guidance",
        ]
        read_only_fields = fields


class LostReasonSerializer(serializers.ModelSerializer[LostReason]):
    display_name = serializers.CharField(read_only=True, help_text=DISPLAY_NAME_HELP)
    names = NamesField(read_only=True)

    class Meta:
        model = LostReason
        fields = ["id", "name", "names", "display_name", "is_active", "order", "is_other"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer[Pipeline]):
    stages = StageSerializer(many=True, read_only=True)
    display_name = serializers.CharField(read_only=True, help_text=DISPLAY_NAME_HELP)
    names = NamesField(read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "names", "display_name", "is_default", "is_active", "order", "stages"]
        read_only_fields = fields


class PipelineInputSerializer(serializers.Serializer[Pipeline]):
    name = serializers.CharField(max_length=100)
    names = NamesField(required=False)
    is_default = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class StageInputSerializer(serializers.Serializer[Stage]):
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.all())
    name = serializers.CharField(max_length=100)
    names = NamesField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    probability = serializers.IntegerField(required=False, min_value=0, max_value=100)
    kind = serializers.ChoiceField(choices=StageKind.choices, required=False)
    forecast_category = serializers.ChoiceField(choices=ForecastCategory.choices, required=False)
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(REQUIRABLE_FIELDS)), required=False
    )
    guidance = serializers.CharField(required=False, allow_blank=True)


# --- Products -------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer[Product]):
    names = NamesField(read_only=True, max_length=200)
    display_name = serializers.CharField(read_only=True, help_text=DISPLAY_NAME_HELP)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "names",
            "display_name",
            "code",
            "family",
            "list_price",
            "currency",
            "is_active",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductInputSerializer(serializers.Serializer[Product]):
    name = serializers.CharField(max_length=200)
    names = NamesField(required=False, max_length=200)
    code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    family = serializers.CharField(max_length=100, required=False, allow_blank=True)
    list_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False)
    is_active = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


# --- Deals ----------------------------------------------------------------------------------


class DealContactSerializer(serializers.ModelSerializer[DealContact]):
    contact_name = serializers.CharField(source="contact.name", read_only=True)

    class Meta:
        model = DealContact
        fields = ["contact", "contact_name", "role"]
        read_only_fields = fields


class DealLineSerializer(serializers.ModelSerializer[DealLine]):
    product_name = serializers.CharField(
        source="product.display_name", read_only=True, help_text=DISPLAY_NAME_HELP
    )

    class Meta:
        model = DealLine
        fields = ["id", "product", "product_name", "quantity", "unit_price", "discount_percent", "amount"]
        read_only_fields = fields


class DealSerializer(serializers.ModelSerializer[Deal]):
    account_name = serializers.SerializerMethodField()
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    team_name = serializers.SerializerMethodField()
    pipeline_name = serializers.CharField(
        source="pipeline.display_name", read_only=True, help_text=DISPLAY_NAME_HELP
    )
    stage_name = serializers.CharField(
        source="stage.display_name", read_only=True, help_text=DISPLAY_NAME_HELP
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lost_reason = serializers.CharField(
        source="lost_reason_ref.display_name",
        read_only=True,
        allow_null=True,
        help_text=_("Why the deal was lost, from the administrators' list, in the request's language."),
    )
    lost_reason_id = serializers.IntegerField(source="lost_reason_ref_id", read_only=True, allow_null=True)
    lost_note = serializers.CharField(
        source="lost_reason", read_only=True, help_text=_("The note beside the reason (“Other” has one).")
    )
    effective_probability = serializers.IntegerField(read_only=True)
    forecast_group = serializers.CharField(
        read_only=True,
        help_text=_("The forecast category for an open deal; “closed” when won, “lost” when lost."),
    )
    contacts = DealContactSerializer(source="deal_contacts", many=True, read_only=True)
    lines = DealLineSerializer(many=True, read_only=True)
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "pipeline",
            "pipeline_name",
            "stage",
            "stage_name",
            "status",
            "status_label",
            "amount",
            "currency",
            "opened_on",
            "expected_close_date",
            "closed_on",
            "probability",
            "effective_probability",
            "forecast_category",
            "forecast_category_manual",
            "forecast_group",
            "lost_reason",
            "lost_reason_id",
            "lost_note",
            "competitor",
            "source",
            "channel",
            "budget",
            "decision_maker",
            "next_step",
            "description",
            "contacts",
            "lines",
            "tags",
            "external_id",
            "stage_entered_at",
            "last_follow_up_at",
            "next_follow_up_on",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_account_name(self, obj: Deal) -> str | None:
        return str(obj.account) if obj.account_id else None

    def get_team_name(self, obj: Deal) -> str | None:
        return obj.team.display_name if obj.team_id and obj.team is not None else None


class DealContactInputSerializer(serializers.Serializer[Any]):
    contact = contact_ref()
    role = serializers.ChoiceField(choices=ContactRole.choices, required=False, default=ContactRole.OTHER)


class DealLineInputSerializer(serializers.Serializer[Any]):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False, default=Decimal("1")
    )
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        default=Decimal("0"),
    )


class DealInputSerializer(serializers.Serializer[Deal]):
    """Create or edit a deal. Without ``stage`` a new deal starts in its pipeline's first open stage."""

    name = serializers.CharField(max_length=200)
    account = account_ref(required=False, allow_null=True)
    owner = user_ref(required=False, allow_null=True)
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.filter(is_active=True), required=False
    )
    stage = stage_ref(required=False)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text=_("Empty (null) when not known."),
    )
    currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False)
    opened_on = serializers.DateField(
        validators=BUSINESS_DATE,
        required=False,
        allow_null=True,
        help_text=_("The day work on the deal started; a new deal without it: today."),
    )
    expected_close_date = serializers.DateField(validators=BUSINESS_DATE, required=False, allow_null=True)
    probability = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    forecast_category = serializers.ChoiceField(
        choices=ForecastCategory.choices,
        required=False,
        allow_blank=True,
        help_text=_("Set by hand, it stays through stage moves; empty: follow the stage's category."),
    )
    lost_reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("A lost reason's id or its name in any language (``lost-reasons/``)."),
    )
    lost_note = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("A note on the loss; required with the reason “Other”."),
    )
    competitor = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    decision_maker = serializers.CharField(max_length=120, required=False, allow_blank=True)
    next_step = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    next_follow_up_on = serializers.DateField(validators=BUSINESS_DATE, required=False, allow_null=True)
    contacts = DealContactInputSerializer(many=True, required=False)
    lines = DealLineInputSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        pipeline, stage = attrs.get("pipeline"), attrs.get("stage")
        if pipeline is not None and stage is not None and stage.pipeline_id != pipeline.pk:
            raise serializers.ValidationError({"stage": [_stage_not_in_pipeline()]})
        return attrs


def _stage_not_in_pipeline() -> str:
    from django.utils.translation import gettext as _

    return _("This stage belongs to another pipeline.")


class DealMoveInputSerializer(serializers.Serializer[Deal]):
    stage = stage_ref()
    version = serializers.IntegerField(required=False, min_value=1)
    lost_reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A lost reason's id or its name in any language (``lost-reasons/``)."),
    )
    lost_note = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A note on the loss; required with the reason “Other”."),
    )
