from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import crypto
from accounts.fields import encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the newest key of FIELD_ENCRYPTION_KEY. "
        "Prepend the new key, run this, then drop the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            names = encrypted_fields(model)
            if not names:
                continue
            # Raw SQL on purpose: the tokens must be read and written as stored, not through
            # the field, which would decrypt on read and encrypt again on write.
            table = model._default_manager
            ids = list(table.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), options["batch_size"]):
                batch = ids[start : start + options["batch_size"]]
                with transaction.atomic():
                    for pk, *tokens in _raw_tokens(model, names, batch):
                        changes = {
                            name: crypto.rotate(token)
                            for name, token in zip(names, tokens, strict=True)
                            if token
                        }
                        if changes:
                            _write_raw(model, pk, changes)
                            total += 1
            self.stdout.write(f"{model._meta.label}: {', '.join(names)} rotated")
        self.stdout.write(f"{total} rows re-encrypted")


def _raw_tokens(model, names, pks):
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    placeholders = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        # Identifiers come from model metadata and are quoted; values are parameters.
        sql = f"SELECT {pk_col}, {cols} FROM {table} WHERE {pk_col} IN ({placeholders})"  # noqa: S608
        cursor.execute(sql, pks)
        return cursor.fetchall()


def _write_raw(model, pk, changes):
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    sets = ", ".join(
        f"{connection.ops.quote_name(model._meta.get_field(n).column)} = %s" for n in changes
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk_col} = %s", [*changes.values(), pk])  # noqa: S608
