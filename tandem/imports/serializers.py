"""API shapes of imports: jobs, row results, and the inputs of upload and mapping."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .fields import FILL_RULES, fields_for, fill_label
from .models import (
    DecimalSeparator,
    ExportJob,
    ExportStatus,
    ImportJob,
    ImportMode,
    ImportResource,
    ImportRowResult,
)
from .services import job_progress


class UploadInputSerializer(serializers.Serializer[Any]):
    resource = serializers.ChoiceField(choices=ImportResource.choices)
    file = serializers.FileField()
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL)
    import_duplicates = serializers.BooleanField(default=False)
    sheet = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("A workbook's sheet to read; by default the first that holds anything."),
    )


class SheetInputSerializer(serializers.Serializer[Any]):
    sheet = serializers.CharField(max_length=100, help_text=_("The name of one of the job's `sheets`."))


class MappingInputSerializer(serializers.Serializer[Any]):
    columns = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text=_("File column → target field; an empty field leaves the column out."),
    )
    values = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        help_text=_('Per field, cell text → the value to use (e.g. stage: {"Won": "Closed Won"}).'),
    )
    options = serializers.DictField(
        required=False,
        help_text=_(
            "How values are read and which rules apply: date_order (dmy, mdy or ymd; without it a "
            "date such as 03/04/2017 is refused), and for people username_from_name, "
            "missing_manager (true to turn on) and default_role (a role code). Saved with the mapping."
        ),
    )
    mode = serializers.ChoiceField(choices=ImportMode.choices, required=False)
    import_duplicates = serializers.BooleanField(required=False)
    decimal_separator = serializers.ChoiceField(
        choices=DecimalSeparator.choices,
        required=False,
        help_text=_("How the file writes numbers: “.” (12,500.50) or “,” (12.500,50)."),
    )
    currency = serializers.ChoiceField(
        choices=["", *settings.CURRENCIES],
        required=False,
        allow_blank=True,
        help_text=_(
            "The currency of rows whose currency cell is blank or not mapped; empty for none. Deals "
            "and products need this or a mapped currency column."
        ),
    )
    amount_from_list_price = serializers.BooleanField(
        required=False, help_text=_("Deals: fill a blank amount from the product's list price.")
    )


class CountsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    valid = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField(
        help_text=_(
            "Rows whose record already holds what they say, and, when an all-or-nothing import "
            "stops, the good rows held back."
        )
    )
    failed = serializers.IntegerField()
    warnings = serializers.IntegerField()


class TargetFieldSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]


class ProblemSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=["error", "warning"])
    column = serializers.CharField(help_text=_("The file's column, or empty for the row as a whole."))
    rows = serializers.IntegerField(help_text=_("How many rows have this problem."))
    example = serializers.CharField(help_text=_("The first such message."))


class FillSerializer(serializers.Serializer[Any]):
    rule = serializers.ChoiceField(choices=list(FILL_RULES))
    label = serializers.CharField(help_text=_("The rule, in the reader's language."))  # type: ignore[assignment]
    rows = serializers.IntegerField(help_text=_("How many rows it gave a value."))


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    counts = serializers.SerializerMethodField()
    fills = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.display_name", read_only=True)
    problems = ProblemSerializer(source="read_problems", many=True, read_only=True)
    error = serializers.CharField(
        source="read_error", read_only=True, help_text=_("Why the import failed or stopped, if it did.")
    )
    heartbeat_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("The running job's last sign of progress.")
    )
    resumed_from = serializers.IntegerField(
        read_only=True, help_text=_("Rows an earlier run had imported when this one went on after them.")
    )
    can_retry = serializers.BooleanField(
        read_only=True,
        help_text=_("It stopped before the end (or shows no progress for a while): POST retry/ to go on."),
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "resource",
            "original_name",
            "format",
            "encoding",
            "sheet",
            "sheets",
            "headers",
            "mapping",
            "mode",
            "import_duplicates",
            "decimal_separator",
            "currency",
            "amount_from_list_price",
            "status",
            "committed",
            "counts",
            "problems",
            "fills",
            "progress",
            "error",
            "targets",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "resumed_from",
            "can_retry",
        ]
        read_only_fields = fields

    @extend_schema_field(CountsSerializer)
    def get_counts(self, job: ImportJob) -> dict[str, int]:
        return {
            "total": job.total_rows,
            "valid": job.valid_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "skipped": job.skipped_count,
            "failed": job.failed_count,
            "warnings": job.warning_count,
        }

    @extend_schema_field(FillSerializer(many=True))
    def get_fills(self, job: ImportJob) -> list[dict[str, Any]]:
        return [
            {"rule": f["rule"], "label": fill_label(f["rule"]), "rows": f["rows"]} for f in job.fills or []
        ]

    def get_progress(self, job: ImportJob) -> int:
        return job_progress(job)

    @extend_schema_field(TargetFieldSerializer(many=True))
    def get_targets(self, job: ImportJob) -> list[dict[str, Any]]:
        return [{"name": f.name, "label": f.title, "required": f.required} for f in fields_for(job.resource)]


class RowMessageSerializer(serializers.Serializer[Any]):
    column = serializers.CharField()
    message = serializers.CharField()
    level = serializers.ChoiceField(choices=["error", "warning"])


class ImportRowSerializer(serializers.ModelSerializer[ImportRowResult]):
    messages = RowMessageSerializer(source="read_messages", many=True, read_only=True)

    class Meta:
        model = ImportRowResult
        fields = ["row_number", "status", "record_id", "messages"]
        read_only_fields = fields


class ExportJobSerializer(serializers.ModelSerializer[ExportJob]):
    """A background export: poll ``url`` until ``status`` is done, then GET ``download_url``."""

    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "resource",
            "format",
            "filename",
            "status",
            "total_rows",
            "error",
            "url",
            "download_url",
            "page_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job: ExportJob) -> str:
        return reverse("api:exports-detail", args=[job.pk])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        return reverse("api:exports-download", args=[job.pk]) if job.status == ExportStatus.DONE else None

    def get_page_url(self, job: ExportJob) -> str:
        return job.get_absolute_url()
