"""Change history of personal-data models (django-auditlog).

The history records THAT a protected field changed, never its value, plain or encrypted: every
encrypted field (ID numbers, phones, health, and the free text about people: notes, findings,
descriptions, reasons, messages) is registered as a masked field whose old and new values are
both replaced by one fixed marker (``mask_protected``). Blind-index columns are left out of the
history altogether: a digest that changes with the value says nothing more, and would let the
history be matched against the index. Later apps register their models here the same way.

``object_repr`` is ``str(instance)``: a registered model's ``__str__`` must not carry free text
(tests/accounts/test_privacy.py checks it).
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from .fields import EncryptedTextField, encrypted_fields

MASK_CALLABLE = "accounts.audit.mask_protected"


def mask_protected(value: str) -> str:
    """What the history keeps of a protected value: nothing but whether there was one."""
    if value in ("", "None"):  # empty, or no value before the record existed
        return ""
    return _("(changed, not recorded)")


def blind_index_fields(model: type[models.Model]) -> set[str]:
    names = set()
    for field in model._meta.get_fields():
        if isinstance(field, EncryptedTextField):
            names.add(f"{field.name}_index")
            if field.index_field:
                names.add(field.index_field)
    return {name for name in names if any(f.name == name for f in model._meta.get_fields())}


def register_personal_model(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> None:
    auditlog.register(
        model,
        exclude_fields=sorted(blind_index_fields(model) | set(exclude)),
        mask_fields=sorted(encrypted_fields(model)),
        mask_callable=MASK_CALLABLE,
    )


register_personal_model(apps.get_model("accounts", "User"), exclude=("password", "last_login"))
