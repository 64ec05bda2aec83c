from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

from accounts import crypto
from accounts.fields import encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the newest key of FIELD_ENCRYPTION_KEY. "
        "Prepend the new key, run this, then drop the old key. Safe to run while users work, "
        "and safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        total = skipped = 0
        for model in apps.get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            names = encrypted_fields(model)
            if not names:
                continue
            # The base manager: a filtering default manager must not hide rows that would
            # become unreadable once the old key is dropped.
            ids = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), options["batch_size"]):
                for pk, *tokens in _read_tokens(
                    model, names, ids[start : start + options["batch_size"]]
                ):
                    old = dict(zip(names, tokens, strict=True))
                    new = {name: crypto.rotate(token) for name, token in old.items() if token}
                    if not new:
                        continue
                    if _write_if_unchanged(model, pk, old, new):
                        total += 1
                    else:
                        skipped += 1  # edited meanwhile: already under the newest key
            self.stdout.write(f"{meta.label}: {', '.join(names)} rotated")
        self.stdout.write(f"{total} rows re-encrypted, {skipped} changed meanwhile and left alone")


# Raw SQL on purpose: the tokens must be read and written as stored, not through the field,
# which would decrypt on read and encrypt again on write. Identifiers come from model metadata
# and are quoted; values are parameters.


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _read_tokens(model, names, pks):
    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    cols = ", ".join(_column(model, n) for n in names)
    placeholders = ", ".join(["%s"] * len(pks))
    sql = f"SELECT {pk_col}, {cols} FROM {table} WHERE {pk_col} IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, pks)
        return cursor.fetchall()


def _write_if_unchanged(model, pk, old: dict[str, str], new: dict[str, str]) -> bool:
    """Compare-and-set: write the rotated tokens only where the row still holds the tokens
    that were read, so that a value edited meanwhile is never overwritten by its old value."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    sets = ", ".join(f"{_column(model, n)} = %s" for n in new)
    guards = " AND ".join(f"{_column(model, n)} = %s" for n in new)
    sql = f"UPDATE {table} SET {sets} WHERE {pk_col} = %s AND {guards}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*new.values(), pk, *(old[n] for n in new)])
        return cursor.rowcount == 1
