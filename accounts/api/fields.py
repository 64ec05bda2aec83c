"""Number fields of the API that read digits through ``accounts.identifiers``.

DRF's IntegerField and DecimalField call ``int()`` and ``Decimal()``, which take ``٤٢``
(Arabic-Indic) as 42. These fields normalise the text first (NFKC: full-width digits become
0-9) and refuse any other digit with a field error. ``ModelSerializer`` gives a model's number
columns the same fields; input serializers use it instead of DRF's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .. import identifiers


class AsciiNumberMixin:
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and len(data) <= self.MAX_STRING_LENGTH:  # type: ignore[attr-defined]
            try:
                data = identifiers.normalize(data)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages, code="invalid") from None
        return super().to_internal_value(data)  # type: ignore[misc]


class AsciiIntegerField(AsciiNumberMixin, serializers.IntegerField):
    pass


class AsciiDecimalField(AsciiNumberMixin, serializers.DecimalField):
    pass


class AsciiFloatField(AsciiNumberMixin, serializers.FloatField):
    pass


def ascii_text(value: str) -> str:
    """``identifiers.normalize`` for a serializer's ``validate_<field>``: NFKC, and a digit
    outside 0-9 is a field error (a contact phone kept as typed, for example)."""
    try:
        return identifiers.normalize(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages, code="invalid") from None


_ASCII = {
    serializers.IntegerField: AsciiIntegerField,
    serializers.DecimalField: AsciiDecimalField,
    serializers.FloatField: AsciiFloatField,
}


# A ModelSerializer whose number columns read digits through ``accounts.identifiers``. (No
# docstring: drf-spectacular would give it to every serializer without one of its own.)
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        model_field: _ASCII.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }
