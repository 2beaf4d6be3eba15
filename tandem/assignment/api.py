"""/api/v1/assignment-rules/ (administrators) and POST /api/v1/assignment/assign/."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin, TandemAPIView

from . import services
from .models import AssignmentRule, Resource
from .serializers import AssignInputSerializer, ResultSerializer, RuleSerializer


def managed_resources(actor: access.Actor) -> list[str]:
    return [r for r in Resource.values if access.can(actor, "manage", r)]


class ManagesRules(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        return actor.user is not None and bool(managed_resources(actor))


class RuleViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RuleSerializer
    permission_classes = [ManagesRules]

    def get_queryset(self) -> QuerySet[AssignmentRule]:
        return (
            AssignmentRule.objects.filter(resource__in=managed_resources(self.actor))
            .prefetch_related("memberships__user")
            .order_by("resource", "order", "id")
        )

    def _save(self, request: Request, rule: AssignmentRule | None, partial: bool) -> Response:
        serializer = RuleSerializer(rule, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member_rows = data.pop("memberships", None)
        members = (
            [
                services.MemberSpec(
                    user=row["user"], capacity=row.get("capacity", 0), is_active=row.get("is_active", True)
                )
                for row in member_rows
            ]
            if member_rows is not None
            else None
        )
        saved = services.rule_save(actor=self.actor, rule=rule, data=data, members=members)
        out = RuleSerializer(self.get_queryset().get(pk=saved.pk)).data
        return Response(out, status=status.HTTP_200_OK if rule else status.HTTP_201_CREATED)

    def create(self, request: Request) -> Response:
        return self._save(request, None, partial=False)

    def update(self, request: Request, pk: int | None = None) -> Response:
        return self._save(request, self.get_object(), partial=False)

    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self._save(request, self.get_object(), partial=True)

    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.rule_delete(actor=self.actor, rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignView(TandemAPIView):
    """Assign the listed records by the rules; one result per record, in the order given."""

    @extend_schema(
        request=AssignInputSerializer,
        responses={
            200: inline_serializer("AssignResults", {"results": ResultSerializer(many=True)}),
            404: OpenApiResponse(description="An id names no record the caller may see."),
        },
    )
    def post(self, request: Request) -> Response:
        actor = access.get_actor(request)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = services.assign_many(
            actor=actor, resource=serializer.validated_data["resource"], ids=serializer.validated_data["ids"]
        )
        return Response({"results": [r.as_dict() for r in results]})
