"""The API's JSON parser: malformed input is the client's error (400 or 413), never a 500.

DRF's parser reads the whole body however large it is (Django's DATA_UPLOAD_MAX_MEMORY_SIZE
guards only ``request.POST`` and ``request.body``), and lets Python's RecursionError through
for deeply nested JSON (``[[[[…]]]]``), which ends as a server error.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.utils import json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "request_too_large"


class BoundedJSONParser(JSONParser):
    """JSON of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, nested at most as deep as Python can
    decode: a larger body is 413, a deeper one 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request: Request | None = parser_context.get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None and length and length.isdigit() and int(length) > limit:
            raise RequestTooLarge()
        data = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(data) > limit:
            raise RequestTooLarge()
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(data, encoding)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, LookupError) as exc:  # not JSON, not in its encoding
            raise ParseError(_("The request body is not valid JSON.")) from exc
        except RecursionError as exc:
            raise ParseError(_("The JSON is nested too deeply.")) from exc
