"""REST API of the organisation: people, teams, positions, roles, and the signed-in person.

Reads go through the access policy (``ScopedViewSet.get_queryset`` is ``visible()``); writes are
for administrators (policy action ``manage``) and call ``org.services``. Every view parses input,
calls one service (or a service and ``membership_set`` together, for a person's teams) and
renders the record as re-read through the policy.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access, history
from tandem.core.api import Pagination, ScopedViewSet, TandemAPIView

from . import services, transfers
from .filters import PositionFilter, RoleFilter, TeamFilter, UserFilter
from .models import Membership, PersonTransfer, Position, Role, Team, User
from .serializers import (
    DeactivateInputSerializer,
    HistoryEntrySerializer,
    MeSerializer,
    PersonTransferSerializer,
    PositionInputSerializer,
    PositionSerializer,
    ProfileInputSerializer,
    RoleCreateInputSerializer,
    RoleInputSerializer,
    RoleSerializer,
    TeamInputSerializer,
    TeamSerializer,
    TransferInputSerializer,
    TransferPreviewSerializer,
    UserCreateInputSerializer,
    UserSerializer,
    UserUpdateInputSerializer,
    transfer_preview_data,
)

MANAGE_ACTIONS = {
    "create": "manage",
    "update": "manage",
    "partial_update": "manage",
    "destroy": "manage",
    "history": "view",
}

_VALIDATION_ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The record is visible but the caller may not change it."),
    404: OpenApiResponse(description="No such record, or the caller may not see it."),
}


def _count_of(queryset: QuerySet[Any], group_by: str) -> Coalesce:
    """A correlated ``COUNT`` subquery: one query for the whole page, no GROUP BY on the list."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _plan_errors(exc: ValidationError, target: str) -> Exception:
    """A transfer's refusal in the shape of the API body: ``to_deal`` becomes ``to.deal``,
    ``team_12`` ``teams.12``, ``pool_account`` ``pools.account``, and the successor's messages sit
    under the name the endpoint uses for it."""
    if not hasattr(exc, "error_dict"):
        return exc
    nested: dict[str, Any] = {}
    for key, messages in exc.message_dict.items():
        for prefix, name in (("to_", "to"), ("pool_", "pools"), ("team_", "teams")):
            if key.startswith(prefix):
                nested.setdefault(name, {})[key[len(prefix) :]] = messages
                break
        else:
            nested[target if key in ("target", "successor") else key] = messages
    return serializers.ValidationError(nested)


class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """List, retrieve and history of one organisation resource."""

    lookup_value_converter = "int"
    action_permissions: ClassVar[dict[str, str]] = MANAGE_ACTIONS

    def _output(self, obj: Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as a list would show it: re-read through the policy, with its annotations."""
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(fresh).data, status=status_code)

    def _input(self, serializer_class: type[serializers.Serializer[Any]], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="History of the record",
        description="Who changed what and when, newest first. Only for a record the caller may see.",
        responses={200: HistoryEntrySerializer(many=True), 404: _VALIDATION_ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        serializer_class=HistoryEntrySerializer,
        pagination_class=Pagination,
    )
    def history(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        page = self.paginate_queryset(history.entries_for(obj))
        assert page is not None
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)


# --- People --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="People"),
    retrieve=extend_schema(
        summary="One person", responses={200: UserSerializer, 404: _VALIDATION_ERRORS[404]}
    ),
)
class UserViewSet(OrgViewSet):
    """People. Everyone the policy shows; deactivated people are listed too (filter ``is_active``)."""

    resource = "user"
    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["display_name", "username", "id"]
    ordering = ["display_name", "id"]
    action_permissions: ClassVar[dict[str, str]] = {
        **MANAGE_ACTIONS,
        "deactivate": "manage",
        "deactivate_preview": "manage",
        "reactivate": "manage",
        "transfer": "manage",
        "transfer_preview": "manage",
    }

    def base_queryset(self) -> QuerySet[User]:
        actor = self.actor
        queryset = User.objects.select_related("manager", "position").prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(
                    team__in=access.visible(actor, "team", Team.objects.all())
                ).select_related("team"),
                to_attr="visible_memberships",
            ),
            Prefetch(
                "roles",
                queryset=access.visible(actor, "role", Role.objects.all()),
                to_attr="visible_roles",
            ),
        )
        # Manager and position are shown only when the caller may see them; with an "all" scope
        # there is nothing to check, so the list query stays as plain as it can be.
        if actor.scope_for("user") != access.ALL:
            managers = access.visible(actor, "user", User.objects.filter(pk=OuterRef("manager_id")))
            queryset = queryset.annotate(manager_visible=Exists(managers))
        if actor.scope_for("position") != access.ALL:
            positions = access.visible(actor, "position", Position.objects.filter(pk=OuterRef("position_id")))
            queryset = queryset.annotate(position_visible=Exists(positions))
        return queryset

    @extend_schema(
        summary="Create a person",
        request=UserCreateInputSerializer,
        responses={201: UserSerializer, 400: _VALIDATION_ERRORS[400]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(UserCreateInputSerializer)
        user = services.user_create(actor=self.actor, **data)
        return self._output(user, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a person",
        request=UserUpdateInputSerializer,
        responses={200: UserSerializer, **_VALIDATION_ERRORS},
    )
    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        user = self.get_object()
        data = self._input(UserUpdateInputSerializer, partial=partial)
        teams = data.pop("teams", None)
        has_primary = "primary_team" in data
        primary = data.pop("primary_team", None)
        with transaction.atomic():
            services.user_update(actor=self.actor, user=user, data=data)
            if teams is not None or has_primary:
                current = list(
                    Membership.objects.filter(user=user, team__deleted_at__isnull=True).select_related("team")
                )
                if teams is None:
                    teams = [m.team for m in current]
                if not has_primary:
                    primary = next((m.team for m in current if m.is_primary), None)
                    if primary is not None and primary.pk not in {t.pk for t in teams}:
                        primary = None
                services.membership_set(actor=self.actor, user=user, teams=teams, primary=primary)
        return self._output(user)

    @extend_schema(
        summary="Edit some of a person's fields",
        request=UserUpdateInputSerializer,
        responses={200: UserSerializer, **_VALIDATION_ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    def _plan(self, data: dict[str, Any], source: User) -> dict[str, Any]:
        """The transfer plan of an API body, with people, pools and teams looked up."""
        actor = self.actor
        errors: dict[str, Any] = {}
        people = access.visible(actor, "user", User.objects.all())
        to: dict[str, User] = {}
        for resource, pk in (data.get("to") or {}).items():
            if transfers.ownership_for(resource) is None:
                errors.setdefault("to", {})[resource] = [
                    _("Unknown kind of record: %(name)s") % {"name": resource}
                ]
                continue
            person = people.filter(pk=pk).first()
            if person is None:
                errors.setdefault("to", {})[resource] = [_("No such person.")]
            else:
                to[resource] = person
        pools: dict[str, Any] = {}
        for resource, pk in (data.get("pools") or {}).items():
            try:
                found = transfers.pool_choices(actor, resource).filter(pk=pk).first()
            except ValueError:
                errors.setdefault("pools", {})[resource] = [_("These records cannot go back to a pool.")]
                continue
            if found is None:
                errors.setdefault("pools", {})[resource] = [_("No such pool.")]
            else:
                pools[resource] = found
        teams: dict[int, User] = {}
        for key, pk in (data.get("teams") or {}).items():
            if not str(key).isdigit() or int(key) > 2**63 - 1:
                errors.setdefault("teams", {})[str(key)] = [_("Unknown team.")]
                continue
            person = people.filter(pk=pk).first()
            if person is None:
                errors.setdefault("teams", {})[str(key)] = [_("No such person.")]
            else:
                teams[int(key)] = person
        if errors:
            raise serializers.ValidationError(errors)
        return {
            "to": to,
            "pools": pools,
            "teams": teams,
            "lead_teams": data.get("lead_teams", False),
            "reports": data.get("reports"),
        }

    @extend_schema(
        summary="Deactivate a person (离职继承)",
        description="Everything the person owns goes to the successor — or, as the body splits it, to "
        "other people by kind of record (``to``) or by team (``teams``), or customers back to a pool "
        "(``pools``) — then the person can no longer sign in. The teams they lead get the successor as "
        "leader only with ``lead_teams``; their direct reports go to their own manager unless "
        "``reports`` says otherwise. Refusals name the input at fault: ``successor``, ``to.<kind>``, "
        "``pools.<kind>``, ``teams.<id>``, ``reports``. Nothing moves on a 400.",
        request=DeactivateInputSerializer,
        responses={200: PersonTransferSerializer, **_VALIDATION_ERRORS},
    )
    @action(detail=True, methods=["post"], serializer_class=PersonTransferSerializer)
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        data = self._input(DeactivateInputSerializer)
        try:
            record = services.user_deactivate(
                actor=self.actor,
                user=user,
                successor=data["successor"],
                reason=data["reason"],
                **self._plan(data, user),
            )
        except ValidationError as exc:
            raise _plan_errors(exc, "successor") from exc
        return Response(PersonTransferSerializer(record).data)

    @extend_schema(
        summary="Preview a deactivation: what would move, and where",
        description="The same body as ``deactivate``; nothing moves. Counts per kind of record and "
        "destination, the teams led and the direct reports, as the deactivation would leave them.",
        request=DeactivateInputSerializer,
        responses={200: TransferPreviewSerializer, **_VALIDATION_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="deactivate-preview",
        serializer_class=TransferPreviewSerializer,
    )
    def deactivate_preview(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        data = self._input(DeactivateInputSerializer)
        try:
            outcome = services.transfer_preview(
                actor=self.actor,
                source=user,
                target=data["successor"],
                kind=PersonTransfer.Kind.DEPARTURE,
                **self._plan(data, user),
            )
        except ValidationError as exc:
            raise _plan_errors(exc, "successor") from exc
        return Response(TransferPreviewSerializer(transfer_preview_data(outcome)).data)

    @extend_schema(
        summary="Reactivate a person",
        request=None,
        responses={200: UserSerializer, 403: _VALIDATION_ERRORS[403], 404: _VALIDATION_ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        services.user_reactivate(actor=self.actor, user=user)
        return self._output(user)

    @extend_schema(
        summary="Transfer everything a person owns to someone else (在职继承)",
        description="To ``target``, or as the body splits it (see ``deactivate``). The person stays "
        "active; the teams they lead stay theirs unless ``lead_teams``, their direct reports keep "
        "them as manager unless ``reports`` says otherwise.",
        request=TransferInputSerializer,
        responses={200: PersonTransferSerializer, **_VALIDATION_ERRORS},
    )
    @action(detail=True, methods=["post"], serializer_class=PersonTransferSerializer)
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        data = self._input(TransferInputSerializer)
        try:
            record = services.person_transfer(
                actor=self.actor,
                source=user,
                target=data["target"],
                reason=data["reason"],
                **self._plan(data, user),
            )
        except ValidationError as exc:
            raise _plan_errors(exc, "target") from exc
        return Response(PersonTransferSerializer(record).data)

    @extend_schema(
        summary="Preview a transfer: what would move, and where",
        description="The same body as ``transfer``; nothing moves.",
        request=TransferInputSerializer,
        responses={200: TransferPreviewSerializer, **_VALIDATION_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="transfer-preview",
        serializer_class=TransferPreviewSerializer,
    )
    def transfer_preview(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        data = self._input(TransferInputSerializer)
        try:
            outcome = services.transfer_preview(
                actor=self.actor, source=user, target=data["target"], **self._plan(data, user)
            )
        except ValidationError as exc:
            raise _plan_errors(exc, "target") from exc
        return Response(TransferPreviewSerializer(transfer_preview_data(outcome)).data)


class MeView(TandemAPIView):
    """The signed-in person, and their own profile settings."""

    def _render(self, request: Request) -> Response:
        user = self.actor.user
        assert user is not None
        person = (
            User.objects.select_related("manager", "position")
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.filter(team__deleted_at__isnull=True).select_related("team"),
                    to_attr="visible_memberships",
                ),
                Prefetch("roles", to_attr="visible_roles"),
            )
            .get(pk=user.pk)
        )
        return Response(MeSerializer(person, context={"request": request}).data)

    @extend_schema(summary="The signed-in person", responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return self._render(request)

    @extend_schema(
        summary="Edit my profile",
        request=ProfileInputSerializer,
        responses={200: MeSerializer, 400: _VALIDATION_ERRORS[400]},
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.profile_update(actor=self.actor, data=serializer.validated_data)
        return self._render(request)


# --- Teams ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Teams"),
    retrieve=extend_schema(summary="One team", responses={200: TeamSerializer, 404: _VALIDATION_ERRORS[404]}),
)
class TeamViewSet(OrgViewSet):
    """Teams of the organisation tree. ``path`` is the materialised path (``/1/4/9/``)."""

    resource = "team"
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    ordering_fields = ["name", "path", "id"]
    ordering = ["path"]

    def base_queryset(self) -> QuerySet[Team]:
        members = Membership.objects.filter(team=OuterRef("pk"), user__is_active=True)
        return Team.objects.select_related("leader").annotate(head_count=_count_of(members, "team"))

    @extend_schema(
        summary="Create a team",
        request=TeamInputSerializer,
        responses={201: TeamSerializer, 400: _VALIDATION_ERRORS[400], 403: _VALIDATION_ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(TeamInputSerializer)
        team = services.team_create(actor=self.actor, **data)
        return self._output(team, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit or move a team",
        description="Changing ``parent`` moves the team with its whole subtree.",
        request=TeamInputSerializer,
        responses={200: TeamSerializer, **_VALIDATION_ERRORS},
    )
    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        team = self.get_object()
        data = self._input(TeamInputSerializer, partial=partial)
        values: dict[str, Any] = {
            "name": team.name,
            "description": team.description,
            "parent": team.parent,
            "leader": team.leader,
            **data,
        }
        services.team_update(actor=self.actor, team=team, **values)
        return self._output(team)

    @extend_schema(
        summary="Edit some of a team's fields",
        request=TeamInputSerializer,
        responses={200: TeamSerializer, **_VALIDATION_ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a team to the recycle bin", responses={204: None, **_VALIDATION_ERRORS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        team = self.get_object()
        services.team_delete(actor=self.actor, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Positions -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Positions (岗位)"),
    retrieve=extend_schema(
        summary="One position and its job description",
        responses={200: PositionSerializer, 404: _VALIDATION_ERRORS[404]},
    ),
)
class PositionViewSet(OrgViewSet):
    resource = "position"
    serializer_class = PositionSerializer
    filterset_class = PositionFilter
    ordering_fields = ["title", "id"]
    ordering = ["title", "id"]

    def base_queryset(self) -> QuerySet[Position]:
        holders = User.objects.filter(position=OuterRef("pk"), is_active=True)
        return Position.objects.annotate(holder_count=_count_of(holders, "position"))

    @extend_schema(
        summary="Create a position",
        request=PositionInputSerializer,
        responses={201: PositionSerializer, 400: _VALIDATION_ERRORS[400], 403: _VALIDATION_ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(PositionInputSerializer)
        position = services.position_create(actor=self.actor, data=data)
        return self._output(position, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a position",
        request=PositionInputSerializer,
        responses={200: PositionSerializer, **_VALIDATION_ERRORS},
    )
    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        position = self.get_object()
        data = self._input(PositionInputSerializer, partial=partial)
        current = {name: getattr(position, name) for name in services.POSITION_FIELDS}
        current["reports_to"] = position.reports_to
        services.position_update(actor=self.actor, position=position, data={**current, **data})
        return self._output(position)

    @extend_schema(
        summary="Edit some of a position's fields",
        request=PositionInputSerializer,
        responses={200: PositionSerializer, **_VALIDATION_ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a position to the recycle bin", responses={204: None, **_VALIDATION_ERRORS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        position = self.get_object()
        services.position_delete(actor=self.actor, position=position)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Roles ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Roles and their data scopes (数据权限)"),
    retrieve=extend_schema(summary="One role", responses={200: RoleSerializer, 404: _VALIDATION_ERRORS[404]}),
)
class RoleViewSet(OrgViewSet):
    resource = "role"
    serializer_class = RoleSerializer
    filterset_class = RoleFilter
    ordering_fields = ["name", "code", "id"]
    ordering = ["name", "id"]

    def base_queryset(self) -> QuerySet[Role]:
        return Role.objects.prefetch_related("grants")

    @extend_schema(
        summary="Create a role",
        request=RoleCreateInputSerializer,
        responses={201: RoleSerializer, 400: _VALIDATION_ERRORS[400], 403: _VALIDATION_ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(RoleCreateInputSerializer)
        role = services.role_create(
            actor=self.actor,
            code=data.get("code", ""),
            name=data["name"],
            description=data.get("description", ""),
            is_admin=data.get("is_admin", False),
            grants=data.get("grants"),
        )
        return self._output(role, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a role and its grants",
        description="``grants``, when given, replaces the role's grants.",
        request=RoleInputSerializer,
        responses={200: RoleSerializer, **_VALIDATION_ERRORS},
    )
    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        role = self.get_object()
        data = self._input(RoleInputSerializer, partial=partial)
        services.role_update(
            actor=self.actor,
            role=role,
            name=data.get("name", role.name),
            description=data.get("description", role.description),
            is_admin=data.get("is_admin", role.is_admin),
            grants=data.get("grants"),
        )
        return self._output(role)

    @extend_schema(
        summary="Edit some of a role's fields",
        request=RoleInputSerializer,
        responses={200: RoleSerializer, **_VALIDATION_ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Delete a role", responses={204: None, **_VALIDATION_ERRORS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        role = self.get_object()
        services.role_delete(actor=self.actor, role=role)
        return Response(status=status.HTTP_204_NO_CONTENT)
