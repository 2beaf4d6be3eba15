"""REST API of imports (``/api/v1/imports/``): upload, map, dry run, commit, progress, row report.

A job belongs to the person who uploaded it; anyone else gets 404. Uploading needs the
``import`` grant on the kind of record (403 otherwise). Large files run in the background: the
answer is then 202 and ``GET imports/{id}/`` shows the progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core.api import LanguageMixin, Pagination
from tandem.core.export import XLSX_MEDIA_TYPE

from . import exportjobs, selectors, services
from .models import ImportInterface, ImportJob, RowStatus
from .serializers import (
    ExportJobSerializer,
    ImportJobSerializer,
    ImportRowSerializer,
    MappingInputSerializer,
    SheetInputSerializer,
    UploadInputSerializer,
)

_ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The caller may not import these records."),
    404: OpenApiResponse(description="No such import, or not the caller's."),
}
_QUEUE_DOWN = {
    503: OpenApiResponse(
        description="The background task queue cannot be reached: the job was not started (`detail` says so)."
    )
}


class QueueUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"


class ImportJobViewSet(LanguageMixin, viewsets.GenericViewSet):
    """Imports of the signed-in person (administrators: everyone's)."""

    serializer_class = ImportJobSerializer
    pagination_class = Pagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends: list[Any] = []
    lookup_value_converter = "int"

    def get_queryset(self) -> Any:
        return selectors.job_list(actor=self.actor)

    def _job(self, pk: Any) -> ImportJob:
        try:
            return selectors.job_get(actor=self.actor, pk=int(pk))
        except (TypeError, ValueError) as exc:
            raise exceptions.NotFound from exc

    def _out(self, job: ImportJob, code: int = status.HTTP_200_OK) -> Response:
        return Response(ImportJobSerializer(job).data, status=code)

    @extend_schema(summary="Imports", responses={200: ImportJobSerializer(many=True)})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        return self.get_paginated_response(ImportJobSerializer(page, many=True).data)

    @extend_schema(
        summary="Upload a file",
        description="Multipart: `resource` (account, contact, lead, deal, product, activity), `file` "
        "(.csv or .xlsx), `mode` (all | skip), `import_duplicates`, `sheet` (a workbook's sheet; by "
        "default the first that holds anything, and `sheets` lists every sheet with data). Answers "
        "with the file's columns and a suggested mapping; nothing is imported yet.",
        request={"multipart/form-data": UploadInputSerializer},
        responses={201: ImportJobSerializer, 400: _ERRORS[400], 403: _ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = UploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.job_create(
            actor=self.actor,
            upload=data.validated_data.pop("file"),
            interface=ImportInterface.API,
            **data.validated_data,
        )
        return self._out(job, status.HTTP_201_CREATED)

    @extend_schema(
        summary="One import: status, counts, progress",
        responses={200: ImportJobSerializer, 404: _ERRORS[404]},
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return self._out(self._job(pk))

    @extend_schema(
        summary="Read another sheet of the workbook",
        description="The columns, rows and suggested mapping of the sheet named (one of `sheets`); "
        "the mapping starts afresh.",
        request=SheetInputSerializer,
        responses={200: ImportJobSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def sheet(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        data = SheetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            services.job_choose_sheet(actor=self.actor, job=job, sheet=data.validated_data["sheet"])
        )

    @extend_schema(
        summary="Set the column mapping",
        request=MappingInputSerializer,
        responses={200: ImportJobSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["put", "patch"], url_path="mapping")
    def mapping(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        data = MappingInputSerializer(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        values = data.validated_data
        mapping = {
            "columns": values.get("columns", job.mapping.get("columns", {})),
            "values": values.get("values", job.mapping.get("values", {})),
            "options": values.get("options", job.mapping.get("options", {})),
        }
        job = services.job_set_mapping(
            actor=self.actor,
            job=job,
            mapping=mapping,
            mode=values.get("mode"),
            import_duplicates=values.get("import_duplicates"),
            decimal_separator=values.get("decimal_separator"),
            currency=values.get("currency"),
            amount_from_list_price=values.get("amount_from_list_price"),
        )
        return self._out(job)

    def _started(self, start: Callable[..., ImportJob], pk: Any) -> Response:
        try:
            job = start(actor=self.actor, job=self._job(pk))
        except services.QueueUnavailable as exc:
            raise QueueUnavailable(detail=str(exc)) from exc
        code = status.HTTP_202_ACCEPTED if job.is_running else status.HTTP_200_OK
        return self._out(job, code)

    @extend_schema(
        summary="Check every row (dry run)",
        request=None,
        responses={200: ImportJobSerializer, 202: ImportJobSerializer, **_ERRORS, **_QUEUE_DOWN},
    )
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, pk: Any = None) -> Response:
        return self._started(services.job_dry_run, pk)

    @extend_schema(
        summary="Import the file",
        request=None,
        responses={200: ImportJobSerializer, 202: ImportJobSerializer, **_ERRORS, **_QUEUE_DOWN},
    )
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: Any = None) -> Response:
        return self._started(services.job_commit, pk)

    @extend_schema(
        summary="Retry an interrupted import",
        description="An import that stopped before the end (`status` interrupted, or running with no "
        "progress for a while: `can_retry`) runs again. In skip mode it goes on after the rows "
        "already imported, which are not written again; all-or-nothing imports and checks start over.",
        request=None,
        responses={200: ImportJobSerializer, 202: ImportJobSerializer, **_ERRORS, **_QUEUE_DOWN},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        return self._started(services.job_retry, pk)

    @extend_schema(
        summary="Per-row results",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[*RowStatus.values, "problems"],
                description="created, updated, skipped, error; `problems` = errors and warnings.",
            )
        ],
        responses={200: ImportRowSerializer(many=True), 400: _ERRORS[400], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in [*RowStatus.values, "problems"]:
            raise exceptions.ValidationError(
                {
                    "status": [
                        _("Use one of: %(list)s.") % {"list": ", ".join([*RowStatus.values, "problems"])}
                    ]
                }
            )
        page = self.paginate_queryset(selectors.job_rows(job=job, status=wanted))
        assert page is not None
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)


class ExportJobViewSet(LanguageMixin, viewsets.GenericViewSet):
    """Background exports of the signed-in person (nobody else's): a list export of more than
    ``TANDEM_EXPORT_BACKGROUND_ROWS`` rows answers 202 with one of these; poll it, then download."""

    serializer_class = ExportJobSerializer
    pagination_class = Pagination
    filter_backends: list[Any] = []
    lookup_value_converter = "int"

    def get_queryset(self) -> Any:
        return exportjobs.export_list(actor=self.actor)

    def _job(self, pk: Any) -> Any:
        try:
            return exportjobs.export_get(actor=self.actor, pk=int(pk))
        except (TypeError, ValueError) as exc:
            raise exceptions.NotFound from exc

    @extend_schema(summary="Background exports", responses={200: ExportJobSerializer(many=True)})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        return self.get_paginated_response(ExportJobSerializer(page, many=True).data)

    @extend_schema(
        summary="One background export: its status",
        responses={
            200: ExportJobSerializer,
            404: OpenApiResponse(description="No such export, or not the caller's."),
        },
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(ExportJobSerializer(self._job(pk)).data)

    @extend_schema(
        summary="Download a background export's file",
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such export, not the caller's, or not written (yet)."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> Any:
        return exportjobs.download(self._job(pk))
