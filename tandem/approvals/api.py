"""``/api/v1/approvals/`` (the caller's: ``?box=waiting|submitted|all``, ``?status=``; approve,
reject, return, cancel, resubmit, comments) and ``/api/v1/approval-flows/`` (administrators
write). An approval the caller is not party to answers 404."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin, ScopedViewSet

from . import selectors, services
from .models import ApprovalAction, ApprovalFlow, ApprovalRequest, ApprovalTask
from .serializers import (
    ApprovalActionSerializer,
    ApprovalDetailSerializer,
    ApprovalQuerySerializer,
    ApprovalSerializer,
    BodySerializer,
    CommentSerializer,
    FlowSerializer,
    OptionalCommentSerializer,
    ReasonSerializer,
)

ERRORS = {
    400: OpenApiResponse(
        description="Invalid input, or the approval is not in a state for this: field messages."
    ),
    403: OpenApiResponse(description="The caller is party to the approval but may not do this."),
    404: OpenApiResponse(description="No such approval, or the caller is not party to it."),
}


def _parse(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def held_payload(request: ApprovalRequest) -> dict[str, Any]:
    """How a held change is answered by the API of the record it holds (deals: 202)."""
    from . import guards

    guard = guards.get(request.guard)
    return {
        "id": request.pk,
        "url": request.get_absolute_url(),
        "api_url": reverse("api:approvals-detail", args=[request.pk]),
        "guard": request.guard,
        "summary": guard.summary(request.change) if guard else request.summary,
    }


class SignedIn(BasePermission):
    """Anyone signed in: which approvals they reach is the access policy's ``approval`` scope."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.get_actor(request).user is not None


@extend_schema_view(
    list=extend_schema(
        summary="Approvals (审批) the caller is party to",
        description="``box=waiting``: waiting for the caller's decision; ``submitted``: the caller's own; "
        "``all`` (default): every one the caller submitted or was asked to decide.",
        parameters=[ApprovalQuerySerializer],
    ),
    retrieve=extend_schema(
        summary="One approval, with its approvers and its audit",
        responses={200: ApprovalDetailSerializer, 404: ERRORS[404]},
    ),
)
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    resource = "approval"
    permission_classes = [SignedIn]
    serializer_class = ApprovalSerializer
    lookup_value_converter = "int"

    def base_queryset(self) -> QuerySet[ApprovalRequest]:
        qs = ApprovalRequest.objects.select_related("submitter").order_by("-id")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch(
                    "tasks", queryset=ApprovalTask.objects.select_related("user").order_by("step_index", "id")
                ),
                Prefetch(
                    "actions", queryset=ApprovalAction.objects.select_related("actor").order_by("at", "id")
                ),
            )
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ApprovalDetailSerializer if self.action == "retrieve" else ApprovalSerializer

    def list(self, request: Request) -> Response:
        query = _parse(ApprovalQuerySerializer, request.query_params)
        qs = selectors.approval_list(
            actor=self.actor, box=query["box"], status=query.get("status", ""), guard=query.get("guard", "")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ApprovalSerializer(page, many=True).data)

    def _answer(self, approval: ApprovalRequest) -> Response:
        fresh = self.get_queryset().filter(pk=approval.pk).first() or approval
        return Response(ApprovalSerializer(fresh).data)

    @extend_schema(
        summary="Approve (the last approval applies the held change)",
        request=OptionalCommentSerializer,
        responses={200: ApprovalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: int | None = None) -> Response:
        data = _parse(OptionalCommentSerializer, request.data)
        return self._answer(
            services.request_approve(actor=self.actor, request=self.get_object(), comment=data["comment"])
        )

    @extend_schema(
        summary="Reject with a reason (the held change is discarded)",
        request=ReasonSerializer,
        responses={200: ApprovalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: int | None = None) -> Response:
        approval = self.get_object()
        data = _parse(ReasonSerializer, request.data)
        return self._answer(
            services.request_reject(actor=self.actor, request=approval, reason=data["reason"])
        )

    @extend_schema(
        summary="Return for changes, with a comment",
        request=CommentSerializer,
        responses={200: ApprovalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: int | None = None) -> Response:
        approval = self.get_object()
        data = _parse(CommentSerializer, request.data)
        return self._answer(
            services.request_return(actor=self.actor, request=approval, comment=data["comment"])
        )

    @extend_schema(
        summary="Cancel (the submitter)", request=None, responses={200: ApprovalSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.request_cancel(actor=self.actor, request=self.get_object()))

    @extend_schema(
        summary="Resubmit a returned request as it is (the submitter)",
        request=None,
        responses={200: ApprovalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: int | None = None) -> Response:
        return self._answer(services.request_resubmit(actor=self.actor, request=self.get_object()))

    @extend_schema(
        summary="Comment on an approval (its submitter and approvers)",
        request=BodySerializer,
        responses={201: ApprovalActionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: int | None = None) -> Response:
        approval = self.get_object()
        data = _parse(BodySerializer, request.data)
        comment = services.request_comment(actor=self.actor, request=approval, body=data["body"])
        return Response(ApprovalActionSerializer(comment).data, status=status.HTTP_201_CREATED)


class FlowPermission(BasePermission):
    """Anyone signed in reads the flows (what needs approval is no secret); administrators write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None:
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or actor.is_admin


@extend_schema_view(
    list=extend_schema(summary="Approval flows (审批流), by priority"),
    retrieve=extend_schema(summary="One approval flow", responses={200: FlowSerializer, 404: ERRORS[404]}),
)
class FlowViewSet(LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Not a scoped resource: flows are shared configuration."""

    permission_classes = [FlowPermission]
    serializer_class = FlowSerializer
    lookup_value_converter = "int"
    queryset = ApprovalFlow.objects.prefetch_related("stages", "steps").order_by("priority", "id")
    ordering: ClassVar[list[str]] = ["priority", "id"]

    def _save(self, flow: ApprovalFlow | None, partial: bool, status_code: int) -> Response:
        serializer = FlowSerializer(flow, data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        steps = data.pop("steps", None)
        saved = services.flow_save(
            actor=access.get_actor(self.request),
            flow=flow,
            data=data,
            steps=None if steps is None else [dict(s) for s in steps],
        )
        fresh = self.get_queryset().get(pk=saved.pk)
        return Response(FlowSerializer(fresh).data, status=status_code)

    @extend_schema(
        summary="Create an approval flow with its steps", responses={201: FlowSerializer, **ERRORS}
    )
    def create(self, request: Request) -> Response:
        return self._save(None, False, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an approval flow; ``steps``, when sent, replace its steps",
        responses={200: FlowSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: int | None = None) -> Response:
        return self._save(self.get_object(), False, status.HTTP_200_OK)

    @extend_schema(summary="Change some of an approval flow", responses={200: FlowSerializer, **ERRORS})
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self._save(self.get_object(), True, status.HTTP_200_OK)

    @extend_schema(summary="Delete a flow no request has used", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.flow_delete(actor=access.get_actor(request), flow=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
