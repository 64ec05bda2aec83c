"""Model field for personal data encrypted at rest (see accounts.crypto)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from . import crypto


class IsEmpty(Exact):
    """``field=""`` on an encrypted field: whether a value is empty is no secret (empty strings
    are stored as they are), and check constraints such as "a reason when withdrawn" need it."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs != "":
            raise FieldError(
                "An encrypted field can only be compared with the empty string; "
                "search it by its blind index."
            )
        super().__init__(lhs, rhs)


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token, readable in Python and opaque in the database.

    Tokens are randomised, so the column cannot be searched, ordered or compared: the only
    lookups are ``isnull`` and equality with the empty string (``IsEmpty``). Pair the field with
    a blind-index column for exact search: with ``index_field`` and ``index_purpose`` the field
    fills that column itself on every save, so the two cannot drift apart (``bulk_update``
    bypasses saves: include the index yourself). Empty strings are stored as empty strings
    (they carry nothing to hide).

    ``max_length`` limits the plain text (model validation, forms and serializers), not the
    column, which holds the longer token; a field with a ``max_length`` is a one-line input in
    forms, like the CharField it replaces.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, index_field: str = "", index_purpose: str = "", **kwargs: Any):
        self.index_field = index_field
        self.index_purpose = index_purpose
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs: Any) -> Any:
        if self.max_length is not None and not self.choices:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)

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
        if lookup_name == "exact":
            return IsEmpty
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted; search it by its blind index."
        )

    def get_transform(self, name: str):  # type: ignore[override]
        return None


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
