"""``/api/v1/insights/``: the insight rules with their counts for the caller's scope
(``results``), or with ``?rule=`` one rule's flagged ``records`` and why each was flagged
(keyset pages of ``limit``, ``next_cursor`` for the next)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import TandemAPIView

from . import rules, selectors
from .serializers import InsightListSerializer, InsightQuerySerializer, InsightRecordsSerializer


def _rule_row(rule: rules.Rule, result: rules.RuleResult) -> dict[str, Any]:
    return {
        "code": rule.code,
        "label": str(rule.label),
        "description": str(rule.description),
        "resource": rule.resource,
        "count": result.count,
        "more": result.more,
    }


class InsightView(TandemAPIView):
    @extend_schema(
        summary="Insights: rules with counts, or one rule's records with why",
        parameters=[InsightQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="InsightAnswer",
                serializers=[InsightListSerializer, InsightRecordsSerializer],
                resource_type_field_name=None,
            ),
            400: OpenApiResponse(description="Invalid input: field messages."),
            403: OpenApiResponse(description="The caller may not do this."),
            404: OpenApiResponse(description="No such team or person in the caller's scope."),
        },
    )
    def get(self, request: Request) -> Response:
        actor = access.get_actor(request)
        if actor.user is None or not rules.rules_for(actor):
            raise exceptions.PermissionDenied
        query = InsightQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            scope, _described = selectors.scope_from(
                actor, {k: str(data.get(k) or "") for k in ("team", "owner")}
            )
            if data.get("rule"):
                rule, result = selectors.insight_records(
                    actor=actor,
                    code=data["rule"],
                    scope=scope,
                    limit=data["limit"],
                    cursor=data.get("cursor"),
                )
                body: dict[str, Any] = {
                    "rule": _rule_row(rule, result),
                    "records": [item.__dict__ for item in result.items],
                    "next_cursor": result.next_cursor,
                    "count_cap": rules.COUNT_CAP,
                }
                return Response(InsightRecordsSerializer(body).data)
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        summary = selectors.insight_summary(actor=actor, scope=scope)
        return Response(
            InsightListSerializer(
                {"results": [_rule_row(r, res) for r, res in summary], "count_cap": rules.COUNT_CAP}
            ).data
        )
