"""REST API of record teams (相关团队), under /api/v1/:

- ``accounts/{id}/members/`` and ``deals/{id}/members/``: GET the team, POST
  ``{"user", "role", "access", "until"}``; ``…/members/{user_id}/`` PATCH and DELETE. A record the
  caller cannot see answers 404, one they see but may not keep the team of 403, bad input 400.
- ``member-roles/``: everyone reads; administrators create, edit and delete non-built-in roles.
- ``me/default-team/``: the caller's default team (GET, POST) and ``…/{id}/`` DELETE.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access
from tandem.core.api import LanguageMixin
from tandem.core.rest import Pagination
from tandem.customers.api import ERRORS

from . import selectors, services
from .models import DefaultTeamMember, MemberRole, RecordMember
from .serializers import (
    DefaultTeamMemberInputSerializer,
    DefaultTeamMemberSerializer,
    MemberRoleInputSerializer,
    MemberRoleSerializer,
    RecordMemberInputSerializer,
    RecordMemberPatchSerializer,
    RecordMemberSerializer,
)
from .views import people_for, record_or_404


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class _MembersBase(LanguageMixin, generics.GenericAPIView):
    kind: ClassVar[str]
    permission_classes = [IsAuthenticated]
    serializer_class = RecordMemberSerializer
    pagination_class = Pagination
    filter_backends = ()

    def record(self) -> Model:
        if self.actor.user is None:
            raise NotAuthenticated
        return record_or_404(self.actor, self.kind, self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[RecordMember]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is being generated
            return RecordMember.objects.none()
        return selectors.members_of(self.record())


class _MembersView(_MembersBase):
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        record = self.record()
        data = _valid(RecordMemberInputSerializer, request.data)
        member = services.member_add(
            actor=self.actor,
            record=record,
            user=people_for(self.actor).filter(pk=data["user"]).first(),
            role=data["role"],
            access=data["access"],
            until=data.get("until"),
        )
        fresh = selectors.members_of(record).get(pk=member.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class _MemberView(_MembersBase):
    def member(self) -> tuple[Model, RecordMember]:
        record = self.record()
        member = selectors.member_of_user(record, self.kwargs["user_id"])
        if member is None:
            raise Http404
        return record, member

    def patch(self, request: Request, pk: int, user_id: int) -> Response:
        record, member = self.member()
        data = _valid(RecordMemberPatchSerializer, request.data)
        kwargs: dict[str, Any] = {"role": data.get("role"), "access": data.get("access")}
        if "until" in data:
            kwargs["until"] = data["until"]
        services.member_update(actor=self.actor, member=member, **kwargs)
        return Response(self.get_serializer(selectors.members_of(record).get(pk=member.pk)).data)

    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        _record, member = self.member()
        services.member_remove(actor=self.actor, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _members_views(kind: str, noun: str) -> tuple[type[_MembersView], type[_MemberView]]:
    tag = f"{noun} record team"
    record_id = OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"The {noun}'s id.")
    user_id = OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="The member's person id.")

    list_view = extend_schema_view(
        get=extend_schema(
            summary=f"The {noun}'s record team (相关团队): members, active and expired",
            parameters=[record_id],
            responses={200: RecordMemberSerializer(many=True), 404: ERRORS[404]},
            tags=[tag],
        ),
        post=extend_schema(
            summary=f"Add a member to the {noun}'s record team",
            parameters=[record_id],
            request=RecordMemberInputSerializer,
            responses={201: RecordMemberSerializer, **ERRORS},
            tags=[tag],
        ),
    )(type(f"{noun.title()}MembersView", (_MembersView,), {"kind": kind}))
    detail_view = extend_schema_view(
        patch=extend_schema(
            summary=f"Change a member of the {noun}'s record team",
            parameters=[record_id, user_id],
            request=RecordMemberPatchSerializer,
            responses={200: RecordMemberSerializer, **ERRORS},
            tags=[tag],
        ),
        delete=extend_schema(
            summary=f"Remove a member from the {noun}'s record team",
            parameters=[record_id, user_id],
            request=None,
            responses={204: None, 403: ERRORS[403], 404: ERRORS[404]},
            tags=[tag],
        ),
    )(type(f"{noun.title()}MemberView", (_MemberView,), {"kind": kind}))
    return list_view, detail_view


AccountMembersView, AccountMemberView = _members_views("account", "account")
DealMembersView, DealMemberView = _members_views("deal", "deal")


class AdminWrites(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None:
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or actor.is_admin


@extend_schema_view(
    list=extend_schema(summary="Member roles of record teams (相关团队角色)"),
    retrieve=extend_schema(
        summary="One member role", responses={200: MemberRoleSerializer, 404: ERRORS[404]}
    ),
)
class MemberRoleViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Everyone reads the roles; administrators create, edit and delete those not built in."""

    permission_classes = [AdminWrites]
    serializer_class = MemberRoleSerializer
    pagination_class = Pagination
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[MemberRole]:
        return MemberRole.objects.order_by("order", "id")

    @extend_schema(
        summary="Create a member role (administrators)",
        request=MemberRoleInputSerializer,
        responses={201: MemberRoleSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = _valid(MemberRoleInputSerializer, request.data)
        role = services.role_save(actor=self.actor, role=None, data=data)
        return Response(MemberRoleSerializer(role).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a member role (administrators; a built-in role keeps its code)",
        request=MemberRoleInputSerializer(partial=True),
        responses={200: MemberRoleSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        role = self.get_object()
        data = _valid(MemberRoleInputSerializer, request.data, partial=True)
        role = services.role_save(actor=self.actor, role=role, data=data)
        return Response(MemberRoleSerializer(role).data)

    @extend_schema(
        summary="Delete a member role no one holds (administrators; not a built-in one)",
        responses={204: None, **ERRORS},
    )
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        role = self.get_object()
        services.role_delete(actor=self.actor, role=role)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="My default team: people who join every new deal I own"),
)
class DefaultTeamViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated]
    serializer_class = DefaultTeamMemberSerializer
    pagination_class = Pagination
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[DefaultTeamMember]:
        if self.actor.user is None:
            return DefaultTeamMember.objects.none()
        return selectors.default_team_of(self.actor.user)

    @extend_schema(
        summary="Add a person to my default team",
        request=DefaultTeamMemberInputSerializer,
        responses={201: DefaultTeamMemberSerializer, 400: ERRORS[400]},
    )
    def create(self, request: Request) -> Response:
        data = _valid(DefaultTeamMemberInputSerializer, request.data)
        member = services.default_team_add(
            actor=self.actor,
            user=people_for(self.actor).filter(pk=data["user"]).first(),
            role=data["role"],
            access=data["access"],
        )
        fresh = self.get_queryset().get(pk=member.pk)
        return Response(DefaultTeamMemberSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take a person off my default team", responses={204: None, 404: ERRORS[404]})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        member = self.get_object()
        services.default_team_remove(actor=self.actor, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)
