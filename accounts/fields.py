"""Model field for personal data encrypted at rest (see accounts.crypto)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import IsNull

from . import crypto


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token, readable in Python and opaque in the database.

    Tokens are randomised, so the column cannot be searched or compared: only ``isnull`` is
    allowed as a lookup. Pair the field with a blind-index column for exact search: with
    ``index_field`` and ``index_purpose`` the field fills that column itself on every save, so
    the two cannot drift apart (``bulk_update`` bypasses saves: include the index yourself).
    Empty strings are stored as empty strings (they carry nothing to hide).
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, index_field: str = "", index_purpose: str = "", **kwargs: Any):
        self.index_field = index_field
        self.index_purpose = index_purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # the index options do not touch the database column
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.index_field:
            index = crypto.blind_index(value, purpose=self.index_purpose) if value else ""
            setattr(model_instance, self.index_field, index)
        return value

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str):  # type: ignore[override]
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted; search it by its blind index."
        )

    def get_transform(self, name: str):  # type: ignore[override]
        return None


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
