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
from django.core.exceptions import FieldDoesNotExist
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


# --- What the audit pages call things ----------------------------------------------------------

#: Labels of ``AccessLog.field`` values that are not a field of the record: a kind of lookup
#: or export. Apps register theirs (``register_access_field``); a protected field of the record
#: is called by its verbose name.
_ACCESS_FIELDS: dict[str, object] = {}


def register_access_field(name: str, label: object) -> None:
    _ACCESS_FIELDS[name] = label


def access_field_label(model: type[models.Model] | None, name: str) -> str:
    """``phone`` -> 手机号码, ``id_number_check`` -> 保存家庭时的身份证号查重."""
    if name in _ACCESS_FIELDS:
        return str(_ACCESS_FIELDS[name])
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    return name


def access_field_choices() -> list[tuple[str, str]]:
    """Every ``AccessLog.field`` value with its label: the registered lookups and exports, and
    each protected (encrypted) field of a model, for the audit page's filter."""
    choices = {name: str(label) for name, label in _ACCESS_FIELDS.items()}
    for model in apps.get_models():
        for name in sorted(encrypted_fields(model)):
            choices.setdefault(name, str(model._meta.get_field(name).verbose_name))
    return sorted(choices.items(), key=lambda item: item[1])


def record_label(instance: models.Model) -> str:
    """How the audit pages name a record: its kind and its name, and the household it belongs
    to where it has one (成员 张三 · 441803102-00050), never its internal id."""
    kind = str(instance._meta.verbose_name)
    label = f"{kind} {instance}"
    household = getattr(instance, "household", None)
    if household is not None and isinstance(household, models.Model):
        label += f" · {household}"
    return label
