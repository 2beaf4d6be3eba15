"""API: sign in for a token, and manage one's own API tokens.

``POST /api/v1/auth/token/`` is the only endpoint that answers without authentication. Wrong
credentials count toward the same lockout as the sign-in page (django-axes).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core.api import LanguageMixin, TandemAPIView
from tandem.core.rest import Pagination

from . import selectors, services
from .models import ApiToken

_DETAIL = inline_serializer("Detail", fields={"detail": serializers.CharField()})
_ERRORS = OpenApiResponse(description='Field messages, e.g. {"name": ["This field is required."]}')


class TokenLoginInput(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenLoginOutput(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'. Shown once.")


class TokenLoginView(TandemAPIView):
    """Exchange a username and password for a new API token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        request=TokenLoginInput,
        responses={
            200: TokenLoginOutput,
            400: _ERRORS,
            429: OpenApiResponse(_DETAIL, description="Too many failed attempts: try again later."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            _token, key = services.api_login(
                request=request._request,
                username=data.validated_data["username"],
                password=data.validated_data["password"],
            )
        except services.SignInLocked as exc:
            return Response({"detail": exc.message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except DjangoValidationError as exc:
            return Response({"non_field_errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": key})


class TokenOutput(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class TokenCreateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=services.TOKEN_NAME_MAX_LENGTH)


class TokenCreateOutput(TokenOutput):
    key = serializers.SerializerMethodField(help_text="The token's key. Shown only in this answer.")

    class Meta(TokenOutput.Meta):
        fields = [*TokenOutput.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj: ApiToken) -> str:
        return str(self.context["key"])


@extend_schema(tags=["auth"])
class TokenViewSet(LanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet[ApiToken]):
    """The signed-in person's own API tokens. Another person's token answers 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = TokenOutput
    pagination_class = Pagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return selectors.token_list(actor=self.actor)

    @extend_schema(request=TokenCreateInput, responses={201: TokenCreateOutput, 400: _ERRORS})
    def create(self, request: Request) -> Response:
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.token_create(actor=self.actor, name=data.validated_data["name"])
        return Response(TokenCreateOutput(token, context={"key": key}).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 404: OpenApiResponse(_DETAIL)})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        token = selectors.token_get_own_or_404(actor=self.actor, pk=pk)
        services.token_revoke(actor=self.actor, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
