"""Service errors as API errors: the one translation every app's API uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import strip_tags
from django.views import defaults
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.settings import api_settings

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def plain_messages(messages: list[Any]) -> list[str]:
    """Some service messages carry a link for the HTML page; the API sends plain text."""
    return [strip_tags(str(m)) for m in messages]


def field_errors(errors: dict[str, list[Any]], rename: dict[str, str]) -> dict[str, list[str]]:
    return {rename.get(name, name): plain_messages(messages) for name, messages in errors.items()}


@contextmanager
def service_errors(**rename: str) -> Iterator[None]:
    """Turn a service's ValidationError into a 400 with the same field errors (``__all__``
    becomes ``non_field_errors``; ``rename`` maps a service's field name to the input's)."""
    rename = {"__all__": NON_FIELD, **rename}
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(field_errors(exc.message_dict, rename)) from exc
        raise ValidationError({NON_FIELD: plain_messages(exc.messages)}) from exc


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler (``config.urls.handler404``). An address under ``/api/`` that no
    API view serves (``/api/needs/needs/abc/``: the URL takes digits only) answers as the API
    does, JSON as documented; any other address gets the HTML page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
