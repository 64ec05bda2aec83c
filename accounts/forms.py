from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import identifiers


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is not correct."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for viewing"),
        max_length=500,
        error_messages={"required": _("Please give the reason for viewing the full value.")},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. calling about a home visit")}),
    )


# --- Numbers ---------------------------------------------------------------------------------


class AsciiNumberMixin:
    """A number field that reads its text through ``accounts.identifiers``: NFKC first (full-width
    digits become 0-9), then only 0-9. Django's own fields call ``int()`` and ``Decimal()``,
    which take ``٤٢`` (Arabic-Indic) as 42."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = identifiers.normalize(value)
        return super().to_python(value)  # type: ignore[misc]


class IntegerField(AsciiNumberMixin, forms.IntegerField):
    pass


class DecimalField(AsciiNumberMixin, forms.DecimalField):
    pass


def number_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """``Meta.formfield_callback`` of the ModelForms: number columns get the fields above."""
    if isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", DecimalField)
    elif isinstance(db_field, models.IntegerField):
        kwargs.setdefault("form_class", IntegerField)
    return db_field.formfield(**kwargs)


def add_service_errors(form: forms.Form, errors: ValidationError | dict[str, Any]) -> None:
    """Put a service's refusal (a ValidationError, or a dict of field → messages) next to the
    form's fields, or at the top of the form when no field fits: the page keeps what was typed
    and the error summary lists it."""
    if isinstance(errors, ValidationError):
        errors = (
            errors.message_dict if hasattr(errors, "error_dict") else {"__all__": errors.messages}
        )
    for name, field_messages in errors.items():
        field = name if name in form.fields else None
        for message in field_messages if isinstance(field_messages, list) else [field_messages]:
            form.add_error(field, message)
