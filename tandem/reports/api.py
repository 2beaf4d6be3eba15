"""``/api/v1/reports/`` (+ draft, missing, submit, withdraw, read, like), ``/api/v1/report-templates/``
and ``/api/v1/report-rules/``. Reports the caller may not see answer 404."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin, ScopedViewSet
from tandem.org.models import Team, User

from . import drafts, periods, selectors, services
from .models import Report, ReportLike, ReportTemplate, SubmissionRule
from .serializers import (
    ReportCreateSerializer,
    ReportDraftQuerySerializer,
    ReportDraftSerializer,
    ReportLikeSerializer,
    ReportListQuerySerializer,
    ReportMissingQuerySerializer,
    ReportMissingRowSerializer,
    ReportSerializer,
    ReportSubmitSerializer,
    ReportTemplateInputSerializer,
    ReportTemplateSerializer,
    ReportUpdateSerializer,
    SubmissionRuleSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The report is visible but the caller may not do this."),
    404: OpenApiResponse(description="No such report, or the caller may not see it."),
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")


class ConfigPermission(BasePermission):
    """Templates and rules: read by everyone who writes reports, written by administrators."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None or not (actor.has("report", "view") or actor.is_admin):
            return False
        return request.method in READ_METHODS or actor.is_admin


@extend_schema_view(
    list=extend_schema(summary="Work report templates (汇报模板)"),
    retrieve=extend_schema(
        summary="One work report template", responses={200: ReportTemplateSerializer, **ERRORS}
    ),
)
class ReportTemplateViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [ConfigPermission]
    serializer_class = ReportTemplateSerializer
    filter_backends = ()

    def get_queryset(self) -> QuerySet[ReportTemplate]:
        qs = ReportTemplate.objects.order_by("kind", "-is_default", "name", "id")
        return qs if access.get_actor(self.request).is_admin else qs.filter(is_active=True)

    def _save(self, template: ReportTemplate | None, partial: bool = False) -> ReportTemplate:
        serializer = ReportTemplateInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "sections" in data:
            data["sections"] = [dict(s) for s in data["sections"]]
        return services.template_save(actor=access.get_actor(self.request), template=template, data=data)

    @extend_schema(
        summary="Create a work report template (administrators)",
        request=ReportTemplateInputSerializer,
        responses={201: ReportTemplateSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        return Response(self.get_serializer(self._save(None)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit some of a work report template (administrators)",
        request=ReportTemplateInputSerializer,
        responses={200: ReportTemplateSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return Response(self.get_serializer(self._save(self.get_object(), partial=True)).data)


@extend_schema_view(
    list=extend_schema(summary="Work report submission rules"),
    retrieve=extend_schema(
        summary="One submission rule", responses={200: SubmissionRuleSerializer, **ERRORS}
    ),
)
class SubmissionRuleViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ConfigPermission]
    serializer_class = SubmissionRuleSerializer
    filter_backends = ()
    http_method_names: ClassVar[list[str]] = ["get", "post", "patch", "delete", "head", "options"]  # type: ignore[misc]

    def get_queryset(self) -> QuerySet[SubmissionRule]:
        return SubmissionRule.objects.select_related("team", "role", "person").order_by("kind", "id")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.rule_save(
            actor=access.get_actor(self.request), rule=None, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.rule_save(
            actor=access.get_actor(self.request),
            rule=serializer.instance,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance: SubmissionRule) -> None:
        services.rule_delete(actor=access.get_actor(self.request), rule=instance)


@extend_schema_view(
    list=extend_schema(
        summary="Work reports (工作汇报): mine, received or my teams'", parameters=[ReportListQuerySerializer]
    ),
    retrieve=extend_schema(
        summary="One work report (opening it leaves a read receipt)",
        responses={200: ReportSerializer, **ERRORS},
    ),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "report"
    serializer_class = ReportSerializer
    filter_backends = ()
    http_method_names: ClassVar[list[str]] = ["get", "post", "patch", "delete", "head", "options"]  # type: ignore[misc]
    action_permissions: ClassVar[dict[str, str]] = {
        "submit": "view",
        "withdraw": "view",
        "read": "view",
        "like": "view",
        "draft": "view",
        "missing": "view",
        "partial_update": "view",
        "destroy": "view",
    }

    def base_queryset(self) -> QuerySet[Report]:
        return Report.objects.select_related("author", "team", "template").prefetch_related(
            Prefetch("recipients", queryset=User.objects.order_by("display_name", "id")),
            Prefetch("recipient_teams", queryset=Team.objects.order_by("name", "id")),
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        query = ReportListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        listed = selectors.report_list(
            self.actor,
            box=data["box"],
            kind=data.get("kind", ""),
            author_id=data.get("author"),
            team_id=data.get("team"),
        )
        return listed.prefetch_related(
            Prefetch("recipients", queryset=User.objects.order_by("display_name", "id")),
            Prefetch("recipient_teams", queryset=Team.objects.order_by("name", "id")),
        ).order_by(*(listed.query.order_by or ["-period_start", "-id"]))

    def _answer(self, report: Report, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.base_queryset().get(pk=report.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def retrieve(self, request: Request, pk: int | None = None) -> Response:
        report = self.get_object()
        services.report_mark_read(actor=self.actor, report=report)
        return Response(self.get_serializer(report).data)

    @extend_schema(
        summary="Start a work report (drafted from the period's activity; submit=true sends it)",
        request=ReportCreateSerializer,
        responses={201: ReportSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = services.report_create(
            actor=self.actor,
            kind=data["kind"],
            day=data.get("date") or periods.today_for(self.actor.user),
            template=data.get("template"),
            answers=data.get("answers"),
            recipients=data.get("recipients"),
            recipient_teams=data.get("recipient_teams"),
            submit=data["submit"],
        )
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit my draft (answers, recipients; refresh_figures re-reads the period)",
        request=ReportUpdateSerializer,
        responses={200: ReportSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        report = self.get_object()
        serializer = ReportUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = services.report_update(
            actor=self.actor,
            report=report,
            answers=data.get("answers"),
            recipients=data.get("recipients"),
            recipient_teams=data.get("recipient_teams"),
            refresh_figures=data["refresh_figures"],
        )
        return self._answer(report)

    @extend_schema(summary="Delete my draft", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.report_delete(actor=self.actor, report=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send my draft (the manager always receives it)",
        request=ReportSubmitSerializer,
        responses={200: ReportSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: int | None = None) -> Response:
        report = self.get_object()
        serializer = ReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._answer(
            services.report_submit(
                actor=self.actor,
                report=report,
                recipients=data.get("recipients"),
                recipient_teams=data.get("recipient_teams"),
            )
        )

    @extend_schema(
        summary="Withdraw my report (within an hour, before anyone reads it)",
        request=None,
        responses={200: ReportSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.report_withdraw(actor=self.actor, report=self.get_object()))

    @extend_schema(summary="Mark a report read", request=None, responses={200: ReportSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: int | None = None) -> Response:
        report = self.get_object()
        services.report_mark_read(actor=self.actor, report=report)
        return self._answer(report)

    @extend_schema(
        summary="Like a report (POST) or stop liking it (DELETE)",
        request=None,
        responses={200: ReportLikeSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post", "delete"])
    def like(self, request: Request, pk: int | None = None) -> Response:
        report = self.get_object()
        liked = services.report_like(actor=self.actor, report=report, like=request.method == "POST")
        return Response({"liked": liked, "likes": ReportLike.objects.filter(report_id=report.pk).count()})

    @extend_schema(
        summary="The drafted report for a period, not saved",
        parameters=[ReportDraftQuerySerializer],
        responses={200: ReportDraftSerializer, 400: ERRORS[400]},
    )
    @action(detail=False, methods=["get"])
    def draft(self, request: Request) -> Response:
        query = ReportDraftQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        author = self.actor.user
        day = data.get("date") or periods.today_for(author)
        if periods.period_for(data["kind"], day)[0] > periods.today_for(author):
            from django.utils.translation import gettext
            from rest_framework.exceptions import ValidationError as DRFValidationError

            raise DRFValidationError({"date": [gettext("This period has not started yet.")]})
        built = drafts.build(author, data["kind"], day)
        return Response(
            {
                "kind": built.kind,
                "period_start": built.period_start,
                "period_end": built.period_end,
                "template": built.template.pk,
                "sections": built.template.sections,
                "answers": built.answers,
                "figures": built.figures,
                "previous_report": built.previous.pk if built.previous else None,
                "previous_plan": built.previous_plan,
            }
        )

    @extend_schema(
        summary="Who has and has not sent the reports a rule wants, for a period",
        parameters=[ReportMissingQuerySerializer],
        responses={200: ReportMissingRowSerializer(many=True), 400: ERRORS[400]},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def missing(self, request: Request) -> Response:
        query = ReportMissingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        day = data.get("period") or periods.today_for(self.actor.user)
        rows = selectors.missing(self.actor, data["kind"], day, data.get("team"))
        return Response(
            [
                {
                    "person": {"id": r.person.pk, "name": str(r.person)},
                    "period_start": r.period_start,
                    "period_end": r.period_end,
                    "due_at": r.due_at,
                    "state": r.state,
                    "report": r.report.pk if r.report else None,
                    "reminded": r.reminded,
                }
                for r in rows
            ]
        )
