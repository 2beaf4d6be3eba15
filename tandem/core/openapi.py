"""The OpenAPI schema says what the API answers and accepts, as strictly as the API checks it.

``AutoSchema`` (drf-spectacular's, refined) is every Tandem API view's schema (``core.api``):

- Every answer an operation can give is documented: 400 for an operation with input (a body, a
  filter, a page), 401 and 403 for all, 404 for one record or a page past the end, 409 for a
  delete that other records refer to, alongside what the view declares itself. Errors share one
  body shape (``Error``).
- Lists that export document their CSV and XLSX answers.
- Integers carry the range the database can hold (ids from 1 to 2^63-1), so generated requests
  that the schema allows are ones the API can accept: an id past 64 bits is outside the schema,
  and answers 400 or 404 (``core.ids.parse_id``, ``core.rest.exception_handler``).
- Request bodies are JSON (multipart where a file is sent), and strings, decimals, names and
  fields marked with ``documented`` say what the API checks.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework import serializers

from .export import XLSX_MEDIA_TYPE
from .ids import MAX_ID

MIN_INT = -(2**63)
# A string DRF accepts when blank is not allowed: no NUL character, something besides spaces.
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
F = TypeVar("F", bound=serializers.Field)

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a message per field (`non_field_errors` for the whole).",
    "401": "No valid credentials: sign in, or send `Authorization: Token <key>`.",
    "403": "The caller may see the record but not do this.",
    "404": "No such record (or the caller may not see it), or no such page.",
    "409": "Other records still refer to this one.",
    "415": "The body is not JSON, a form or a multipart form that can be read.",
}


def bound_integers(schema: dict[str, Any], *, minimum: int = MIN_INT) -> None:
    """Give an integer schema (or an array of them) the range the database holds, where it has none."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        bound_integers(schema["items"], minimum=minimum)
        return
    if schema.get("type") != "integer":
        return
    schema["minimum"] = max(schema.get("minimum", minimum), minimum)
    schema.setdefault("maximum", MAX_ID)


def documented(field: F, **schema: Any) -> F:
    """``field`` with what its schema should say beyond what DRF knows (the service's checks).

    DRF copies a serializer's fields by constructing them again from their arguments, so the
    schema rides on a subclass; a callable value is read when the schema is generated.
    """
    kind = type(field)
    subclass = type(f"Documented{kind.__name__}", (kind,), {"openapi_schema": schema})
    copy: F = subclass(*field._args, **field._kwargs)  # type: ignore[attr-defined]
    return copy


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            is_id = parameter.get("in") == "path" or parameter.get("name") in {"page"}
            bound_integers(schema, minimum=1 if is_id else MIN_INT)
        self._document_errors(operation)
        self._document_exports(operation)
        return operation

    def _error_ref(self) -> dict[str, str]:
        component = ResolvedComponent(
            name="Error",
            type=ResolvedComponent.SCHEMA,
            object="tandem.core.openapi.Error",
            schema={
                "type": "object",
                "description": "`detail` for the request as a whole, or messages per field.",
                "properties": {"detail": {"type": "string"}},
                "additionalProperties": {},
            },
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _document_errors(self, operation: dict[str, Any]) -> None:
        responses: dict[str, Any] = operation["responses"]
        codes = ["401", "403"]
        has_input = "requestBody" in operation or any(
            p.get("in") == "query" for p in operation.get("parameters", [])
        )
        if has_input or self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        if "{" in self.path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
            codes.append("404")
        if "requestBody" in operation:
            codes.append("415")
        if self.method == "DELETE":
            codes.append("409")
        error = {"application/json": {"schema": self._error_ref()}}
        for code in codes:
            current = responses.get(code)
            if current is None:
                responses[code] = {"description": ERROR_DESCRIPTIONS[code], "content": error}
            elif "content" not in current:
                current["content"] = error
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                response["content"] = error

    def _document_exports(self, operation: dict[str, Any]) -> None:
        if self.method != "GET" or not hasattr(self.view, "export_columns") or "{" in self.path:
            return
        ok = operation["responses"].get("200")
        if ok is None:
            return
        ok.setdefault("content", {})
        ok["content"]["text/csv"] = {"schema": {"type": "string"}}
        ok["content"][XLSX_MEDIA_TYPE] = {"schema": {"type": "string", "format": "binary"}}

    def map_parsers(self) -> list[Any]:
        """JSON bodies; multipart only where a file is sent. A form cannot say "null", so a form
        body means something else than the same JSON would: the schema describes JSON."""
        media_types: list[Any] = super().map_parsers()
        serializer = self.get_request_serializer()
        fields = getattr(force_instance(serializer), "fields", {}) if serializer is not None else {}
        has_file = any(isinstance(f, serializers.FileField) for f in getattr(fields, "values", dict)())
        wanted = {"application/json", "multipart/form-data"} if has_file else {"application/json"}
        return [m for m in media_types if m in wanted] or media_types

    def _map_basic_serializer(self, serializer: Any, direction: str) -> Any:
        """A serializer's ``openapi_extra`` (rules across fields: "a subject or a content") joins
        its component in the request direction."""
        schema = super()._map_basic_serializer(serializer, direction)
        extra = getattr(serializer, "openapi_extra", None)
        if extra and direction == "request" and not getattr(serializer, "partial", False):
            schema.update(extra)
        return schema

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        blank = bool(getattr(field, "allow_blank", False)) or (
            direction == "response" and _model_field_allows_blank(field)
        )
        if blank and isinstance(field, serializers.ChoiceField):
            # A read-only model field loses allow_blank in DRF; "" is still what a blank one reads.
            # (This field belongs to a serializer made for the schema, not to a request.)
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(schema, dict):
            return schema
        is_ref = isinstance(field, serializers.RelatedField | serializers.ManyRelatedField)
        bound_integers(schema, minimum=1 if is_ref else MIN_INT)
        if blank and direction == "response" and schema.get("type") == "string" and "format" in schema:
            # A blank email or address reads as "", which no format allows.
            schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]
        if direction == "request":
            _as_checked(field, schema)
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        # The validators bring the format back (an email field's); a blank value stays allowed.
        if "format" in schema and {"format": schema["format"]} in schema.get("anyOf", []):
            del schema["format"]


def _as_checked(field: Any, schema: dict[str, Any]) -> None:
    """What DRF checks that drf-spectacular leaves out, in the request direction."""
    if isinstance(field, serializers.DecimalField) and schema.get("type") == "string":
        # The pattern drf-spectacular writes allows "", "." and a sign below a minimum of 0.
        sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
        whole = field.max_whole_digits
        places = field.decimal_places
        digits = r"\d+" if whole is None else rf"\d{{1,{max(whole, 1)}}}"
        fraction = "" if not places else rf"(?:\.\d{{1,{places}}})?"
        schema["pattern"] = rf"^{sign}{digits}{fraction}$"
        return
    documented_schema = getattr(field, "openapi_schema", None)
    if documented_schema:
        schema.update({k: v() if callable(v) else v for k, v in documented_schema.items()})
        if "enum" in schema or "format" in schema:
            schema.pop("pattern", None)
            schema.pop("minLength", None)
        return
    if isinstance(field, serializers.CharField) and not isinstance(field, serializers.ChoiceField):
        has_regex = any(isinstance(v, RegexValidator) for v in field.validators)
        if "pattern" in schema or "format" in schema or has_regex:
            return
        # DRF refuses NUL characters, and a value that is only spaces when blank is not allowed
        # (it trims them first). A blank one that is allowed is the "" drf-spectacular adds.
        schema["pattern"] = r"^[^\x00]+$" if field.allow_blank else NOT_BLANK
        return
    names = getattr(field, "openapi_property_names", None)
    if names and schema.get("type") == "object":
        # Named properties rather than propertyNames: generators honour them.
        value = schema.get("additionalProperties", {})
        schema["properties"] = dict.fromkeys(names, value)
        schema["additionalProperties"] = False


def _model_field_allows_blank(field: Any) -> bool:
    """Whether the model field a serializer field reads from may be blank."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not isinstance(source, str) or "." in source:
        return False
    try:
        return bool(getattr(model._meta.get_field(source), "blank", False))
    except FieldDoesNotExist:
        return False
