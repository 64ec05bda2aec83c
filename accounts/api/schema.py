"""The OpenAPI schema class of every app's API (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``).

drf-spectacular documents what a view declares; this class adds, in one place, what every view
can answer besides: the error responses of DRF and of ``accounts.api.errors`` (400 with field
errors, 401, 403, 404, 429); the blank value ``""`` of choice fields that may hold it; and
``null`` for output fields that read a nullable model field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, append_meta
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny

_JSON = "application/json"

#: ``{"detail": "..."}``: DRF's answer to a request it refuses before the view runs.
ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

#: A 400: the messages by input field name (``non_field_errors`` for the whole input; a nested
#: input's errors by its own field names or list positions), ``detail`` for a body that could
#: not be parsed, and ``code`` naming a refused action (``matching.api.views.refusals``).
VALIDATION_ERRORS = {
    "type": "object",
    "properties": {
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}

BLANK_ENUM = {"enum": [""]}


def _model_fields(field: serializers.Field) -> list[models.Field]:
    """The model fields a ModelSerializer's field reads, one per step of its ``source`` (across
    relations); empty when it reads no model field."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return []
    chain = []
    for name in field.source.split("."):
        if model is None:
            return []
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return []
        chain.append(model_field)
        model = model_field.related_model
    return chain


def _model_field(field: serializers.Field) -> models.Field | None:
    chain = _model_fields(field)
    return chain[-1] if chain else None


def may_be_null(field: serializers.Field) -> bool:
    """Whether an output field may be ``null`` without declaring it: a read-only field (a
    nested serializer, say) that reads a nullable model field, or reads through a nullable
    relation, answers ``null`` when the value is missing."""
    if not field.read_only or field.allow_null:
        return False
    # Concrete fields only: a reverse relation (a list) is empty, never null.
    return any(f.concrete and f.null for f in _model_fields(field))


def may_be_blank(field: serializers.Field) -> bool:
    """Whether a choice field may carry ``""``: as input when it allows blank or lists ``""``
    among its choices; as output also when the model field it reads is ``blank=True`` (DRF drops
    ``allow_blank`` from read-only fields, so the schema would otherwise leave it out)."""
    if not isinstance(field, serializers.ChoiceField) or isinstance(
        field, serializers.MultipleChoiceField
    ):
        return False
    if field.allow_blank or "" in field.choices:
        return True
    if not field.read_only:
        return False
    model_field = _model_field(field)
    return bool(model_field is not None and model_field.blank and model_field.choices)


class AidBridgeAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the common error responses and blank choices."""

    def _component(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        return component.ref

    # --- "" and null in output fields ---------------------------------------------------------

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema is None:
            return schema
        if may_be_blank(field):
            schema = self._with_blank(schema)
        if may_be_null(field) and not schema.get("nullable"):
            schema = append_meta(schema, {"nullable": True})
        return schema

    def _with_blank(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` (an inline enum or a reference to a named one) with ``""`` allowed."""
        if "enum" in schema:
            if "" not in schema["enum"]:
                schema = {**schema, "enum": [*schema["enum"], ""]}
            return schema
        blank = self._component("BlankEnum", BLANK_ENUM)
        if "$ref" in schema:
            meta = {k: v for k, v in schema.items() if k != "$ref"}
            return {"oneOf": [{"$ref": schema["$ref"]}, blank], **meta}
        if len(schema.get("allOf", [])) == 1:
            meta = {k: v for k, v in schema.items() if k != "allOf"}
            return {"oneOf": [schema["allOf"][0], blank], **meta}
        if "oneOf" in schema and blank not in schema["oneOf"]:
            return {**schema, "oneOf": [*schema["oneOf"], blank]}
        return schema

    # --- Error responses ---------------------------------------------------------------------

    def _requires_login(self) -> bool:
        return not all(issubclass(p, AllowAny) for p in self.view.permission_classes)

    def _error_responses(self, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
        parameters = operation.get("parameters", [])
        in_query = any(p["in"] == "query" for p in parameters)
        in_path = any(p["in"] == "path" for p in parameters)
        paginated = any(p["in"] == "query" and p["name"] == "page" for p in parameters)
        writes = self.method not in SAFE_METHODS
        detail = self._component("ErrorDetail", ERROR_DETAIL)

        def answer(description: Any, schema: dict[str, str]) -> dict[str, Any]:
            return {"description": description, "content": {_JSON: {"schema": schema}}}

        responses: dict[str, dict[str, Any]] = {}
        if writes or in_query:
            responses["400"] = answer(
                _(
                    "The input is not valid: the messages by field name (non_field_errors for "
                    "the input as a whole)."
                ),
                self._component("ValidationErrors", VALIDATION_ERRORS),
            )
        if self._requires_login():
            responses["401"] = answer(_("Not logged in, or the token has expired."), detail)
            if writes:
                responses["403"] = answer(
                    _("The action is not allowed to this user (or the CSRF check failed)."),
                    detail,
                )
        # The house rule answers 404 for what a user may not see, and the services answer 404
        # too for an action the user may not take on what they see (e.g. matching's).
        if in_path or paginated or (writes and self._requires_login()):
            responses["404"] = answer(
                _(
                    "No such object among those the user may see, or no such page; or an "
                    "action this user may not take."
                ),
                detail,
            )
        if self.view.get_throttles():
            responses["429"] = {
                **answer(_("Too many requests: wait the seconds in Retry-After."), detail),
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            }
        return responses

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "path" and schema.get("type") == "integer":
                # ``<int:...>`` matches digits only: a negative id never reaches the view.
                schema.setdefault("minimum", 0)
            elif (
                parameter["in"] == "query"
                and not parameter.get("required")
                and schema.get("type") != "array"
            ):
                # ``?tag=`` is "any tag" (django-filter skips an empty value, as the pages'
                # filter forms send it) and ``?page=`` the first page: "" is a valid value.
                parameter["allowEmptyValue"] = True
        responses = operation.setdefault("responses", {})
        for code, response in self._error_responses(operation).items():
            if code not in responses:
                responses[code] = response
            elif "content" not in responses[code]:
                # A view may describe an error more precisely; its body is still DRF's.
                responses[code]["content"] = response["content"]
        return operation
