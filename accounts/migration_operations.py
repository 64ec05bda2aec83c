"""Data migrations for fields that become ``EncryptedTextField``.

A production database holds plain text in those columns, and its change history holds the old
values. The schema migration makes the column ``text`` (a token is longer than the plain value);
then, in a migration of their own:

- ``encrypt_existing_values`` encrypts every non-empty plain value in place (values already
  encrypted are left alone, so it is safe to run again); reversed, it decrypts them;
- ``mask_logged_values`` replaces the values recorded for those fields in auditlog's change
  history by the marker of ``accounts.audit.mask_protected`` (not reversible: the values are
  gone, which is the point).

Raw SQL on purpose: the values must be read and written as stored, not through the field, which
would try to decrypt plain text on read. Identifiers come from model metadata and are quoted;
values are parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cryptography.fernet import InvalidToken
from django.db import migrations

from . import crypto

FieldMap = dict[str, tuple[str, ...]]  # model name -> field names


def _is_token(value: str) -> bool:
    if not value.startswith("gAAAAA"):  # every Fernet token (version byte 0x80) starts so
        return False
    try:
        crypto.decrypt(value)
    except InvalidToken:
        return False
    return True


def _encrypt(value: str | None) -> str | None:
    if not value or _is_token(value):
        return value
    return crypto.encrypt(value)


def _decrypt(value: str | None) -> str | None:
    if not value:
        return value
    try:
        return crypto.decrypt(value)
    except InvalidToken:
        return value  # plain already


def _convert_columns(
    apps, schema_editor, app_label: str, fields: FieldMap, convert: Callable, batch_size: int
) -> None:
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for model_name, names in fields.items():
        model = apps.get_model(app_label, model_name)
        table = qn(model._meta.db_table)
        pk = qn(model._meta.pk.column)
        columns = [qn(model._meta.get_field(name).column) for name in names]
        select = f"SELECT {pk}, {', '.join(columns)} FROM {table}"  # noqa: S608
        update = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s"  # noqa: S608
        last = None
        with connection.cursor() as cursor:
            while True:
                if last is None:
                    cursor.execute(f"{select} ORDER BY {pk} LIMIT %s", [batch_size])
                else:
                    cursor.execute(
                        f"{select} WHERE {pk} > %s ORDER BY {pk} LIMIT %s", [last, batch_size]
                    )
                rows = cursor.fetchall()
                if not rows:
                    break
                changed = []
                for pk_value, *values in rows:
                    new = [convert(value) for value in values]
                    if new != values:
                        changed.append([*new, pk_value])
                if changed:
                    cursor.executemany(update, changed)
                last = rows[-1][0]


def encrypt_existing_values(
    app_label: str, fields: FieldMap, *, batch_size: int = 1000
) -> migrations.RunPython:
    """Encrypt the plain values of ``fields`` (forwards); decrypt them (backwards)."""

    def forwards(apps, schema_editor):
        _convert_columns(apps, schema_editor, app_label, fields, _encrypt, batch_size)

    def backwards(apps, schema_editor):
        _convert_columns(apps, schema_editor, app_label, fields, _decrypt, batch_size)

    return migrations.RunPython(forwards, backwards)


def mask_logged_values(app_label: str, fields: FieldMap) -> migrations.RunPython:
    """Mask the values of ``fields`` in the change history recorded so far (forwards only)."""

    def forwards(apps, schema_editor):
        from .audit import mask_protected

        LogEntry = apps.get_model("auditlog", "LogEntry")
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model_name, names in fields.items():
            content_type = ContentType.objects.filter(
                app_label=app_label, model=model_name.lower()
            ).first()
            if content_type is None:
                continue
            entries = LogEntry.objects.filter(content_type=content_type).only("pk", "changes")
            for entry in entries.iterator(chunk_size=1000):
                changes = entry.changes
                if isinstance(changes, str):  # stored as JSON text by older versions
                    changes = json.loads(changes or "null")
                if not isinstance(changes, dict) or not set(names) & set(changes):
                    continue
                for name in set(names) & set(changes):
                    changes[name] = [mask_protected(str(value)) for value in changes[name]]
                LogEntry.objects.filter(pk=entry.pk).update(changes=changes)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
