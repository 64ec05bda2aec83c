"""Change history of personal-data models (django-auditlog).

Encrypted fields and their blind indexes are excluded from the diffs: the history must not hold
the plain values the encryption protects. Later apps register their models here the same way.
"""

from auditlog.registry import auditlog
from django.apps import apps

from .fields import encrypted_fields


def register_personal_model(model, *, exclude: tuple[str, ...] = ()) -> None:
    hidden = set(encrypted_fields(model)) | {f"{name}_index" for name in encrypted_fields(model)}
    auditlog.register(model, exclude_fields=sorted(hidden | set(exclude)))


register_personal_model(apps.get_model("accounts", "User"), exclude=("password", "last_login"))
