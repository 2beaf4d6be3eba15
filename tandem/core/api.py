"""REST API base views: scoped viewsets, per-request language, the actor.

Every API view derives from ``TandemAPIView`` (or ``ScopedViewSet``), which

- answers in the caller's language: an explicit ``Accept-Language`` first, then the person's setting;
- shows instants in the caller's own time zone (dates stay dates);
- gets querysets from the access policy only: ``ScopedViewSet`` subclasses give ``base_queryset``
  and cannot override ``get_queryset`` (enforced at class creation).

Errors (400 with field messages, 401, 403, 404, 409, 428) are shaped in ``core.rest``; the OpenAPI
schema of every view is ``core.openapi.AutoSchema``; writes to versioned records read the version
they change with ``version_read`` (docs/decisions/0012).
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import trans_real
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.views import APIView

from . import access
from .openapi import AutoSchema
from .rest import Conflict, Pagination, PreconditionRequired, StrictOrderingFilter, exception_handler

__all__ = [
    "Conflict",
    "Pagination",
    "PreconditionRequired",
    "ResourcePermission",
    "ScopedViewSet",
    "StrictOrderingFilter",
    "TandemAPIView",
    "exception_handler",
    "version_read",
]

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "create",
    "PUT": "edit",
    "PATCH": "edit",
    "DELETE": "delete",
}


def _activate_language(request: Request) -> None:
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    language = None
    if header:
        for code, _q in trans_real.parse_accept_lang_header(header):
            try:
                language = translation.get_supported_language_variant(code)
                break
            except LookupError:
                continue
    if language is None:
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) or "en"
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _activate_time_zone(request: Request) -> None:
    """The caller's own time zone, in which instants are shown (``2026-07-01T08:00:00-04:00`` for
    a person in New York). The web middleware cannot do it for the API: a token is only read
    by DRF, after the middleware has run, so without this every token holder read the server's
    zone."""
    user = getattr(request, "user", None)
    name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    try:
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
            return
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    timezone.deactivate()


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Token <key>`` (tandem.security) in the OpenAPI schema."""

    target_class = "tandem.security.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "API token: `Authorization: Token <key>`.",
        }


class LanguageMixin:
    """The caller's language and time zone, once DRF knows who the caller is (session or token)."""

    # Every API view's OpenAPI description: errors, exports and integer ranges documented (core.openapi).
    schema: ViewInspector | None = AutoSchema()
    # Records are found by their integer id (routers: ``<int:pk>``); the schema says so too.
    lookup_value_converter = "int"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        _activate_language(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        _activate_language(request)
        _activate_time_zone(request)

    @property
    def actor(self) -> access.Actor:
        return access.get_actor(self.request)  # type: ignore[attr-defined]


class TandemAPIView(LanguageMixin, APIView):
    """Base for API views that are not a list of one resource."""


class ResourcePermission(BasePermission):
    """The access policy's answer for the view's resource, before the view runs.

    ``view.action_permissions`` maps a DRF action (list, create, ...) to a policy action; by
    default the HTTP method decides (GET view, POST create, PUT/PATCH edit, DELETE delete).
    """

    def _policy_action(self, request: Request, view: Any) -> str:
        mapping: dict[str, str] = getattr(view, "action_permissions", {})
        drf_action = getattr(view, "action", None)
        if drf_action in mapping:
            return mapping[drf_action]
        return METHOD_ACTIONS.get(request.method or "GET", "view")

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.get_actor(request)
        if actor.user is None:
            return False
        # Reading a record still needs the view grant; a record out of scope then answers 404.
        if not actor.has(view.resource, "view"):
            return False
        if actor.has(view.resource, self._policy_action(request, view)):
            return True
        # A write to one record the caller may not make: a record they cannot see answers 404
        # exactly like a missing one (get_object raises it); one they can see answers 403.
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            view.get_object()
        return False

    def has_object_permission(self, request: Request, view: Any, obj: models.Model) -> bool:
        return access.can(access.get_actor(request), self._policy_action(request, view), view.resource, obj)


class ScopedViewSet(LanguageMixin, viewsets.GenericViewSet):
    """A viewset over one access-policy resource. The only queryset it serves is ``visible()``'s."""

    resource: ClassVar[str]
    permission_classes = [ResourcePermission]
    action_permissions: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset; give base_queryset instead.")

    def base_queryset(self) -> models.QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> models.QuerySet[Any]:
        return access.visible(self.actor, self.resource, self.base_queryset())

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A versioned record's answer carries its version as ``ETag`` (to send back as ``If-Match``)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if 200 <= response.status_code < 300 and isinstance(data, dict):
            version = data.get("version")
            if isinstance(version, int) and not isinstance(version, bool) and "id" in data:
                response["ETag"] = f'"{version}"'
        return response


class NamesField(serializers.DictField):
    """``names`` of a record named in each language (``core.naming``): language code to name,
    e.g. ``{"en": "Proposal", "zh-hans": "方案报价"}``. The service checks the codes."""

    def __init__(self, *, max_length: int = 100, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", _("The name in other interface languages: language code (en, zh-hans) to name.")
        )
        super().__init__(child=serializers.CharField(max_length=max_length, allow_blank=True), **kwargs)
        # The schema names the keys the service accepts (core.openapi).
        self.openapi_property_names = [code for code, _name in settings.LANGUAGES]


# --- Optimistic concurrency: the version a write changes ---------------------------------------

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    pattern=r'^(W/)?"?[0-9]{1,18}"?$',
    description='The version you read, as its ETag (`"3"`); or send `version` in the body. One of '
    "the two is required.",
)
PRECONDITION = {
    428: OpenApiResponse(
        description="No version: send `version` in the body or `If-Match` with the ETag you read."
    ),
}


def version_read(request: Request, sent: int | None) -> int:
    """The version a write to a versioned record changes: ``sent`` (the body's ``version``, as
    the serializer parsed it) or the ``If-Match`` header (the ETag of a GET: ``"3"``, or ``3``).

    Neither answers 428 (a write without it would silently overwrite someone else's change);
    both, disagreeing, 400. A stale one is the service's to refuse (409 with the current values).
    """
    header = request.headers.get("If-Match")
    from_header: int | None = None
    if header is not None:
        match = _ETAG.match(header)
        if match is None:
            raise ValidationError(
                {"version": [_("If-Match must be the version of the record you read (its ETag).")]}
            )
        from_header = int(match.group(1))
    if sent is not None and from_header is not None and sent != from_header:
        raise ValidationError({"version": [_("The version in the body and If-Match differ.")]})
    version = sent if sent is not None else from_header
    if version is None:
        raise PreconditionRequired
    return version
