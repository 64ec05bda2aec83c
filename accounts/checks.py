from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register()
def check_field_encryption_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(Error("FIELD_ENCRYPTION_KEY is empty.", id="accounts.E001"))
    for key in settings.FIELD_ENCRYPTION_KEYS:
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    "A key in FIELD_ENCRYPTION_KEY is not a Fernet key.",
                    hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'",
                    id="accounts.E002",
                )
            )
    if len(settings.FIELD_HASH_KEY) < 32:
        errors.append(Error("FIELD_HASH_KEY must be at least 32 characters.", id="accounts.E003"))
    return errors
